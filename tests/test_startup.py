"""A crawl's start-up runs without the garbage collector, which resumes (with what start-up made
frozen) when the crawl starts, and comes back whatever happens."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from newsmon.startup import collection_paused, resume_collection


@pytest.fixture(autouse=True)
def _collector_as_it_was() -> Iterator[None]:
    gc.unfreeze()  # an in-process crawl of an earlier test may have frozen its start-up
    assert gc.isenabled()
    yield
    gc.unfreeze()
    gc.enable()


def test_paused_then_resumed_with_start_up_frozen() -> None:
    with collection_paused():
        assert not gc.isenabled()
        made_at_start_up = [object() for _ in range(10)]
        resume_collection()
        assert gc.isenabled() and gc.get_freeze_count() > 0
        resume_collection()  # a second call changes nothing
        assert gc.isenabled()
    assert gc.isenabled() and made_at_start_up


def test_collection_comes_back_when_start_up_fails() -> None:
    with pytest.raises(RuntimeError), collection_paused():
        assert not gc.isenabled()
        raise RuntimeError("a usage error before the crawl starts")
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_nothing_is_frozen_outside_a_paused_start_up() -> None:
    resume_collection()
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    with collection_paused():  # off already: left off, and not turned on after
        resume_collection()
        assert not gc.isenabled()
    assert not gc.isenabled()
