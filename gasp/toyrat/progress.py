"""Progress lines on stdout, as a long-running batch program prints them.

Plain lines (no terminal control), flushed at once, so a job log read while the job runs,
or after it was killed, shows how far it got.
"""

from __future__ import annotations

import math
import time
from typing import TextIO

REPORTS = 10  # about this many progress lines per run


class Progress:
    """Counts events and prints a line roughly every tenth of the run."""

    def __init__(self, total: int, out: TextIO, step: int) -> None:
        self.total = total
        self.out = out
        self.done = 0
        self.every = max(step, math.ceil(total / REPORTS / step) * step)
        self._next = self.every
        self._wall = time.monotonic()
        self._cpu = time.process_time()

    def say(self, message: str) -> None:
        print(f"toyrat: {message}", file=self.out, flush=True)

    def advance(self, events: int) -> None:
        self.done += events
        if self.done >= self._next and self.done < self.total:
            percent = 100.0 * self.done / self.total
            self.say(f"processed {self.done}/{self.total} events ({percent:.0f}%)")
            self._next = (self.done // self.every + 1) * self.every

    def finish(self) -> None:
        wall = time.monotonic() - self._wall
        cpu = time.process_time() - self._cpu
        self.say(f"done: {self.done} events in {wall:.2f} s ({cpu:.2f} s cpu)")


__all__ = ["Progress"]
