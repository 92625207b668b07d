"""Progress of long work: a rich bar on a terminal, plain lines otherwise (logs, CI, pipes).

Plain lines go to standard error, at most one per tenth of the work or per five seconds,
so a log of a long submission shows it moving without drowning in lines.

``progress`` is a ``gasp.progress_protocol.Progress``: the command line passes it to the
domain functions, which never import this module (nor rich) themselves.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from gasp.progress_protocol import Advance, silent


@contextmanager
def progress(description: str, total: int) -> Iterator[Advance]:
    """Yield ``advance(n)``; show progress towards ``total`` while the block runs."""
    if total <= 0:
        with silent(description, total) as nothing_to_show:
            yield nothing_to_show
        return
    if sys.stderr.isatty():
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        ) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n: bar.advance(task, n)
        return
    done = 0
    last_fraction = -1
    last_time = 0.0

    def advance(n: int) -> None:
        nonlocal done, last_fraction, last_time
        done += n
        fraction = done * 10 // total
        now = time.monotonic()
        if fraction != last_fraction or now - last_time > 5 or done == total:
            print(f"{description}: {done}/{total}", file=sys.stderr, flush=True)
            last_fraction, last_time = fraction, now

    yield advance


__all__ = ["progress"]
