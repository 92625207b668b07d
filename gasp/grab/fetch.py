"""One file of a grab: judged on disk, then fetched from the first replica that works.

The replicas are tried in the catalogue's order (``--prefer SE`` first). A replica that
is missing, unreachable (seconds, not the request timeout: ``gasp.storage.xrootd``) or
corrupt (the copy's adler32 differs: the partial copy is deleted) is noted with its
reason and the next is tried, so the summary can say which replicas are bad even when
the file itself arrived.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from gasp.errors import GaspError
from gasp.grab.local import Placement, Present, judge
from gasp.grab.wanted import Replica, WantedFile, ordered_replicas
from gasp.storage import transfer
from gasp.storage.errors import ChecksumMismatch, StorageError
from gasp.storage.fetch import ByteCounter


class Result(Enum):
    DOWNLOADED = "downloaded"
    PRESENT = "already present"
    FAILED = "failed"


@dataclass
class FileOutcome:
    """What happened to one wanted file."""

    wanted: WantedFile
    path: Path
    result: Result
    present: Present = Present.ABSENT
    source: Replica | None = None
    fetched: int = 0  # bytes that came from the source
    resumed_from: int = 0  # bytes a partial copy already held
    problems: list[str] = field(default_factory=list)  # replicas that failed, and why
    seconds: float = 0.0


def grab_file(
    wanted: WantedFile,
    placement: Placement,
    *,
    verify: bool,
    prefer: str | None,
    on_bytes: ByteCounter,
) -> FileOutcome:
    """Make ``placement.target(wanted)`` a verified copy of ``wanted`` (or say why not)."""
    started = time.monotonic()
    path = placement.target(wanted)
    outcome = FileOutcome(wanted, path, Result.FAILED)
    try:
        outcome.present = judge(path, wanted, verify)
        if outcome.present in (Present.SAME_SIZE_NEWER, Present.VERIFIED):
            outcome.result = Result.PRESENT
            return outcome
        if outcome.present is Present.DIFFERENT:
            path.unlink()
        _download(wanted, path, ordered_replicas(wanted, prefer), outcome, on_bytes)
    except (GaspError, OSError) as exc:  # the local disk: permissions, space
        outcome.problems.append(f"local copy {path}: {exc}")
    finally:
        outcome.seconds = time.monotonic() - started
    return outcome


def _download(
    wanted: WantedFile,
    path: Path,
    replicas: list[Replica],
    outcome: FileOutcome,
    on_bytes: ByteCounter,
) -> None:
    if not replicas:
        outcome.problems.append("no replica of it is marked ok in the catalogue")
    for replica in replicas:
        try:
            done = transfer.download(replica.url, path, wanted.size, wanted.adler32, on_bytes)
        except ChecksumMismatch as exc:
            outcome.problems.append(f"{replica.se}: corrupt replica, copy discarded: {exc}")
        except StorageError as exc:
            outcome.problems.append(f"{replica.se}: {exc}")
        else:
            outcome.result = Result.DOWNLOADED
            outcome.source = replica
            outcome.fetched = done.fetched
            outcome.resumed_from = done.resumed_from
            return


__all__ = ["FileOutcome", "Result", "grab_file"]
