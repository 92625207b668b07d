"""The calibration lock: ``calib_lock:<TYPE>`` in the processing database.

A calibration run (PCA, ECA) changes the constants later runs are processed with, so
processing must not run past it until someone has checked the new calibration and said so
(``gasp calib release TYPE``). Submission sets the lock when it handles a calibration run
(``set_calibration_lock``) and asks ``blocking_lock`` before processing any run: a locked
lock whose run is lower than the run forbids it. The calibration run itself, and runs
before it, are never blocked.

The lock only moves forward: a later calibration run of the same type moves it and locks
it again; setting it for the same or an earlier run changes nothing, so a retried or
reprocessing submission does not re-lock a calibration an operator already released.
Every change is a revision-guarded write, retried on ``Conflict`` against the fresh
document, so two sites submitting at once cannot lose each other's change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gasp.errors import Conflict, InputError, NotFound, StoreError
from gasp.model.clock import utc_now
from gasp.model.job import HISTORY_LIMIT
from gasp.model.run import CALIBRATION_RUN_TYPES
from gasp.store import Database

CALIB_LOCK_PREFIX = "calib_lock:"
ATTEMPTS = 20


def calib_lock_id(calib_type: str) -> str:
    return f"{CALIB_LOCK_PREFIX}{calib_type}"


def check_calibration_type(calib_type: str) -> str:
    """The type itself, or ``InputError`` naming the calibration types there are."""
    if calib_type not in CALIBRATION_RUN_TYPES:
        raise InputError(
            f"unknown calibration type {calib_type!r}: expected one of "
            f"{', '.join(CALIBRATION_RUN_TYPES)}"
        )
    return calib_type


class CalibLockEvent(BaseModel):
    """One change of a calibration lock, kept in its capped history."""

    model_config = ConfigDict(extra="forbid")

    at: str
    action: Literal["locked", "moved", "released"]
    run: int


class CalibLock(BaseModel):
    """One calibration type's lock, as stored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(alias="_id")
    rev: str | None = Field(default=None, alias="_rev")
    type: Literal["calib_lock"] = "calib_lock"
    calib_type: str
    run: int = Field(ge=0)
    status: Literal["locked", "released"]
    set: str
    released: str | None = None
    history: list[CalibLockEvent] = []

    @property
    def locked(self) -> bool:
        return self.status == "locked"

    def blocks(self, run: int) -> bool:
        """Whether this lock forbids processing ``run``."""
        return self.locked and self.run < run

    def to_document(self) -> dict[str, Any]:
        doc = self.model_dump(by_alias=True, exclude={"rev"})
        if self.rev is not None:
            doc["_rev"] = self.rev
        return doc


def _parse(doc: dict[str, Any]) -> CalibLock:
    try:
        return CalibLock.model_validate(doc)
    except ValidationError as exc:
        raise StoreError(f"{doc.get('_id')}: not a valid calibration lock: {exc}") from exc


def calibration_lock(db: Database, calib_type: str) -> CalibLock | None:
    """The lock of one calibration type, or None if none was ever set."""
    check_calibration_type(calib_type)
    try:
        return _parse(db.get(calib_lock_id(calib_type)))
    except NotFound:
        return None


def calibration_locks(db: Database) -> list[CalibLock]:
    """Every lock ever set, in the order of ``CALIBRATION_RUN_TYPES`` (one read)."""
    docs = db.get_many([calib_lock_id(t) for t in CALIBRATION_RUN_TYPES])
    return [_parse(doc) for doc in docs if doc is not None]


def blocking_lock(db: Database, run: int) -> CalibLock | None:
    """The lock that forbids processing ``run`` (the earliest, if several do), else None."""
    blocking = [lock for lock in calibration_locks(db) if lock.blocks(run)]
    return min(blocking, key=lambda lock: lock.run) if blocking else None


def set_calibration_lock(db: Database, calib_type: str, run: int) -> None:
    """Lock processing after calibration run ``run``; a no-op unless ``run`` is newer."""
    check_calibration_type(calib_type)

    def change(current: CalibLock | None, now: str) -> CalibLock | None:
        if current is None:
            event = CalibLockEvent(at=now, action="locked", run=run)
            return CalibLock(
                _id=calib_lock_id(calib_type),
                calib_type=calib_type,
                run=run,
                status="locked",
                set=now,
                history=[event],
            )
        if run <= current.run:
            return None
        action: Literal["moved", "locked"] = "moved" if current.locked else "locked"
        return current.model_copy(
            update={
                "run": run,
                "status": "locked",
                "set": now,
                "released": None,
                "history": _capped(
                    [*current.history, CalibLockEvent(at=now, action=action, run=run)]
                ),
            }
        )

    _update(db, calib_type, change)


def release_calibration_lock(db: Database, calib_type: str) -> CalibLock:
    """Let processing continue past the lock's run; the lock as it now stands.

    Releasing a lock that is not locked changes nothing; releasing a type never locked is
    an ``InputError`` (there is nothing to release, and nothing to return).
    """
    check_calibration_type(calib_type)

    def change(current: CalibLock | None, now: str) -> CalibLock | None:
        if current is None:
            raise InputError(f"no {calib_type} calibration lock has ever been set")
        if not current.locked:
            return None
        event = CalibLockEvent(at=now, action="released", run=current.run)
        return current.model_copy(
            update={
                "status": "released",
                "released": now,
                "history": _capped([*current.history, event]),
            }
        )

    return _update(db, calib_type, change)


def _capped(history: list[CalibLockEvent]) -> list[CalibLockEvent]:
    return history[-HISTORY_LIMIT:]


def _update(
    db: Database,
    calib_type: str,
    change: Callable[[CalibLock | None, str], CalibLock | None],
) -> CalibLock:
    """Apply ``change`` to the current lock and write it, again on ``Conflict``."""
    for _attempt in range(ATTEMPTS):
        current = calibration_lock(db, calib_type)
        wanted = change(current, utc_now())
        if wanted is None:
            assert current is not None  # change() returns None only for an existing lock
            return current
        doc = wanted.to_document()
        try:
            rev = db.put(doc)
        except Conflict:
            continue  # another submission changed the lock meanwhile: decide again
        return wanted.model_copy(update={"rev": rev})
    raise StoreError(f"{calib_lock_id(calib_type)}: still conflicting after {ATTEMPTS} attempts")


__all__ = [
    "CalibLock",
    "CalibLockEvent",
    "blocking_lock",
    "calib_lock_id",
    "calibration_lock",
    "calibration_locks",
    "check_calibration_type",
    "release_calibration_lock",
    "set_calibration_lock",
]
