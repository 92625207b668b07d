"""Pass and subjob states, and the transitions between them, as tables.

Every write of a state goes through ``check_pass_transition`` /
``check_subjob_transition``; an operator command may force only the transitions marked
as operator transitions (retry, cancel, unlock, delete).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, get_args

from gasp.errors import InputError

PassStateName = Literal[
    "new",
    "waiting",
    "submitted",
    "running",
    "completed",
    "partFail",
    "failed",
    "unsatisfied",
    "canceled",
    "deleted",
]
"""A pass's ``status`` as documents store it: the values of ``PassState``."""
SubjobStateName = Literal[
    "waiting", "submitted", "running", "completed", "failed", "canceled", "unknown"
]
"""A subjob's ``status`` as documents store it: the values of ``SubjobState``."""


class PassState(StrEnum):
    NEW = "new"
    WAITING = "waiting"
    SUBMITTED = "submitted"
    RUNNING = "running"
    COMPLETED = "completed"
    PART_FAIL = "partFail"
    FAILED = "failed"
    UNSATISFIED = "unsatisfied"
    CANCELED = "canceled"
    DELETED = "deleted"


class SubjobState(StrEnum):
    WAITING = "waiting"
    SUBMITTED = "submitted"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"
    UNKNOWN = "unknown"


P = PassState
S = SubjobState

_PASS_NAMES: dict[str, PassStateName] = {name: name for name in get_args(PassStateName)}
_SUBJOB_NAMES: dict[str, SubjobStateName] = {name: name for name in get_args(SubjobStateName)}


def pass_state_name(state: PassState | PassStateName) -> PassStateName:
    """The name a document stores for a pass state (``KeyError`` for no state)."""
    return _PASS_NAMES[state]


def subjob_state_name(state: SubjobState | SubjobStateName) -> SubjobStateName:
    """The name a document stores for a subjob state (``KeyError`` for no state)."""
    return _SUBJOB_NAMES[state]


# What the system itself may do: prerequisites, claims, monitoring, finalizing, release.
PASS_TRANSITIONS: dict[PassState, frozenset[PassState]] = {
    P.NEW: frozenset({P.WAITING, P.UNSATISFIED}),
    P.WAITING: frozenset({P.SUBMITTED, P.NEW}),
    P.SUBMITTED: frozenset({P.RUNNING, P.COMPLETED, P.PART_FAIL, P.FAILED, P.WAITING}),
    P.RUNNING: frozenset({P.COMPLETED, P.PART_FAIL, P.FAILED, P.WAITING}),
    P.COMPLETED: frozenset(),
    P.PART_FAIL: frozenset({P.WAITING}),  # automatic retry of transient failures
    P.FAILED: frozenset({P.WAITING}),
    P.UNSATISFIED: frozenset({P.NEW, P.WAITING}),
    P.CANCELED: frozenset(),
    P.DELETED: frozenset(),
}

# What only an operator command may force (retry, cancel, unlock, delete).
PASS_OPERATOR_TRANSITIONS: dict[PassState, frozenset[PassState]] = {
    P.NEW: frozenset({P.CANCELED}),
    P.WAITING: frozenset({P.CANCELED}),
    P.SUBMITTED: frozenset({P.CANCELED, P.WAITING}),
    P.RUNNING: frozenset({P.CANCELED, P.WAITING}),
    P.COMPLETED: frozenset({P.DELETED, P.WAITING}),
    P.PART_FAIL: frozenset({P.WAITING, P.CANCELED, P.DELETED}),
    P.FAILED: frozenset({P.WAITING, P.CANCELED}),
    P.UNSATISFIED: frozenset({P.WAITING, P.CANCELED}),
    P.CANCELED: frozenset({P.WAITING}),
    P.DELETED: frozenset({P.WAITING}),
}

SUBJOB_TRANSITIONS: dict[SubjobState, frozenset[SubjobState]] = {
    S.WAITING: frozenset({S.SUBMITTED, S.CANCELED}),
    S.SUBMITTED: frozenset({S.RUNNING, S.COMPLETED, S.FAILED, S.UNKNOWN, S.CANCELED, S.WAITING}),
    S.RUNNING: frozenset({S.COMPLETED, S.FAILED, S.UNKNOWN, S.CANCELED, S.WAITING}),
    S.UNKNOWN: frozenset({S.RUNNING, S.COMPLETED, S.FAILED, S.WAITING, S.CANCELED}),
    S.COMPLETED: frozenset({S.WAITING}),
    S.FAILED: frozenset({S.WAITING}),
    S.CANCELED: frozenset({S.WAITING}),
}


class IllegalTransition(InputError):
    """A state change the transition table does not allow."""


def check_pass_transition(current: str, target: str, *, operator: bool = False) -> None:
    """Raise ``IllegalTransition`` unless ``current -> target`` is allowed for a pass."""
    source, goal = PassState(current), PassState(target)
    allowed = PASS_TRANSITIONS[source]
    if operator:
        allowed = allowed | PASS_OPERATOR_TRANSITIONS[source]
    if goal not in allowed:
        who = "an operator" if operator else "gasp"
        raise IllegalTransition(f"a pass cannot go from {source} to {goal} ({who})")


def check_subjob_transition(current: str, target: str) -> None:
    source, goal = SubjobState(current), SubjobState(target)
    if goal not in SUBJOB_TRANSITIONS[source]:
        raise IllegalTransition(f"a subjob cannot go from {source} to {goal}")
