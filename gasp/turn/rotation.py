"""Where the turn goes next: a pure decision the leader takes on each heartbeat.

The turn stays with the executing site until that site reports it done (its heartbeat's
``done`` names the turn's token), stops taking turns, or is judged inactive; then it goes
to the next site *in name order* after it that is active and waiting, wrapping round, so
every live site gets turns in a fixed rotation and none can starve another. A site that
is the only one waiting gets the turn again, under a new token: a token is never reused,
which is what lets a command tell that its turn has passed (``fence.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from gasp.turn.documents import HeartbeatDoc, LeaderDoc


@dataclass(frozen=True)
class SiteView:
    """What the deciding site knows of one site: its heartbeat and its own judgement."""

    active: bool
    heartbeat: HeartbeatDoc | None

    @property
    def waiting(self) -> bool:
        """Alive and asking for a turn."""
        return self.active and self.heartbeat is not None and self.heartbeat.state == "waiting"


def next_site(after: str | None, candidates: Sequence[str]) -> str | None:
    """The first candidate after ``after`` in name order, wrapping round; None if none."""
    ordered = sorted(candidates)
    if not ordered:
        return None
    if after is None:
        return ordered[0]
    return next((name for name in ordered if name > after), ordered[0])


def why_over(doc: LeaderDoc, views: Mapping[str, SiteView]) -> str | None:
    """Why the current turn is over, or None while it still runs (or nobody holds one)."""
    if doc.executing is None:
        return None
    view = views.get(doc.executing)
    heartbeat = view.heartbeat if view else None
    if view is None or heartbeat is None:
        return f"{doc.executing} has no heartbeat"
    if heartbeat.done == doc.token:
        return f"{doc.executing} is done"
    if heartbeat.state == "stopped":
        return f"{doc.executing} stopped"
    if not view.active:
        return f"{doc.executing} is inactive"
    return None


def plan_turn(
    doc: LeaderDoc,
    views: Mapping[str, SiteView],
    *,
    new_token: Callable[[], str],
    now: str,
) -> tuple[LeaderDoc, str | None]:
    """The leader document after this heartbeat's decision, and what changed (None: nothing).

    ``active`` is republished only when the leader's judgement changes, so a quiet turn
    costs no writes of the leader document at all.
    """
    updates: dict[str, object] = {}
    note: str | None = None
    over = why_over(doc, views)
    if doc.executing is None or over is not None:
        after = doc.executing or doc.previous
        chosen = next_site(after, [site for site, view in views.items() if view.waiting])
        if chosen is not None:
            updates = {
                "executing": chosen,
                "token": new_token(),
                "turn": doc.turn + 1,
                "since": now,
                "previous": doc.executing or doc.previous,
            }
            note = f"turn {doc.turn + 1} to {chosen}" + (f" ({over})" if over else "")
        elif doc.executing is not None:
            updates = {"executing": None, "token": None, "since": now, "previous": doc.executing}
            note = f"nobody is waiting ({over})"
    active = sorted(site for site, view in views.items() if view.active)
    if active != doc.active:
        updates["active"] = active
    if not updates:
        return doc, None
    return doc.model_copy(update=updates), note
