"""``gasp enqueue --status``: the turn as one read sees it, in plain lines.

"active" is the leader's judgement, the one turns are given by, as the leader last
published it. The age of each heartbeat is measured on the machine running ``--status``
against the site's own timestamp, so it carries whatever skew lies between the two
clocks: it is there for people, and no decision of the turn is ever taken from it.
"state" is what the site last wrote about itself: ``executing`` from the beat written
right after its command started until the one after it ended (``loop.py``), so it agrees
with "holds turn" except for the moments a turn is handed over (given, not yet started;
lost, not yet noticed). A heartbeat whose time is not a real one never gets this far: it
is read as corrupt, and its site's line says why (``state.read_state``).
"""

from __future__ import annotations

from datetime import datetime

from gasp.turn.documents import LeaderDoc, TurnDocuments
from gasp.turn.state import TurnState
from gasp.values import parse_timestamp


def _age(at: str, now: datetime) -> str:
    seconds = (now - parse_timestamp(at)).total_seconds()
    if abs(seconds) < 120:
        return f"{seconds:.1f}s"
    if abs(seconds) < 7200:
        return f"{seconds / 60:.1f}min"
    return f"{seconds / 3600:.1f}h"


def _holds(site: str, holder: str | None, doc: LeaderDoc | None) -> str:
    """The turn number on the row of the site the leader document gives it to."""
    return str(doc.turn) if doc is not None and site == holder else "-"


def status_lines(state: TurnState, names: TurnDocuments, database: str, now: datetime) -> list[str]:
    """What ``--status`` prints: leader, turn, and one line per site."""
    lines = [
        f"turn:      {names.leader_doc} (sites: {names.sites_doc}) in database {database}",
    ]
    doc = state.leader
    if doc is None:
        lines.append("leader:    none yet (no site has run gasp enqueue for this turn)")
    else:
        lines.append(
            f"leader:    {doc.leader} (term {doc.term}, elected {doc.elected})"
            if doc.leader
            else f"leader:    none (the last leader resigned; term {doc.term})"
        )
        lines.append(
            f"executing: {doc.executing} (turn {doc.turn}, since {doc.since}, "
            f"token {doc.token[:8] if doc.token else '-'})"
            if doc.executing
            else f"executing: nobody (turns so far: {doc.turn})"
        )
    active = set(doc.active) if doc is not None else set()
    holder = doc.executing if doc is not None else None
    header = (
        "site",
        "state",
        "beats",
        "holds turn",
        "last heartbeat (its clock)",
        "age here",
        "active",
    )
    rows: list[tuple[str, ...]] = [header]
    for site in state.site_names:
        heartbeat = state.heartbeats.get(site)
        if heartbeat is None:
            why = state.corrupt.get(site)
            shown = ("corrupt", why) if why else ("-", "no heartbeat document")
            rows.append((site, shown[0], "-", _holds(site, holder, doc), shown[1], "-", "no"))
            continue
        rows.append(
            (
                site,
                heartbeat.state,
                str(heartbeat.beat),
                _holds(site, holder, doc),
                heartbeat.at,
                _age(heartbeat.at, now),
                "yes" if site in active else "no",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return [line.rstrip() for line in lines]
