"""Catalogued replicas checked against storage, one at a time, many at once.

Each catalogued replica whose status is ``ok`` is asked of its storage element: is it
there, has it the catalogued size, and the catalogued adler32? The checksum is the
server's where the element keeps one (XRootD computes it next to the data; no byte crosses
the network), else the file is read and hashed; ``full`` reads every file, servers
included, because a server's stored checksum vouches for what was written, not against
later corruption. A replica is then

* ``ok``;
* ``missing``: no file at its URL;
* ``changed``: a file, but of another size or adler32 (only the checksum catches a
  same-size change);
* ``unchecked``: the element could not be asked (a connection, permission or server
  error): a problem to report, never evidence that the file is lost.

*Lost* means missing or changed (``gasp.ops.validate`` decides what to do about it).

Replicas already marked ``bad`` are not checked again (``gasp validate`` marked them, and
readers skip them), so a fixed catalogue validates clean; they are counted as known bad.
Checks run ``streams`` at a time in threads (storage calls wait on disks and networks),
with a bounded number in flight, so the catalogue is streamed, not held.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Literal

from gasp.ops.catalogued import CataloguedReplica
from gasp.progress_protocol import Advance
from gasp.storage import transfer
from gasp.storage.access import access_for
from gasp.storage.adler32 import stream_adler32
from gasp.storage.errors import ChecksumMismatch, MissingReplica, StorageError

Verdict = Literal["ok", "missing", "changed", "unchecked"]
LOST: tuple[Verdict, ...] = ("missing", "changed")
DEFAULT_STREAMS = 8  # files checked at once
IN_FLIGHT_PER_STREAM = 4  # checks queued per stream: enough to keep them busy, no more


@dataclass(frozen=True)
class Finding:
    """What a check found of one replica, and in a few words why (empty when ok)."""

    replica: CataloguedReplica
    verdict: Verdict
    detail: str = ""


@dataclass
class ElementTally:
    """The checks of one storage element's replicas."""

    checked: int = 0
    ok: int = 0
    missing: int = 0
    changed: int = 0
    unchecked: int = 0
    known_bad: int = 0  # marked bad before: not checked again

    @property
    def lost(self) -> int:
        return self.missing + self.changed


@dataclass
class Checks:
    """Every check of a validation: counts per element, and each replica not ``ok``."""

    elements: dict[str, ElementTally] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def tally(self, se: str) -> ElementTally:
        return self.elements.setdefault(se, ElementTally())

    def total(self) -> ElementTally:
        """The counts of every element added up."""
        total = ElementTally()
        for tally in self.elements.values():
            total.checked += tally.checked
            total.ok += tally.ok
            total.missing += tally.missing
            total.changed += tally.changed
            total.unchecked += tally.unchecked
            total.known_bad += tally.known_bad
        return total

    def lost(self) -> list[Finding]:
        """The replicas to fix: missing or changed."""
        return [finding for finding in self.findings if finding.verdict in LOST]

    def record(self, finding: Finding) -> None:
        tally = self.tally(finding.replica.se)
        tally.checked += 1
        if finding.verdict == "ok":
            tally.ok += 1
            return
        if finding.verdict == "missing":
            tally.missing += 1
        elif finding.verdict == "changed":
            tally.changed += 1
        else:
            tally.unchecked += 1
        self.findings.append(finding)


def check_replica(replica: CataloguedReplica, *, full: bool = False) -> Finding:
    """One replica against its storage element (size first: a short file costs no read)."""
    try:
        if full:
            _read_and_compare(replica)
        else:
            transfer.verify(replica.url, replica.size, replica.adler32)
    except MissingReplica:
        return Finding(replica, "missing", "no such file")
    except ChecksumMismatch as exc:
        if exc.actual_size != replica.size:
            return Finding(replica, "changed", f"size {exc.actual_size}, catalogued {replica.size}")
        return Finding(
            replica, "changed", f"adler32 {exc.actual_adler32}, catalogued {replica.adler32}"
        )
    except StorageError as exc:
        return Finding(replica, "unchecked", str(exc))
    return Finding(replica, "ok")


def _read_and_compare(replica: CataloguedReplica) -> None:
    """``verify`` with the bytes read here, streamed, whatever checksum the server keeps."""
    size = transfer.stat(replica.url)
    if size is None:
        raise MissingReplica(replica.url)
    if size != replica.size:
        raise ChecksumMismatch(replica.url, expected_size=replica.size, actual_size=size)
    access, path = access_for(replica.url)
    with transfer.translated(replica.url, "read"), access.open_read(path) as handle:
        read, adler32 = stream_adler32(handle)
    if read != replica.size or adler32 != replica.adler32:
        raise ChecksumMismatch(
            replica.url,
            expected_size=replica.size,
            actual_size=read,
            expected_adler32=replica.adler32,
            actual_adler32=adler32,
        )


def check_replicas(
    replicas: Iterable[CataloguedReplica],
    *,
    full: bool = False,
    streams: int = DEFAULT_STREAMS,
    advance: Advance | None = None,
    checks: Checks | None = None,
) -> Checks:
    """Check every ``ok`` replica, ``streams`` at a time; ``advance(1)`` per replica seen."""
    checks = checks if checks is not None else Checks()
    step = advance or (lambda _n: None)
    limit = max(1, streams) * IN_FLIGHT_PER_STREAM
    pending: set[Future[Finding]] = set()

    def collect(done: Iterable[Future[Finding]]) -> None:
        for future in done:
            checks.record(future.result())
            step(1)

    with ThreadPoolExecutor(max_workers=max(1, streams)) as pool:
        for replica in replicas:
            if replica.status != "ok":
                checks.tally(replica.se).known_bad += 1
                step(1)
                continue
            pending.add(pool.submit(check_replica, replica, full=full))
            if len(pending) >= limit:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                collect(done)
        collect(wait(pending).done)
    return checks


__all__ = [
    "DEFAULT_STREAMS",
    "LOST",
    "Checks",
    "ElementTally",
    "Finding",
    "Verdict",
    "check_replica",
    "check_replicas",
]
