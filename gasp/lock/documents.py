"""The lock's documents: their ids, their shapes, and how a read one is checked.

Three kinds of document make the lock (DESIGN.md section 10):

* the **leader document** (``enqueue_leader``): who leads, which site holds the turn, and
  the turn's token. Only the leader writes it, except to elect a leader; every write is
  guarded by its revision, so it is one linear sequence of decisions.
* the **sites document** (``enqueue_sites``): every site that ever joined, so the leader
  knows whose heartbeats to read and in which order turns go round.
* one **heartbeat document** per site (``enqueue_heartbeat:<site>``), written only by that
  site: whether it wants a turn, which turn it is running or has finished, and a beat
  counter whose every new revision tells the others it is alive.

Every document read is validated with pydantic before anything is decided from it: a
lock that cannot be read is never guessed at, and never overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gasp.errors import InputError
from gasp.validation import validation_problems

DEFAULT_LEADER_DOC = "enqueue_leader"
DEFAULT_SITES_DOC = "enqueue_sites"
HEARTBEAT_PREFIX = "enqueue_heartbeat:"

SITE_PATTERN = r"^[A-Za-z0-9_.-]+$"  # the configuration's rule for site names
# Document ids a site may choose: no leading underscore (CouchDB reserves those).
DOC_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
ISO_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"

SiteName = Annotated[str, Field(pattern=SITE_PATTERN, min_length=1, max_length=100)]
Timestamp = Annotated[str, Field(pattern=ISO_PATTERN)]
Token = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


def check_site_name(name: str) -> str:
    if not re.match(SITE_PATTERN, name):
        raise InputError(f"site name {name!r}: use letters, digits and . _ - only")
    return name


def check_doc_name(name: str, option: str) -> str:
    if not re.match(DOC_NAME_PATTERN, name):
        raise InputError(
            f"{option} {name!r}: a document id starts with a letter or digit and holds only "
            "letters, digits and . _ : -"
        )
    return name


@dataclass(frozen=True)
class LockNames:
    """Which documents make one lock; two locks in one database need different names.

    Heartbeats belong to a sites document: a site taking part in two locks of the same
    database beats in two documents, so the two locks never see each other's state.
    """

    leader_doc: str = DEFAULT_LEADER_DOC
    sites_doc: str = DEFAULT_SITES_DOC

    def heartbeat_id(self, site: str) -> str:
        if self.sites_doc == DEFAULT_SITES_DOC:
            return HEARTBEAT_PREFIX + site
        return f"{HEARTBEAT_PREFIX}{self.sites_doc}:{site}"


class _LockDocument(BaseModel):
    # Fields a newer gasp may add are ignored rather than refused: a mixed fleet of
    # versions must keep agreeing on the fields both know.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(validation_alias="_id", serialization_alias="_id")
    rev: str | None = Field(default=None, validation_alias="_rev", serialization_alias="_rev")

    def to_document(self) -> dict[str, Any]:
        """The JSON document to write (carrying ``_rev`` when it updates one)."""
        doc = self.model_dump(by_alias=True, exclude={"rev"})
        if self.rev:
            doc["_rev"] = self.rev
        return doc


class LeaderDoc(_LockDocument):
    """Who leads, and whose turn it is (``executing`` holds the turn under ``token``)."""

    type: Literal["enqueue_leader"] = "enqueue_leader"
    sites_doc: str = Field(pattern=DOC_NAME_PATTERN)
    leader: SiteName | None = None
    term: int = Field(default=0, ge=0)  # elections so far
    elected: Timestamp | None = None  # the leader's wall clock: for people, never compared
    executing: SiteName | None = None
    token: Token | None = None
    turn: int = Field(default=0, ge=0)  # turns handed out so far
    since: Timestamp | None = None
    previous: SiteName | None = None  # where the round continues when nobody executes
    active: list[SiteName] = []  # the leader's judgement, published for --status

    @model_validator(mode="after")
    def _turn_has_token(self) -> LeaderDoc:
        if (self.executing is None) != (self.token is None):
            raise ValueError("'executing' and 'token' must be set together")
        return self


class SitesDoc(_LockDocument):
    """Every site that joined this lock, in name order."""

    type: Literal["enqueue_sites"] = "enqueue_sites"
    sites: list[SiteName] = []

    @model_validator(mode="after")
    def _unique(self) -> SitesDoc:
        if len(set(self.sites)) != len(self.sites):
            raise ValueError("'sites' lists a site twice")
        return self


SiteState = Literal["waiting", "executing", "stopped"]


class HeartbeatDoc(_LockDocument):
    """One site's heartbeat: written only by that site, once per heartbeat delay."""

    type: Literal["enqueue_heartbeat"] = "enqueue_heartbeat"
    site: SiteName
    beat: int = Field(ge=0)  # every beat is a new revision; others watch revisions change
    at: Timestamp  # the site's own wall clock: shown to people, never used to judge
    state: SiteState  # waiting: wants a turn; executing: runs one; stopped: takes none
    running: Token | None = None  # the turn whose command runs now
    done: Token | None = None  # the last turn this site finished (or gave back)
    instance: str = Field(min_length=1)  # one enqueue process; a restart is a new one
    host: str = ""
    pid: int = 0
    delay_s: float = Field(gt=0)
    stale_s: float = Field(gt=0)


Model = TypeVar("Model", bound=_LockDocument)


def parse_document(model: type[Model], doc: dict[str, Any]) -> Model:
    """Validate a document read from the store; a corrupt one is an ``InputError``.

    The message names the document and every bad field, on one line, and says what to
    do: gasp never overwrites a lock document it cannot read.
    """
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        problems = "; ".join(validation_problems(exc))
        raise InputError(
            f"document {doc.get('_id')!r} is corrupt ({problems}); "
            "fix or delete it before running gasp enqueue"
        ) from exc
