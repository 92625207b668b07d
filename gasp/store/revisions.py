"""Revision ids ``N-<hash>`` as CouchDB makes them.

The hash covers the previous revision and the new body, so the same edit applied to the
same revision gives the same revision id: a retried write is recognisable, not a new edit.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def revision_number(rev: str | None) -> int:
    """The generation of a revision id: 3 for ``3-abc...``; 0 when there is none."""
    if not rev:
        return 0
    head, _, _ = rev.partition("-")
    return int(head) if head.isdigit() else 0


def revision_for_content(previous: str | None, content: str) -> str:
    """The revision id that follows ``previous`` for a body serialised as ``content``."""
    digest = hashlib.md5(
        (previous or "").encode() + content.encode(), usedforsecurity=False
    ).hexdigest()
    return f"{revision_number(previous) + 1}-{digest}"


def next_revision(previous: str | None, body: dict[str, Any]) -> str:
    """The revision id that follows ``previous`` for a document written with ``body``."""
    content = {k: v for k, v in body.items() if k not in ("_id", "_rev")}
    digest = hashlib.md5(
        (previous or "").encode() + json.dumps(content, sort_keys=True).encode(),
        usedforsecurity=False,
    ).hexdigest()
    return f"{revision_number(previous) + 1}-{digest}"
