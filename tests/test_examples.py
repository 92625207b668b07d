"""The example site configuration stays loadable, and the README shows it as it is.

``examples/site-slurm-xrootd-couchdb.toml`` is what the README tells a site to start from
when it moves to Slurm, XRootD and CouchDB: loaded here with gasp's own loader, its
backend built by the backend factory and its storage elements by ``StorageElement``, so a
renamed key or option fails this test instead of a site's first cycle.
"""

from __future__ import annotations

import re
from pathlib import Path

from gasp.backends.factory import make_backend
from gasp.config import load_config
from gasp.storage import StorageElement

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "site-slurm-xrootd-couchdb.toml"


def test_the_slurm_xrootd_couchdb_example_loads() -> None:
    config = load_config(EXAMPLE)
    assert config.source == str(EXAMPLE)
    assert config.database.url.startswith("https://")
    assert config.backend.name == "slurm"
    options = {**config.backend.options, "max_running": 1, "spool": "/nonexistent/spool"}
    assert type(make_backend(config.backend.name, options)).__name__ == "SlurmBackend"
    primary = config.storage.elements[config.storage.primary]
    assert primary.url.startswith("root://")
    assert config.storage.failover is not None
    for name, element in config.storage.elements.items():
        assert StorageElement(name, element.url).url_for("a/b.root").endswith("/a/b.root")
    assert list(config.software) == ["7.0.8"]


def test_the_readme_shows_the_example_file_verbatim() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Moving a site to Slurm + XRootD + CouchDB", 1)[1]
    block = re.search(r"```toml\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the README section has no toml block"
    assert block.group(1) == EXAMPLE.read_text()
