"""The operators' tools' tests: a campaign on the store under test, run by a real client.

``finished`` is the usual starting point: three requests of label T1 run to their end by a
real client with the local backend and toyrat. One completes (3 ``WaterPmtBetagammas``
passes), one has a subjob that crashes once (the ``WaterN16SourceRun`` pass ends
``partFail``), one always crashes (the ``ScintBi214`` pass ends ``failed``); outputs are
catalogued on a ``file://`` storage element and the failures' logs attached. Tests that
need other states make them the way the system does: by running the client, or through
the operators' own commands.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gasp.client.cycle import Client
from gasp.store import Database
from tests.campaign import Campaign, open_campaign

LABEL = "T1"
COMPLETES: dict[str, Any] = {
    "rat_v": "1.0.0",
    "modules": [
        {
            "module": "WaterPmtBetagammas",
            "n_ev": 300,
            "ev_per_run": 100,
            "template": {"radius": 7000},
            "label": LABEL,
        }
    ],
}
PART_FAILS: dict[str, Any] = {
    "rat_v": "1.0.0",
    "modules": [
        {
            "module": "WaterN16SourceRun",
            "n_ev": 200,
            "ev_per_run": 100,
            "run_numbers": [100151],
            "label": LABEL,
        }
    ],
}
FAILS: dict[str, Any] = {
    "rat_v": "1.0.0",
    "modules": [
        {"module": "ScintBi214", "t_run": 1, "t_format": "hour", "n_runs": 1, "label": LABEL}
    ],
}


@pytest.fixture
def campaign(store_url: str, tmp_path: Path) -> Iterator[Campaign]:
    with open_campaign(store_url, tmp_path) as opened:
        yield opened


@pytest.fixture
def toyrat_env() -> Iterator[None]:
    """Cheap events, and no failure unless a test asks for one."""
    keys = ("TOYRAT_MS_PER_EVENT", "TOYRAT_FAIL", "TOYRAT_FAIL_ONCE")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ["TOYRAT_MS_PER_EVENT"] = "0"
    for key in keys[1:]:
        os.environ.pop(key, None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def run_until_done(client: Client, *, cycles: int = 200) -> None:
    """Cycle with short sleeps until the client holds nothing and claims nothing."""
    summary = client.loop(max_cycles=cycles, interval_s=0.1, until_idle=True)
    assert summary.last is not None and summary.idle, (
        f"still busy after {cycles} cycles: {summary.totals.line()}"
    )
    client.ctx.backend.close()


@dataclass
class Finished:
    """A campaign run to its end by a real client, and which passes ended how."""

    campaign: Campaign
    completed: list[tuple[str, int, int]]  # WaterPmtBetagammas: 3 passes, 1 subjob each
    part_failed: tuple[str, int, int]  # WaterN16SourceRun 100151: 2 subjobs, one crashed
    failed: tuple[str, int, int]  # ScintBi214: 1 subjob, crashed

    def run(self, **config: dict[str, Any]) -> None:
        """Run the client again until it is idle (after a retry, say)."""
        run_until_done(self.campaign.client(self.campaign.site_config(**config)))


def _run_with(
    campaign: Campaign, request: dict[str, Any], name: str, **env: str
) -> list[tuple[str, int, int]]:
    exactly = campaign.submit(request, name)
    os.environ.update(env)
    try:
        config = campaign.site_config(retry={"max_attempts": 1}, backend={"max_running": 1})
        run_until_done(campaign.client(config))
    finally:
        for key in env:
            os.environ.pop(key, None)
    return exactly


@dataclass
class _Template:
    """A finished campaign made once per store and session, as documents and a folder."""

    folder: Path
    documents: str  # JSON of every document but design documents and the catalogue
    completed: list[tuple[str, int, int]]
    part_failed: tuple[str, int, int]
    failed: tuple[str, int, int]


def _make_template(store_url: str, folder: Path) -> _Template:
    """Three requests of label T1 run by a real client (local backend, toyrat): one that
    completes, one whose first subjob crashes once (partFail), one that always crashes."""
    with open_campaign(store_url, folder) as campaign:
        completed = _run_with(campaign, COMPLETES, "completes.json")
        (part_failed,) = _run_with(
            campaign,
            PART_FAILS,
            "part-fails.json",
            TOYRAT_FAIL="crash:10",
            TOYRAT_FAIL_ONCE=str(folder / "crashed-once"),
        )
        (failed,) = _run_with(campaign, FAILS, "fails.json", TOYRAT_FAIL="crash:10")
        passes = campaign.passes()
        assert {passes[k]["status"] for k in completed} == {"completed"}
        assert passes[part_failed]["status"] == "partFail", passes[part_failed]
        assert passes[failed]["status"] == "failed", passes[failed]
        documents = _dump(campaign.db)
        campaign.server.delete_database(campaign.db_name)
    return _Template(folder, documents, completed, part_failed, failed)


def _dump(db: Database) -> str:
    """Every document (attachments inline, no revision), as JSON text."""
    docs = []
    for row in db.all_docs(include_docs=True):
        doc = row.doc
        if doc is None or str(doc["_id"]).startswith(("_design/", "modules:")):
            continue
        doc.pop("_rev", None)
        for name, stub in (doc.get("_attachments") or {}).items():
            data = db.get_attachment(doc["_id"], name)
            doc["_attachments"][name] = {
                "content_type": stub.get("content_type", "text/plain"),
                "data": base64.b64encode(data).decode(),
            }
        docs.append(doc)
    return json.dumps(docs)


@pytest.fixture(scope="session")
def _templates() -> dict[str, _Template]:
    return {}


@pytest.fixture
def finished(
    campaign: Campaign,
    toyrat_env: None,
    tmp_path_factory: pytest.TempPathFactory,
    _templates: dict[str, _Template],
) -> Finished:
    """The finished campaign of label T1 (see ``_make_template``), in this test's folder.

    It is run by a real client once per store and session, then restored for each test:
    its documents written anew into the test's database, its storage element and job
    folders copied into the test's folder, every path in the documents moved with them.
    Ten seconds of real runs per test would otherwise be minutes of the suite.
    """
    store = campaign.url.split(":", 1)[0]  # one template per kind of store
    template = _templates.get(store)
    if template is None:
        template = _make_template(campaign.url, tmp_path_factory.mktemp("finished"))
        _templates[store] = template
    text = template.documents.replace(str(template.folder), str(campaign.folder))
    results = campaign.db.bulk(json.loads(text))
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    for part in ("se", "alpha"):
        shutil.copytree(template.folder / part, campaign.folder / part)
    return Finished(campaign, template.completed, template.part_failed, template.failed)
