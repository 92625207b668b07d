"""Who leads: any site may stand when there is no active leader; one write wins.

A site stands by writing the leader document on the revision it read (or creating it when
there is none). The store accepts exactly one of several such writes; the others get a
``Conflict`` and simply read again after the conflict delay, to find the winner. There is
no vote and no quorum: the document *is* the decision, and its revision guard makes the
decisions one sequence, so two sites can never both act as leader on the same state.

A leader is replaced when it has resigned (``leader`` is null: a leader that stops
cleanly hands over at once), or when the standing site judges it inactive by watching
its heartbeat (``staleness.py``). A leader that was only slow finds, on its next write,
that the document moved on: its write conflicts and it follows the new leader.
"""

from __future__ import annotations

from collections.abc import Callable

from gasp.turn.documents import LeaderDoc, TurnDocuments


def why_stand(doc: LeaderDoc | None, me: str, active: Callable[[str], bool]) -> str | None:
    """Why ``me`` should stand for leader now, or None when the turn has a live leader."""
    if doc is None:
        return "no leader document yet"
    if doc.leader is None:
        return "no leader"
    if doc.leader == me:
        return None
    if not active(doc.leader):
        return f"leader {doc.leader} is inactive"
    return None


def stand(doc: LeaderDoc | None, names: TurnDocuments, me: str, now: str) -> LeaderDoc:
    """The leader document naming ``me``, on the revision read (none: create it)."""
    base = doc if doc is not None else LeaderDoc(id=names.leader_doc, sites_doc=names.sites_doc)
    return base.model_copy(update={"leader": me, "term": base.term + 1, "elected": now})


def resign(doc: LeaderDoc) -> LeaderDoc:
    """The leader document with nobody leading, so the others elect at once."""
    return doc.model_copy(update={"leader": None})
