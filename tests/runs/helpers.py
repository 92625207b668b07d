"""Reading back what the run commands wrote."""

from __future__ import annotations

from typing import Any

from gasp.store import Database


def run_documents(db: Database) -> dict[int, dict[str, Any]]:
    """Every run document, by run number (design documents and others left out)."""
    rows = db.all_docs(startkey="run:", endkey="run:\ufff0", include_docs=True)
    return {int(row.doc["run"]): row.doc for row in rows if row.doc is not None}


def revisions(db: Database) -> dict[str, str]:
    """Every document's current revision: equal before and after means nothing was written."""
    return {str(row.id): str(row.value["rev"]) for row in db.all_docs()}
