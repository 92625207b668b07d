"""Progress of long work: a rich bar on a terminal, plain lines otherwise (logs, CI, pipes).

Plain lines go to standard error, at most one per tenth of the work or per five seconds,
so a log of a long submission shows it moving without drowning in lines.

``progress`` is a ``gasp.progress_protocol.Progress``: the command line passes it to the
domain functions, which never import this module (nor rich) themselves.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

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


class TransferShown:
    """What a transfer's display is told: bytes as they arrive, files as they end.

    Both may be called from many threads at once.
    """

    def __init__(self, on_bytes: Callable[[int], None], on_file: Callable[[], None]) -> None:
        self.bytes = on_bytes
        self.file = on_file


@contextmanager
def transfer_progress(description: str, files: int, total_bytes: int) -> Iterator[TransferShown]:
    """Files, bytes, rate and time left of many transfers: a rich bar on a terminal, a
    plain line at most every five seconds (and at the end) otherwise."""
    if sys.stderr.isatty():
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[files]}"),
            console=Console(stderr=True),
        ) as bar:
            task = bar.add_task(description, total=total_bytes, files=f"0/{files} files")
            done_files = 0
            lock = threading.Lock()

            def file_done() -> None:
                nonlocal done_files
                with lock:
                    done_files += 1
                    bar.update(task, files=f"{done_files}/{files} files")

            yield TransferShown(lambda n: bar.advance(task, n), file_done)
        return
    lock = threading.Lock()
    started = last = time.monotonic()
    state = {"bytes": 0, "files": 0}

    def line() -> None:
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = state["bytes"] / elapsed
        left = max(total_bytes - state["bytes"], 0) / rate if rate else 0.0
        print(
            f"{description}: {state['files']}/{files} files, {decimal(state['bytes'])} of "
            f"{decimal(total_bytes)}, {decimal(int(rate))}/s, about {left:.0f} s left",
            file=sys.stderr,
            flush=True,
        )

    def add_bytes(count: int) -> None:
        nonlocal last
        with lock:
            state["bytes"] += count
            if time.monotonic() - last > 5:
                last = time.monotonic()
                line()

    def count_file() -> None:
        with lock:
            state["files"] += 1

    yield TransferShown(add_bytes, count_file)
    line()


__all__ = ["TransferShown", "progress", "transfer_progress"]
