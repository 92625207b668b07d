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
"""

from __future__ import annotations

import os
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

    def _why_lost(self, db: Database) -> str | None:
        mine = f"turn {self.number} of {self.site}"
        if self.database is not None and db.name != self.database:
            return f"{mine} is a turn on database {self.database!r}, not {db.name!r}"
        raw = db.get_many([self.leader_doc])[0]
        if raw is None:
            return f"{mine}: the leader document {self.leader_doc!r} is gone"
        try:
            doc = parse_document(LeaderDoc, raw)
        except InputError as exc:
            return f"{mine}: {exc}"
        if doc.token == self.token:
            return None
        holder = f"{doc.executing} holds turn {doc.turn}" if doc.executing else "nobody holds it"
        return f"{mine} is no longer current ({holder})"
