"""Many files at once: ``-j`` streams, biggest files first, a report of every outcome.

Each stream is a thread running ``grab_file``; the byte copies themselves release the
interpreter (file and socket I/O, the XRootD client's C++ threads), so eight streams do
eight transfers at once. Files are handed out biggest first, so a large file does not
start last and run alone at the end; at most a few per stream are queued at a time, so a
million-file grab does not hold a million pending tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from gasp.grab.fetch import FileOutcome, Result, grab_file
from gasp.grab.local import Placement
from gasp.grab.wanted import WantedFile
from gasp.storage.fetch import ByteCounter, ignore_bytes

DEFAULT_STREAMS = 8
QUEUED_PER_STREAM = 4


@dataclass
class GrabReport:
    """Every file's outcome, and the totals a summary shows."""

    outcomes: list[FileOutcome] = field(default_factory=list)

    def of(self, result: Result) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.result is result]

    @property
    def failed(self) -> list[FileOutcome]:
        return self.of(Result.FAILED)

    @property
    def fetched_bytes(self) -> int:
        return sum(o.fetched for o in self.outcomes)

    @property
    def resumed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.resumed_from]

    @property
    def bad_replicas(self) -> list[tuple[FileOutcome, str]]:
        """Replicas that failed, of files that arrived from another one or not at all."""
        return [(o, problem) for o in self.outcomes for problem in o.problems]


def grab_files(
    files: Sequence[WantedFile],
    placement: Placement,
    *,
    streams: int = DEFAULT_STREAMS,
    verify: bool = False,
    prefer: str | None = None,
    on_bytes: ByteCounter = ignore_bytes,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> GrabReport:
    """Fetch ``files`` into ``placement`` with ``streams`` transfers at once."""
    report = GrabReport()
    unique = list({f.lfn: f for f in files}.values())
    todo: Iterator[WantedFile] = iter(sorted(unique, key=lambda f: -f.size))
    streams = max(1, streams)
    with ThreadPoolExecutor(max_workers=streams, thread_name_prefix="grab") as pool:
        pending: set[Future[FileOutcome]] = set()
        while True:
            while len(pending) < streams * QUEUED_PER_STREAM:
                wanted = next(todo, None)
                if wanted is None:
                    break
                pending.add(
                    pool.submit(
                        grab_file,
                        wanted,
                        placement,
                        verify=verify,
                        prefer=prefer,
                        on_bytes=on_bytes,
                    )
                )
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                outcome = future.result()
                report.outcomes.append(outcome)
                if on_file is not None:
                    on_file(outcome)
    return report


__all__ = ["DEFAULT_STREAMS", "GrabReport", "grab_files"]
