"""The turn token a command runs under, and the check that it is still current (fencing).

``gasp enqueue`` passes its command the turn in environment variables. A command that
acts on the database (``gasp client``) checks, before each batch of claims, that the
leader document still names this token; once it does not, the turn has passed to another
site (this one was declared inactive: frozen, cut off, or too slow to beat) and the
command must not claim anything more. Tokens are never reused, so a lost turn is lost for
good: the fence remembers it and never reads again.

The check is one read before each batch, not part of the batch's write: a process frozen
between the two could still land that one batch after its turn ended. Each pass is still
claimed by one site only (claims are revision-guarded), so the worst case is one batch
of claims at a time the turn was another site's, never a pass claimed twice.

Any other command can make the same check before each of its side effects with
``gasp enqueue --check`` (``why_not_current``): the same one read, as a process.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from gasp.errors import InputError
from gasp.store import Database
from gasp.turn.documents import DEFAULT_LEADER_DOC, LeaderDoc, parse_document

TOKEN_ENV = "GASP_TURN_TOKEN"
SITE_ENV = "GASP_TURN_SITE"
LEADER_DOC_ENV = "GASP_TURN_LEADER_DOC"
DATABASE_ENV = "GASP_TURN_DATABASE"
NUMBER_ENV = "GASP_TURN_NUMBER"
TOKEN_PATTERN = re.compile(r"[0-9a-f]{32}")  # as ``documents.Token``: uuid4().hex


def turn_environment(
    *, token: str, site: str, leader_doc: str, database: str, number: int
) -> dict[str, str]:
    """What a command learns of the turn it runs in."""
    return {
        TOKEN_ENV: token,
        SITE_ENV: site,
        LEADER_DOC_ENV: leader_doc,
        DATABASE_ENV: database,
        NUMBER_ENV: str(number),
    }


@dataclass
class TurnFence:
    """A command's turn; ``holds`` says whether it is still the current one."""

    token: str
    site: str = "?"
    leader_doc: str = DEFAULT_LEADER_DOC
    database: str | None = None
    number: str = "?"
    lost: str | None = None  # why the turn is no longer ours, once it is not

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> TurnFence | None:
        """The turn this process runs under, or None when not run by ``gasp enqueue``."""
        env = os.environ if environ is None else environ
        token = env.get(TOKEN_ENV)
        if not token:
            return None
        return cls(
            token=token,
            site=env.get(SITE_ENV) or "?",
            leader_doc=env.get(LEADER_DOC_ENV) or DEFAULT_LEADER_DOC,
            database=env.get(DATABASE_ENV) or None,
            number=env.get(NUMBER_ENV) or "?",
        )

    def holds(self, db: Database) -> bool:
        """Whether the turn is still current (one read); fails closed on anything odd."""
        if self.lost is None:
            self.lost = self._why_lost(db)
        return self.lost is None

    def why_not_current(self, db: Database, sites_doc: str | None = None) -> str | None:
        """``gasp enqueue --check``: None while the turn is current, else why not; one read.

        Unlike ``holds``, which must fail closed inside ``gasp client``, this tells a
        mistake in what was asked (a token that is no token, another database, another
        turn's documents, a corrupt leader document) from a turn that has passed: the
        first is bad input (``InputError``, exit 2), to be fixed rather than waited out.
        ``sites_doc``, when given, must be the one the leader document belongs to.
        """
        if not TOKEN_PATTERN.fullmatch(self.token):
            raise InputError(f"{TOKEN_ENV} is not a turn token (32 hex digits): {self.token!r}")
        if self.database is not None and db.name != self.database:
            raise InputError(
                f"{self._mine} is a turn on database {self.database!r}, not {db.name!r}: "
                "give the --kind (and configuration) of the gasp enqueue that runs it"
            )
        raw = db.get_many([self.leader_doc])[0]
        if raw is None:
            return f"{self._mine}: the leader document {self.leader_doc!r} is gone"
        doc = parse_document(LeaderDoc, raw)
        if sites_doc is not None and doc.sites_doc != sites_doc:
            raise InputError(
                f"leader document {self.leader_doc!r} belongs to the sites document "
                f"{doc.sites_doc!r}, not {sites_doc!r}: give matching --leader-doc and --sites-doc"
            )
        return self._compare(doc)

    @property
    def _mine(self) -> str:
        return f"turn {self.number} of {self.site}"

    def _compare(self, doc: LeaderDoc) -> str | None:
        if doc.token == self.token:
            return None
        holder = f"{doc.executing} holds turn {doc.turn}" if doc.executing else "nobody holds it"
        return f"{self._mine} is no longer current ({holder})"

    def _why_lost(self, db: Database) -> str | None:
        mine = self._mine
        if self.database is not None and db.name != self.database:
            return f"{mine} is a turn on database {self.database!r}, not {db.name!r}"
        raw = db.get_many([self.leader_doc])[0]
        if raw is None:
            return f"{mine}: the leader document {self.leader_doc!r} is gone"
        try:
            doc = parse_document(LeaderDoc, raw)
        except InputError as exc:
            return f"{mine}: {exc}"
        return self._compare(doc)
