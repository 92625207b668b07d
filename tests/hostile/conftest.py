"""A site for hostile-input tests: embedded store (or the CouchDB server), catalogues loaded."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from gasp.catalog.files import read_catalogue
from gasp.catalog.scan import make_production_catalogue
from gasp.catalog.stored import upload_catalogue
from gasp.store import open_server
from gasp.store.design import push_design_documents
from gasp.toyrat.release import release_dir, release_info
from gasp.views import design_documents
from tests.hostile.harness import HostileSite

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "requests"


def make_site(folder: Path, store_url: str, database_folder: Path | None) -> HostileSite:
    """Databases initialised and the toyrat release's catalogues uploaded, as an operator
    would with ``gasp db init`` and ``gasp catalog upload`` (done in-process for speed)."""
    names = f"h{uuid.uuid4().hex[:10]}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "se").mkdir()
    (folder / "site.toml").write_text(
        f'[database]\nurl = "{store_url}"\n'
        f'production = "{names}_prod"\nprocessing = "{names}_proc"\n'
        '[storage]\nprimary = "se"\n[storage.elements.se]\nurl = "se"\n'
        '[backend]\nname = "noop"\n'
    )
    server = open_server(store_url)
    try:
        production = server.create_database(f"{names}_prod")
        processing = server.create_database(f"{names}_proc")
        for db in (production, processing):
            push_design_documents(db, design_documents())
        upload_catalogue(production, make_production_catalogue(release_dir()))
        processing_catalogue = release_dir() / str(release_info()["processing_catalog"])
        upload_catalogue(processing, read_catalogue(processing_catalogue))
    finally:
        server.close()
    return HostileSite(folder, store_url, database_folder)


@pytest.fixture
def site(tmp_path: Path) -> HostileSite:
    """A site on the embedded store (the default users start with)."""
    data = tmp_path / "site" / "data"
    return make_site(tmp_path / "site", f"sqlite:{data}", data)


@pytest.fixture
def couch_site(tmp_path: Path, couchdb_url: str) -> HostileSite:
    """A site on the CouchDB-compatible server."""
    return make_site(tmp_path / "site", couchdb_url, None)
