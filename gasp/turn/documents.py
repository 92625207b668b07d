"""The turn's documents: their ids, their shapes, and how a read one is checked.

Three kinds of document make the turn (docs/architecture.md, "Cross-site turns"):

* the **leader document** (``enqueue_leader``): who leads, which site holds the turn, and
  the turn's token. Only the leader writes it, except to elect a leader; every write is
  guarded by its revision, so it is one linear sequence of decisions.
* the **sites document** (``enqueue_sites``): every site that ever joined, so the leader
  knows whose heartbeats to read and in which order turns go round.
* one **heartbeat document** per site (``enqueue_heartbeat:<site>``), written only by that
  site: whether it wants a turn, which turn it is running or has finished, and a beat
  counter whose every new revision tells the others it is alive.

Every document read is validated with pydantic before anything is decided from it: a
turn document that cannot be read is never guessed at, and never overwritten. Site names
and the names of the leader and sites documents are safe names (``gasp.values.check_name``,
the rule a site's configuration follows), and a time must be a real one
(``parse_timestamp``): a document claiming year 0 or month 13 is corrupt, not a crash of
whoever reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from gasp.errors import InputError
from gasp.validation import validation_problems
from gasp.values import Name, check_name, parse_timestamp

DEFAULT_LEADER_DOC = "enqueue_leader"
DEFAULT_SITES_DOC = "enqueue_sites"
HEARTBEAT_PREFIX = "enqueue_heartbeat:"

# As ``gasp.model.clock.format_time`` writes it.
ISO_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"


def _real_time(text: str) -> str:
    """The text stays as written (it is for people); it must still name a real moment."""
    parse_timestamp(text)
    return text


SiteName = Name  # the configuration's rule: a site's name is the same at every door
Timestamp = Annotated[str, Field(pattern=ISO_PATTERN), AfterValidator(_real_time)]
Token = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


def check_site_name(name: str) -> str:
    """``gasp enqueue SITE``: a safe name, as in a site's configuration."""
    try:
        return check_name(name)
    except ValueError as exc:
        raise InputError(f"site name: {exc}") from None


def check_doc_name(name: str, option: str) -> str:
    """A turn document's id a site chooses: a safe name (so never CouchDB's ``_`` ids)."""
    try:
        return check_name(name)
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None


@dataclass(frozen=True)
class TurnDocuments:
    """Which documents make one turn; two turns in one database need different names.

    Heartbeats belong to a sites document: a site taking part in two turns of the same
    database beats in two documents, so the two turns never see each other's state.
    """

    leader_doc: str = DEFAULT_LEADER_DOC
    sites_doc: str = DEFAULT_SITES_DOC

    @classmethod
    def checked(cls, leader_doc: str, sites_doc: str) -> TurnDocuments:
        """The names given as ``--leader-doc`` and ``--sites-doc``: safe, and two of them."""
        check_doc_name(leader_doc, "--leader-doc")
        check_doc_name(sites_doc, "--sites-doc")
        if leader_doc == sites_doc:
            raise InputError(
                f"--leader-doc and --sites-doc are both {leader_doc!r}: "
                "the turn needs two different documents"
            )
        return cls(leader_doc, sites_doc)

    def heartbeat_id(self, site: str) -> str:
        if self.sites_doc == DEFAULT_SITES_DOC:
            return HEARTBEAT_PREFIX + site
        return f"{HEARTBEAT_PREFIX}{self.sites_doc}:{site}"


class _Document(BaseModel):
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


class LeaderDoc(_Document):
    """Who leads, and whose turn it is (``executing`` holds the turn under ``token``)."""

    type: Literal["enqueue_leader"] = "enqueue_leader"
    sites_doc: Name
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


class SitesDoc(_Document):
    """Every site that joined this turn, in name order."""

    type: Literal["enqueue_sites"] = "enqueue_sites"
    sites: list[SiteName] = []

    @model_validator(mode="after")
    def _unique(self) -> SitesDoc:
        if len(set(self.sites)) != len(self.sites):
            raise ValueError("'sites' lists a site twice")
        return self


SiteState = Literal["waiting", "executing", "stopped"]


class HeartbeatDoc(_Document):
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


Model = TypeVar("Model", bound=_Document)


def parse_document(model: type[Model], doc: dict[str, Any]) -> Model:
    """Validate a document read from the store; a corrupt one is an ``InputError``.

    The message names the document and every bad field, on one line, and says what to
    do: gasp never overwrites a turn document it cannot read.
    """
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        problems = "; ".join(validation_problems(exc))
        raise InputError(
            f"document {doc.get('_id')!r} is corrupt ({problems}); "
            "fix or delete it before running gasp enqueue"
        ) from exc
