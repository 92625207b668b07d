"""Catalogues in the database: ``modules:<kind>:<rat_version>`` documents."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from gasp.catalog.files import parse_catalogue
from gasp.catalog.model import Catalogue, ProcessingCatalogue, ProductionCatalogue
from gasp.errors import Conflict, InputError, NotFound
from gasp.model.clock import utc_now
from gasp.model.documents import Kind
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


def stored_versions(db: Database, kind: Kind) -> list[str]:
    """The software versions that have a catalogue of ``kind`` in ``db``."""
    prefix = f"modules:{kind}:"
    return [
        str(row.id).removeprefix(prefix)
        for row in db.all_docs(startkey=prefix, endkey=prefix + "\ufff0")
    ]


def how_to_load(kind: Kind, config: Path | None = None) -> str:
    """The commands that store a catalogue of ``kind``: the next step after "none found".

    Nothing stores catalogues by itself once a site has its own configuration (``gasp db
    init`` loads the shipped toyrat ones only for the embedded default), so every message
    about a missing catalogue ends with this. ``config`` is the ``-c`` file the user gave,
    when the caller knows it, so that the commands can be pasted as they are.
    """
    gasp = f"gasp -c {shlex.quote(str(config))}" if config else "gasp"
    if kind == "production":
        return (
            f"make it from the release and upload it: {gasp} catalog make RELEASE_FOLDER -o "
            f"FILE, then {gasp} catalog upload FILE (the shipped toyrat release: "
            f'{gasp} catalog make "$(toyrat --release-dir)" -o toyrat-production.json '
            f"&& {gasp} catalog upload toyrat-production.json)"
        )
    return (
        f"upload the release's processing catalogue: {gasp} catalog upload FILE (the shipped "
        f'toyrat release: {gasp} catalog upload "$(toyrat --release-dir)/processing_catalog.json")'
    )


def load_catalogue(db: Database, kind: Kind, rat_version: str) -> Catalogue:
    """The stored catalogue of one version, checked as an uploaded file is.

    A missing one is an ``InputError`` naming the stored versions and how to store it; a
    stored one that breaks a rule (left by an older gasp, or written by hand) is refused
    with its document id, before any submitter acts on it.
    """
    try:
        doc = db.get(catalogue_id(kind, rat_version))
    except NotFound:
        known = ", ".join(stored_versions(db, kind)) or "none"
        raise InputError(
            f"no {kind} catalogue for software version {rat_version!r} (known: {known}); "
            f"{how_to_load(kind)}"
        ) from None
    raw = {k: v for k, v in doc.items() if not k.startswith("_") and k not in ("type", "uploaded")}
    source = f"database document {doc['_id']}"
    catalogue = parse_catalogue(raw, source)
    if catalogue.kind != kind:
        raise InputError(f"{source}: kind: {catalogue.kind!r}, where {kind!r} is expected")
    return catalogue


def load_production_catalogue(db: Database, rat_version: str) -> ProductionCatalogue:
    catalogue = load_catalogue(db, "production", rat_version)
    assert isinstance(catalogue, ProductionCatalogue)
    return catalogue


def load_processing_catalogue(db: Database, rat_version: str) -> ProcessingCatalogue:
    catalogue = load_catalogue(db, "processing", rat_version)
    assert isinstance(catalogue, ProcessingCatalogue)
    return catalogue
