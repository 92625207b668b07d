"""State changes of passes and subjobs, checked against the tables and recorded.

Every change of a pass's status goes through ``move_pass``: the transition table is
enforced on every write, and each change leaves a (bounded) history entry.
"""

from __future__ import annotations

from typing import Any

from gasp.model.job import append_history
from gasp.model.states import check_pass_transition, check_subjob_transition


def move_pass(
    pass_doc: dict[str, Any],
    target: str,
    *,
    at: str,
    by: str,
    operator: bool = False,
    why: str | None = None,
) -> None:
    """Set a pass's status after checking the transition; records who, when and why."""
    current = str(pass_doc["status"])
    if current == target:
        return
    check_pass_transition(current, target, operator=operator)
    pass_doc["status"] = target
    entry: dict[str, Any] = {"at": at, "from": current, "to": target, "by": by}
    if why:
        entry["why"] = why
    append_history(pass_doc, entry)


def move_subjob(subjob: dict[str, Any], target: str) -> None:
    current = str(subjob["status"])
    if current == target:
        return
    check_subjob_transition(current, target)
    subjob["status"] = target
