"""Progress of long work as the domain layers see it: a Protocol and a silent default.

A domain function that works through many steps (writing passes, copying raw files) takes
a ``progress`` argument and uses it with ``with``::

    with progress("writing passes", len(jobs)) as advance:
        for batch in batches:
            ...
            advance(len(batch))

It knows nothing of how progress is shown: the command line passes the rich bar of
``gasp.progress``; everyone else gets ``silent``. So ``gasp.submit`` and ``gasp.runs``
never import rich.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

Advance = Callable[[int], None]  # advance(n): n more steps are done


class Progress(Protocol):
    """``progress(description, total)``: a context manager that yields ``advance``."""

    def __call__(self, description: str, total: int) -> AbstractContextManager[Advance]: ...


def _ignore(_steps: int) -> None:
    return None


@contextmanager
def silent(description: str, total: int) -> Iterator[Advance]:
    """Shows nothing: the default of every domain function that takes a ``progress``."""
    yield _ignore


__all__ = ["Advance", "Progress", "silent"]
