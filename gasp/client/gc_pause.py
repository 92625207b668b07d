"""Pausing Python's cyclic garbage collector for the length of one client cycle.

A cycle holds thousands of job documents at once (a claim page, the passes it launches,
the revisions it writes), each a small tree of dicts and lists. Every few hundred new
containers the collector runs, and its older generations walk everything still alive:
measured on ``bench/claim.py``, about 30% of a claim cycle went to scans that never find
garbage, because documents parsed from JSON contain no reference cycles. Reference
counting still frees everything as usual while the collector is paused; at the end of the
cycle one collection picks up whatever cycles the cycle did make (exceptions with their
tracebacks, mostly), so memory stays bounded by one cycle's work.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block; one afterwards (if it was enabled before)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(1)  # the young generations: what this cycle made and left cyclic
