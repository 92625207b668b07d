"""``gasp validate``: the catalogue checked against storage, and what may be done about it.

Two scopes:

* **a storage element** (``validate_element``): every replica the catalogue places on it
  (view ``data/replicas``), and a walk of the kind's folder on it for *dark* files, which
  are there but catalogued nowhere (``gasp.ops.dark``);
* **a selection** (``validate_selection``): the replicas of the data documents of the
  passes the shared selection options mean, on whatever element they are; with no option
  at all, every replica of the kind (``validate_all``). A selection cannot say which files
  an element should *not* hold, so only an element's validation looks for dark files.

The checks themselves are ``gasp.ops.checks``. *Lost* replicas (missing or changed) may
then be fixed in the catalogue (``gasp.ops.lost``) and dark files moved to a quarantine
folder (``gasp.ops.dark``), but not when too much looks wrong at once: more than
``[ops] lost_share`` (10 %) of an element's checked replicas lost is the signature of an
element that is not mounted, moved or misconfigured, not of that much data vanishing, and
more than that share of its files dark is the signature of the wrong database.
``stop_reasons`` says which, and the command then changes nothing (Rucio's consistency
auditor stops the same way).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gasp.model.documents import Kind
from gasp.ops.catalogued import (
    CataloguedReplica,
    count_on,
    replicas_of_passes,
    replicas_on,
    selected_passes,
)
from gasp.ops.checks import DEFAULT_STREAMS, Checks, Finding, check_replicas
from gasp.ops.dark import DarkFile, DarkScan, find_dark
from gasp.passes.selection import Selection
from gasp.progress_protocol import Progress, silent
from gasp.storage.element import StorageElement
from gasp.store import Database


@dataclass
class Validation:
    """What a validation found: the checks of catalogued replicas, and the walks."""

    checks: Checks
    scans: list[DarkScan] = field(default_factory=list)

    @property
    def lost(self) -> list[Finding]:
        return self.checks.lost()

    @property
    def dark(self) -> list[DarkFile]:
        return [dark for scan in self.scans for dark in scan.dark]

    @property
    def walk_errors(self) -> list[str]:
        return [error for scan in self.scans for error in scan.errors]

    def problems(self) -> bool:
        """Whether anything is wrong: lost, unchecked or dark files, or a failed walk."""
        return bool(self.checks.findings or self.dark or self.walk_errors)

    def stop_reasons(self, share: float) -> list[str]:
        """Why nothing may be fixed: each element with too much lost or dark (see above)."""
        reasons = []
        for se, tally in sorted(self.checks.elements.items()):
            if share_exceeded(tally.lost, tally.checked, share):
                reasons.append(
                    f"storage element {se}: {tally.lost} of {tally.checked} checked files "
                    f"look lost ({tally.lost / tally.checked:.0%}, more than [ops] lost_share "
                    f"{share:.0%}): that is a mount or server problem, not data loss"
                )
        for scan in self.scans:
            if share_exceeded(len(scan.dark), scan.walked, share):
                reasons.append(
                    f"storage element {scan.se}: {len(scan.dark)} of {scan.walked} files look "
                    f"dark ({len(scan.dark) / scan.walked:.0%}, more than [ops] lost_share "
                    f"{share:.0%}): is this the database that catalogues it?"
                )
        return reasons


def share_exceeded(part: int, whole: int, share: float) -> bool:
    """Whether ``part`` is more than ``share`` of ``whole``."""
    return whole > 0 and part > share * whole


def validate_element(
    db: Database,
    element: StorageElement,
    kind: Kind,
    *,
    min_age_hours: float,
    full: bool = False,
    streams: int = DEFAULT_STREAMS,
    progress: Progress = silent,
) -> Validation:
    """Every replica catalogued on ``element``, then its dark files under ``<kind>/``.

    The catalogued names are collected from the same rows that are checked (a replica
    marked ``bad`` is still catalogued: its file is not dark).
    """
    catalogued: set[str] = set()

    def remembered(replica: CataloguedReplica) -> CataloguedReplica:
        catalogued.add(replica.lfn)
        return replica

    with progress(f"checking files on {element.name}", count_on(db, element.name)) as advance:
        rows = (remembered(replica) for replica in replicas_on(db, element.name))
        checks = check_replicas(rows, full=full, streams=streams, advance=advance)
    scan = find_dark(element, kind, catalogued, min_age_hours=min_age_hours, streams=streams)
    return Validation(checks, [scan])


def validate_all(
    db: Database,
    *,
    full: bool = False,
    streams: int = DEFAULT_STREAMS,
    progress: Progress = silent,
) -> Validation:
    """Every catalogued replica of the database's kind, on every element."""
    with progress("checking files", count_on(db)) as advance:
        checks = check_replicas(replicas_on(db), full=full, streams=streams, advance=advance)
    return Validation(checks)


def validate_selection(
    db: Database,
    selection: Selection,
    *,
    full: bool = False,
    streams: int = DEFAULT_STREAMS,
    progress: Progress = silent,
) -> Validation:
    """The replicas of the selected passes' data documents.

    The selection's replicas are gathered first (a page of documents at a time, only the
    replicas kept), so the checks can show how far they are.
    """
    keys = selected_passes(db, selection)
    with progress("reading the catalogue", len(keys)) as advance:
        replicas = list(replicas_of_passes(db, keys, advance))
    with progress("checking files", len(replicas)) as advance:
        checks = check_replicas(replicas, full=full, streams=streams, advance=advance)
    return Validation(checks)


__all__ = [
    "Validation",
    "share_exceeded",
    "validate_all",
    "validate_element",
    "validate_selection",
]
