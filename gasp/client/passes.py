"""Read-modify-write of many passes at once, guarded by revisions and fencing tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gasp.model.ids import job_id
from gasp.store import Database

PassKey = tuple[str, int, int]  # (module, run, pass)
# Changes one pass (in its job document) and says whether it changed anything.
Change = Callable[[dict[str, Any], dict[str, Any]], bool]

MAX_ROUNDS = 20


@dataclass
class UpdateOutcome:
    """Which passes were written, which were refused as stale, which kept conflicting."""

    written: list[PassKey] = field(default_factory=list)
    stale: list[PassKey] = field(default_factory=list)
    missing: list[PassKey] = field(default_factory=list)
    unchanged: list[PassKey] = field(default_factory=list)
    conflicts: int = 0
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # as written, new _rev


def find_pass(job: dict[str, Any], pass_number: int) -> dict[str, Any] | None:
    for candidate in job.get("passes", []):
        if int(candidate["pass"]) == pass_number:
            return candidate  # type: ignore[no-any-return]
    return None


def holds(pass_doc: dict[str, Any], token: str | None) -> bool:
    """Whether a change made under ``token`` may still be applied (None: no claim needed)."""
    if token is None:
        return True
    lock = pass_doc.get("lock")
    return isinstance(lock, dict) and lock.get("token") == token


def _read(
    db: Database, ids: list[str], known: Mapping[str, dict[str, Any]] | None
) -> list[dict[str, Any] | None]:
    """Documents by id: those the caller already holds, the rest in one bulk read."""
    if not known:
        return db.get_many(ids)
    missing = [i for i in ids if i not in known]
    fetched = dict(zip(missing, db.get_many(missing), strict=True)) if missing else {}
    return [known[i] if i in known else fetched[i] for i in ids]


def update_passes(
    db: Database,
    changes: Mapping[PassKey, tuple[str | None, Change]],
    *,
    known: Mapping[str, dict[str, Any]] | None = None,
) -> UpdateOutcome:
    """Apply ``change`` to each pass whose lock still carries ``token``, in bulk.

    ``known`` holds job documents the caller has just read (a claim's page, a claim's own
    result): the first round writes on those revisions without reading them again. A
    conflict means someone else wrote the job document meanwhile: it is read again and
    the change re-applied to what is there now, so no change is ever made on a stale read.
    """
    outcome = UpdateOutcome()
    pending = dict(changes)
    for round_number in range(MAX_ROUNDS):
        if not pending:
            break
        by_job: dict[str, list[PassKey]] = {}
        for key in pending:
            by_job.setdefault(job_id(key[0], key[1]), []).append(key)
        ids = list(by_job)
        to_write: list[dict[str, Any]] = []
        keys_of: list[list[PassKey]] = []
        docs = _read(db, ids, known if round_number == 0 else None)
        for doc_id, doc in zip(ids, docs, strict=True):
            applied: list[PassKey] = []
            for key in by_job[doc_id]:
                token, change = pending[key]
                pass_doc = find_pass(doc, key[2]) if doc else None
                if doc is None or pass_doc is None:
                    outcome.missing.append(key)
                elif not holds(pass_doc, token):
                    outcome.stale.append(key)
                elif change(doc, pass_doc):
                    applied.append(key)
                    continue
                else:
                    outcome.unchanged.append(key)
                del pending[key]
            if applied and doc is not None:
                to_write.append(doc)
                keys_of.append(applied)
        for result, keys, doc in zip(db.bulk(to_write), keys_of, to_write, strict=True):
            if result.ok:
                outcome.documents[result.id] = doc
                outcome.written.extend(keys)
                for key in keys:
                    del pending[key]
            else:
                outcome.conflicts += 1
    outcome.missing.extend(pending)  # gave up after MAX_ROUNDS of conflicts
    return outcome


def keys_of(rows: Iterable[Any]) -> list[PassKey]:
    """Pass keys from rows of views keyed ``[..., module, run, pass]``."""
    return [(str(r.key[-3]), int(r.key[-2]), int(r.key[-1])) for r in rows]
