"""A production campaign on the store under test: databases with the toyrat catalogue, site
configurations, and the real ``gasp`` command run against them.

Shared by the client's tests and the operators' tools' tests (each folder's conftest makes
the ``campaign`` fixture from ``open_campaign``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gasp.backends.factory import make_backend
from gasp.catalog.scan import make_production_catalogue
from gasp.catalog.stored import upload_catalogue
from gasp.client.context import ClientContext
from gasp.client.cycle import Client
from gasp.config import Config, parse_config
from gasp.store import Database, Server, open_server
from gasp.store.design import push_design_documents
from gasp.submit.production import submit_production
from gasp.toyrat.release import release_dir
from gasp.views import design_documents


@dataclass
class Campaign:
    """Databases with the toyrat catalogue, and a folder for sites' job folders and storage."""

    url: str
    folder: Path
    db_name: str
    server: Server

    @property
    def db(self) -> Database:
        return self.server.database(self.db_name)

    def site_config(self, site: str = "alpha", **sections: dict[str, Any]) -> Config:
        """A site configuration; job folders and the storage element live in the campaign folder."""
        raw: dict[str, Any] = {
            "site": {"name": site},
            "database": {"url": self.url, "production": self.db_name},
            "backend": {
                "name": "local",
                "workdir": str(self.folder / site / "jobs"),
                "max_running": 2,
            },
            "storage": {"primary": "se", "elements": {"se": {"url": str(self.folder / "se")}}},
            "retry": {"backoff_s": 0},
        }
        for name, values in sections.items():
            raw[name] = {**raw.get(name, {}), **values}
        path = self.folder / f"{site}.toml"
        path.write_text(_toml(raw))
        return parse_config(raw, path)

    def config_file(self, site: str = "alpha", **sections: dict[str, Any]) -> Path:
        self.site_config(site, **sections)
        return self.folder / f"{site}.toml"

    def submit(
        self, request: dict[str, Any], name: str = "request.json"
    ) -> list[tuple[str, int, int]]:
        path = self.folder / name
        path.write_text(json.dumps(request))
        return submit_production(self.db, path).exactly

    def client(self, config: Config, **options: Any) -> Client:
        section = config.backend
        backend_options: dict[str, Any] = {"max_running": section.max_running}
        if section.name == "local":
            backend_options["spool"] = str(Path(section.workdir) / "spool")
        backend = make_backend(section.name, backend_options)
        context = ClientContext(config=config, db=self.db, backend=backend, **options)
        return Client(context)

    def passes(self) -> dict[tuple[str, int, int], dict[str, Any]]:
        found = {}
        for row in self.db.all_docs(startkey="job:", endkey="job:\ufff0", include_docs=True):
            assert row.doc is not None
            for p in row.doc["passes"]:
                found[(row.doc["module"], row.doc["run"], p["pass"])] = p
        return found

    def data_documents(self) -> list[dict[str, Any]]:
        rows = self.db.all_docs(startkey="data:", endkey="data:\ufff0", include_docs=True)
        return [row.doc for row in rows if row.doc]

    def gasp(
        self,
        *args: str,
        site: str = "alpha",
        input: str | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """The real ``gasp`` command, in a subprocess, with this site's configuration."""
        config = self.folder / f"{site}.toml"
        if not config.exists():
            self.site_config(site)
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("GASP_", "COLUMNS"))
        }
        environment["COLUMNS"] = "200"
        environment.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "gasp", "-c", str(config), *args],
            cwd=self.folder,
            env=environment,
            input=input,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def _toml(raw: dict[str, Any]) -> str:
    """Enough TOML for these configurations (tables of scalars, lists, one nesting level)."""
    lines: list[str] = []
    for section, values in raw.items():
        simple = {k: v for k, v in values.items() if not isinstance(v, dict)}
        lines.append(f"[{section}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in simple.items()]
        for key, table in values.items():
            if isinstance(table, dict):
                for name, inner in table.items():
                    lines.append(
                        f"[{section}.{key}.{name}]"
                        if isinstance(inner, dict)
                        else f"[{section}.{key}]"
                    )
                    if isinstance(inner, dict):
                        lines += [f"{k} = {json.dumps(v)}" for k, v in inner.items()]
                    else:
                        lines.append(f"{name} = {json.dumps(inner)}")
    return "\n".join(lines) + "\n"


@contextmanager
def open_campaign(store_url: str, folder: Path) -> Iterator[Campaign]:
    """A fresh production database with the design documents and the toyrat catalogue."""
    server = open_server(store_url)
    name = f"campaign_{uuid.uuid4().hex[:10]}"
    db = server.create_database(name)
    push_design_documents(db, design_documents())
    upload_catalogue(db, make_production_catalogue(release_dir()))
    try:
        yield Campaign(store_url, folder, name, server)
    finally:
        server.close()
