"""The collector pause around a client cycle: off inside, back on after, cycles freed."""

from __future__ import annotations

import gc
import weakref

import pytest

from gasp.client.gc_pause import collector_paused


class Node:
    """A container that can sit in a reference cycle and be watched by a weak reference."""

    def __init__(self) -> None:
        self.other: Node | None = None


def test_paused_inside_enabled_after_and_cyclic_garbage_collected() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: reference counting alone never frees it
        watch = weakref.ref(a)
        del a, b
        assert watch() is not None  # nothing collects it while paused
    assert gc.isenabled()
    assert watch() is None  # the collection at the end of the block freed it


def test_enabled_again_when_the_cycle_raises() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a cycle that failed")
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
