"""``gasp usage``: one day's storage and CPU figures, as documents, from views only.

Two kinds of daily document, in each database the command covers:

* ``usage:se:<se>:<date>``: files and bytes each storage element holds, by kind and
  label, counted from the data documents' ``ok`` replicas (``usage/storage``,
  ``usage/storage_labels``). It is a snapshot of the catalogue when the command runs,
  recorded under the day it is run for, so it belongs in a daily cron job.
* ``usage:cpu:<site>:<date>``: CPU hours, wall hours and subjobs of that site that
  finished on that UTC day (``usage/cpu``, keyed by day first). The site is the pass's
  (the last one that claimed it); a subjob counts whether it completed or failed, as it
  stands in its pass now: an attempt reset by a retry keeps only its ``previous`` summary,
  without times, so a day is best recorded soon after it ends.

Both come from ``_sum`` reduces read grouped: the cost is one row per (element, kind,
label) and per site, whatever the number of documents. The writes are idempotent: ids
are deterministic, a document whose figures did not change is not written again, one
that did is updated on its current revision, and one an earlier run of the day wrote
that no longer has a row (every file deleted since) is set to zero, found through
``usage/by_date``. Running it twice, or from cron and by hand, gives one document per
element or site and day, with the latest figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from gasp.errors import InputError
from gasp.model.clock import utc_now
from gasp.model.documents import (
    CpuUsageDocument,
    Kind,
    StorageUsageDocument,
    UsageCount,
    check_kind,
    stored,
)
from gasp.store import Database

DESIGN = "usage"
HOURS_DIGITS = 6  # rounding of summed seconds as hours: the order of a sum does not show
MAX_ROUNDS = 20  # re-reads of a usage document that keeps conflicting
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

UsageDocument = StorageUsageDocument | CpuUsageDocument


def check_date(text: str) -> str:
    """A day as ``YYYY-MM-DD`` and nothing else: it becomes part of document ids."""
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date: {text!r} is not a day as YYYY-MM-DD") from None
    return text


def today() -> str:
    """Today's UTC date, as usage documents name days."""
    return datetime.now(UTC).date().isoformat()


def usage_id(scope: str, name: str, day: str) -> str:
    return f"usage:{scope}:{name}:{day}"


def storage_usage(db: Database, day: str, recorded: str) -> list[StorageUsageDocument]:
    """One document per storage element the data documents name."""
    docs: dict[str, StorageUsageDocument] = {}
    for row in db.view(DESIGN, "storage", group_level=2):
        se = str(row.key[0])
        doc = docs.setdefault(se, _storage_document(se, day, recorded))
        doc["files"] += int(row.value[0])
        doc["bytes"] += int(row.value[1])
    for row in db.view(DESIGN, "storage_labels", group_level=3):
        se, kind, label = str(row.key[0]), _kind(row.key[1]), row.key[2]
        count: UsageCount = {
            "kind": kind,
            "label": str(label) if label is not None else None,
            "files": int(row.value[0]),
            "bytes": int(row.value[1]),
        }
        docs.setdefault(se, _storage_document(se, day, recorded))["by_label"].append(count)
    return [docs[se] for se in sorted(docs)]


def _kind(value: object) -> Kind:
    return check_kind(str(value))


def _storage_document(se: str, day: str, recorded: str) -> StorageUsageDocument:
    return {
        "_id": usage_id("se", se, day),
        "type": "usage",
        "scope": "se",
        "se": se,
        "date": day,
        "files": 0,
        "bytes": 0,
        "by_label": [],
        "recorded": recorded,
    }


def cpu_usage(db: Database, day: str, recorded: str) -> list[CpuUsageDocument]:
    """One document per site with subjobs that finished on ``day``."""
    rows = db.view(DESIGN, "cpu", startkey=[day], endkey=[day, {}], group_level=2)
    return [
        _cpu_document(
            str(row.key[1]),
            day,
            recorded,
            float(row.value[0]),
            float(row.value[1]),
            int(row.value[2]),
        )
        for row in rows
    ]


def _cpu_document(
    site: str, day: str, recorded: str, cpu_s: float, wall_s: float, jobs: int
) -> CpuUsageDocument:
    return {
        "_id": usage_id("cpu", site, day),
        "type": "usage",
        "scope": "cpu",
        "site": site,
        "date": day,
        "cpu_hours": round(cpu_s / 3600, HOURS_DIGITS),
        "wall_hours": round(wall_s / 3600, HOURS_DIGITS),
        "jobs": jobs,
        "recorded": recorded,
    }


@dataclass
class Recorded:
    """What one run wrote to one database."""

    documents: list[UsageDocument]  # the day's documents, as they now stand
    written: int  # new or changed
    zeroed: int  # written earlier today, no figures any more
    failed: list[str]  # ids that kept conflicting


def record_usage(db: Database, day: str) -> Recorded:
    """Compute the day's documents and write the new or changed ones, in bulk."""
    recorded = utc_now()
    fresh: list[UsageDocument] = [*storage_usage(db, day, recorded), *cpu_usage(db, day, recorded)]
    ids = {doc["_id"] for doc in fresh}
    zeroed: list[UsageDocument] = []
    for row in db.view(DESIGN, "by_date", startkey=[day], endkey=[day, {}]):
        scope, name = str(row.key[1]), str(row.key[2])
        if usage_id(scope, name, day) not in ids:
            zeroed.append(
                _storage_document(name, day, recorded)
                if scope == "se"
                else _cpu_document(name, day, recorded, 0.0, 0.0, 0)
            )
    wanted = {doc["_id"]: doc for doc in [*fresh, *zeroed]}
    written, failed = _write_changed(db, wanted)
    zeroed_ids = {doc["_id"] for doc in zeroed}
    return Recorded(
        documents=sorted(wanted.values(), key=lambda d: d["_id"]),
        written=written,
        zeroed=sum(1 for doc_id in zeroed_ids if doc_id not in failed),
        failed=failed,
    )


def _write_changed(db: Database, wanted: dict[str, UsageDocument]) -> tuple[int, list[str]]:
    """Write each wanted document whose figures differ from the stored ones, on the
    stored revision; re-read and retry those that conflict."""
    written = 0
    pending = list(wanted)
    for _ in range(MAX_ROUNDS):
        if not pending:
            return written, []
        to_write: list[UsageDocument] = []
        for doc_id, current in zip(pending, db.get_many(pending), strict=True):
            doc = wanted[doc_id]
            if current is not None:
                if _figures(current) == _figures(stored(doc)):
                    doc["_rev"] = current["_rev"]
                    doc["recorded"] = current["recorded"]
                    continue
                doc["_rev"] = current["_rev"]
            else:
                doc.pop("_rev", None)
            to_write.append(doc)
        results = db.bulk([stored(doc) for doc in to_write])
        written += sum(1 for r in results if r.ok)
        pending = [r.id for r in results if not r.ok]
    return written, pending


def _figures(doc: dict[str, object]) -> dict[str, object]:
    """A usage document without what changes at every write."""
    return {k: v for k, v in doc.items() if k not in ("_id", "_rev", "recorded")}


__all__ = [
    "Recorded",
    "UsageDocument",
    "check_date",
    "cpu_usage",
    "record_usage",
    "storage_usage",
    "today",
    "usage_id",
]
