"""A crawl's start-up without the garbage collector.

Importing Scrapy, Twisted, SQLAlchemy and newsmon makes hundreds of thousands of objects that
live as long as the process, and the collector walked them again and again while they were
made: about 0.1 s of CPU on every cron run, a sixth of an idle run. So a crawl starts with it
paused; once the crawl is set up, what start-up made is frozen (moved where collections never
look again: `gc.freeze`, as Python's documentation advises for long-lived objects) and
collection resumes for what the crawl itself makes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_paused = False


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause garbage collection until `resume_collection` (or the end of the block, whatever
    happens in it). Nothing changes if collection is off already."""
    global _paused
    if not gc.isenabled():
        yield
        return
    gc.disable()
    _paused = True
    try:
        yield
    finally:
        _paused = False
        gc.enable()


def resume_collection() -> None:
    """Freeze the objects made so far and collect from here on, if `collection_paused` paused
    it: a crawl calls this once it is set up, just before it starts."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
