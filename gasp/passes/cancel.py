"""Cancelling a pass: the one edit every canceller shares (``gasp cancel``, ``gasp unlock``,
and the site client acting on a request).

A pass is cancelled in two ways, depending on who can stop its work. One that no site
holds is cancelled by the operator's command at once. One that a site holds can only be
cancelled by that site, since only it reaches its batch system: the command records
``cancel_requested`` and the holding client stops the jobs and then makes this same edit,
under its claim's token. Either way the pass ends the same, so that a cancelled pass looks
the same whoever cancelled it: ``canceled`` through the operator's transition, with a
history entry naming the operator who asked; subjobs that had not ended ``canceled``;
subjobs that ended keep their outcome (a completed one keeps its outputs, so a later
``gasp retry`` runs only the rest); no claim and no pending request.
"""

from __future__ import annotations

from gasp.model.documents import PassDocument, SubjobStateName
from gasp.model.states import (
    PASS_OPERATOR_TRANSITIONS,
    PASS_TRANSITIONS,
    PassState,
)
from gasp.model.transitions import move_pass, move_subjob

# Subjobs that have not ended: the ones a cancellation stops.
UNENDED_SUBJOB: tuple[SubjobStateName, ...] = ("waiting", "submitted", "running", "unknown")


def can_cancel(pass_doc: PassDocument) -> bool:
    """Whether the transition table lets an operator cancel the pass as it is now."""
    state = PassState(pass_doc["status"])
    return PassState.CANCELED in PASS_TRANSITIONS[state] | PASS_OPERATOR_TRANSITIONS[state]


def cancel_pass(pass_doc: PassDocument, *, at: str, by: str, why: str) -> None:
    """End the pass ``canceled`` (an operator transition, ``by`` the operator who asked)."""
    move_pass(pass_doc, "canceled", at=at, by=by, why=why, operator=True)
    for subjob in pass_doc["subjobs"]:
        if subjob["status"] in UNENDED_SUBJOB:
            move_subjob(subjob, "canceled")
    pass_doc["lock"] = None
    pass_doc.pop("cancel_requested", None)
    pass_doc.pop("not_before", None)


__all__ = ["UNENDED_SUBJOB", "can_cancel", "cancel_pass"]
