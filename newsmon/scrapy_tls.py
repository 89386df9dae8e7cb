"""Scrapy's HTTP(S) download handler, imported for the crawl without inspect.stack()'s cost."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def _frames_only_stack() -> Iterator[None]:
    """`inspect.stack()` without the source lines of each frame, for the length of an import.

    Scrapy's TLS modules build deprecated aliases with `inspect.stack()[1]`, only to learn the
    module they are in; inspect.stack reads the source file of every frame on the stack and
    scans every loaded module for each, which cost about 55 ms of CPU on every cron run.
    """

    def frames_only(context: int = 1) -> list[inspect.FrameInfo]:
        frames: list[inspect.FrameInfo] = []
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            code = frame.f_code
            frames.append(
                inspect.FrameInfo(frame, code.co_filename, frame.f_lineno, code.co_name, None, None)
            )
            frame = frame.f_back
        return frames

    real = inspect.stack
    inspect.stack = frames_only
    try:
        yield
    finally:
        inspect.stack = real


with _frames_only_stack():
    import scrapy.core.downloader.handlers.http11  # noqa: F401
