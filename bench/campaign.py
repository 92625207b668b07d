"""A production database ready for a client benchmark: catalogue, one request, indexed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gasp.catalog.scan import make_production_catalogue
from gasp.catalog.stored import upload_catalogue
from gasp.store import open_server
from gasp.store.design import push_design_documents
from gasp.submit.production import submit_production
from gasp.toyrat.release import release_dir
from gasp.views import design_documents


def prepare_production(folder: Path, entry: dict[str, Any]) -> str:
    """An embedded ``production`` database in ``folder`` holding the passes of ``entry``
    (one module of a toyrat 1.0.0 request); returns the store URL.

    The views the client reads are indexed before returning: that work belongs to
    submitting, not to what a client benchmark measures.
    """
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:{folder / 'db'}"
    server = open_server(url)
    db = server.create_database("production")
    push_design_documents(db, design_documents())
    upload_catalogue(db, make_production_catalogue(release_dir()))
    request = folder / "request.json"
    request.write_text(json.dumps({"rat_v": "1.0.0", "modules": [entry]}))
    submit_production(db, request)
    list(db.view("queue", "priority", limit=1))
    list(db.view("passes", "by_site_count", limit=1))
    server.close()
    return url
