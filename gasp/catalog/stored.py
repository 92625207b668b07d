"""Catalogues in the database: ``modules:<kind>:<rat_version>`` documents."""

from __future__ import annotations

from typing import Any

from gasp.catalog.files import parse_catalogue
from gasp.catalog.model import Catalogue, ProcessingCatalogue, ProductionCatalogue
from gasp.errors import Conflict, InputError, NotFound
from gasp.model.clock import utc_now
from gasp.model.ids import catalogue_id
from gasp.store import Database


def upload_catalogue(db: Database, catalogue: Catalogue) -> bool:
    """Store a catalogue, replacing that version's; returns False if it was identical."""
    doc_id = catalogue_id(catalogue.kind, catalogue.rat_version)
    body: dict[str, Any] = {"type": "modules", **catalogue.model_dump(exclude_none=True)}
    while True:
        current = db.get_many([doc_id])[0]
        if current is not None:
            if {k: v for k, v in current.items() if k in body} == body:
                return False
            doc = {**body, "_id": doc_id, "_rev": current["_rev"], "uploaded": utc_now()}
        else:
            doc = {**body, "_id": doc_id, "uploaded": utc_now()}
        try:
            db.put(doc)
            return True
        except Conflict:
            continue


def stored_versions(db: Database, kind: str) -> list[str]:
    """The software versions that have a catalogue of ``kind`` in ``db``."""
    prefix = f"modules:{kind}:"
    return [
        str(row.id).removeprefix(prefix)
        for row in db.all_docs(startkey=prefix, endkey=prefix + "\ufff0")
    ]


def load_catalogue(db: Database, kind: str, rat_version: str) -> Catalogue:
    """The stored catalogue of one version; ``InputError`` names the versions there are."""
    try:
        doc = db.get(catalogue_id(kind, rat_version))
    except NotFound:
        known = ", ".join(stored_versions(db, kind)) or "none"
        raise InputError(
            f"no {kind} catalogue for software version {rat_version!r} (known: {known})"
        ) from None
    raw = {k: v for k, v in doc.items() if not k.startswith("_") and k not in ("type", "uploaded")}
    return parse_catalogue(raw, f"database document {doc['_id']}")


def load_production_catalogue(db: Database, rat_version: str) -> ProductionCatalogue:
    catalogue = load_catalogue(db, "production", rat_version)
    assert isinstance(catalogue, ProductionCatalogue)
    return catalogue


def load_processing_catalogue(db: Database, rat_version: str) -> ProcessingCatalogue:
    catalogue = load_catalogue(db, "processing", rat_version)
    assert isinstance(catalogue, ProcessingCatalogue)
    return catalogue
