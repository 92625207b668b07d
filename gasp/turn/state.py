"""Reading the turn's documents in two round trips, and the few writes that change them.

One read per heartbeat brings the leader and sites documents; a second brings the
heartbeats of every site they name. Everything is validated on the way in (a corrupt
leader or sites document stops the reader; a corrupt heartbeat only makes that one site
look dead, so one broken site cannot stop the others).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gasp.errors import Conflict, InputError
from gasp.store import Database
from gasp.turn.documents import (
    HeartbeatDoc,
    LeaderDoc,
    SitesDoc,
    TurnDocuments,
    parse_document,
)

JOIN_ATTEMPTS = 50  # every site adds itself to one document: conflicts resolve quickly


@dataclass
class TurnState:
    """The turn as read at one moment."""

    leader: LeaderDoc | None
    sites: SitesDoc | None
    heartbeats: dict[str, HeartbeatDoc] = field(default_factory=dict)
    corrupt: dict[str, str] = field(default_factory=dict)  # site -> why its heartbeat is unreadable

    @property
    def site_names(self) -> list[str]:
        """Every site the turn knows: listed in the sites document or named by the leader."""
        names = set(self.sites.sites if self.sites else [])
        if self.leader is not None:
            names.update(n for n in (self.leader.leader, self.leader.executing) if n)
        return sorted(names)


def read_state(db: Database, names: TurnDocuments, also: tuple[str, ...] = ()) -> TurnState:
    """The leader and sites documents, and the heartbeat of every site they name."""
    leader_raw, sites_raw = db.get_many([names.leader_doc, names.sites_doc])
    leader = parse_document(LeaderDoc, leader_raw) if leader_raw else None
    if leader is not None and leader.sites_doc != names.sites_doc:
        raise InputError(
            f"leader document {names.leader_doc!r} belongs to the sites document "
            f"{leader.sites_doc!r}, not {names.sites_doc!r}: give matching "
            "--leader-doc and --sites-doc"
        )
    sites = parse_document(SitesDoc, sites_raw) if sites_raw else None
    state = TurnState(leader, sites)
    wanted = sorted(set(state.site_names) | set(also))
    for site, raw in zip(wanted, db.get_many([names.heartbeat_id(s) for s in wanted]), strict=True):
        if raw is None:
            continue
        try:
            heartbeat = parse_document(HeartbeatDoc, raw)
        except InputError as exc:
            state.corrupt[site] = str(exc)
            continue
        if heartbeat.site != site:
            state.corrupt[site] = f"heartbeat of {site} names site {heartbeat.site!r}"
            continue
        state.heartbeats[site] = heartbeat
    return state


def put_leader(db: Database, doc: LeaderDoc) -> LeaderDoc | None:
    """Write the leader document on the revision it was read at; None if that lost."""
    raw = doc.to_document()
    try:
        db.put(raw)
    except Conflict:
        return None
    return doc.model_copy(update={"rev": raw["_rev"]})


def join_sites(db: Database, names: TurnDocuments, site: str) -> None:
    """Add ``site`` to the sites document (created if absent); a set-add, retried."""
    for _attempt in range(JOIN_ATTEMPTS):
        raw = db.get_many([names.sites_doc])[0]
        doc = parse_document(SitesDoc, raw) if raw else SitesDoc(id=names.sites_doc)
        if site in doc.sites:
            return
        doc = doc.model_copy(update={"sites": sorted([*doc.sites, site])})
        try:
            db.put(doc.to_document())
            return
        except Conflict:
            continue
    raise Conflict(names.sites_doc, f"could not add {site} after {JOIN_ATTEMPTS} attempts")
