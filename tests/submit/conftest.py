"""A site configuration on the backend under test, with the toyrat catalogues uploaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gasp.catalog.scan import make_production_catalogue
from gasp.catalog.stored import upload_catalogue
from gasp.store import Database, open_server
from gasp.store.design import push_design_documents
from gasp.toyrat.release import release_dir
from gasp.views import design_documents

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "requests"


@pytest.fixture
def site(tmp_path: Path, store_url: str) -> Path:
    """A folder holding site.toml, the example requests, and initialised databases."""
    names = f"test_{tmp_path.name[-20:].lower().replace('-', '_')}"
    (tmp_path / "site.toml").write_text(
        f'[database]\nurl = "{store_url}"\n'
        f'production = "{names}_prod"\nprocessing = "{names}_proc"\n'
    )
    for example in FIXTURES.iterdir():
        shutil.copy(example, tmp_path / example.name)
    # What 'gasp db init' and 'gasp catalog make/upload' do (tested on their own), done
    # in-process: these fixtures run for every submission test.
    server = open_server(store_url)
    for db_name in (f"{names}_prod", f"{names}_proc"):
        push_design_documents(server.create_database(db_name), design_documents())
    upload_catalogue(server.database(f"{names}_prod"), make_production_catalogue(release_dir()))
    server.close()
    return tmp_path


@pytest.fixture
def production(site: Path, store_url: str) -> Database:
    """The production database of the site, opened directly for checks."""
    text = (site / "site.toml").read_text()
    name = text.split('production = "')[1].split('"')[0]
    return open_server(store_url).database(name)
