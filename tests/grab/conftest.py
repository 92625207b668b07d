"""A shelf of catalogued files for ``gasp grab``: completed passes of label ``Grab`` whose data
documents list files of chosen sizes, each with replicas on two storage elements (``a``
and ``b``), on ``file://`` folders or on the real XRootD server.

The passes come from a real submission (``gasp submit production``'s code); only their
ending is written directly (status ``completed`` and data documents), because what is
under test is what happens after cataloguing: the download.
"""

from __future__ import annotations

import os
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gasp.model.clock import utc_now
from gasp.model.data import file_entry, new_data_document
from gasp.model.documents import DataDocument
from gasp.model.naming import file_name, logical_path
from tests.campaign import Campaign, open_campaign
from tests.services.xrootd_server import XRootDServer

LABEL = "Grab"
MB = 1024 * 1024
KINDS = ("file", "xrootd")


@dataclass(frozen=True)
class Stored:
    """One catalogued file: where it is on disk behind each element, and what it holds."""

    lfn: str
    name: str
    size: int
    adler32: str
    key: tuple[str, int, int]


@dataclass
class Shelf:
    campaign: Campaign
    prefixes: dict[str, str]  # element -> URL prefix
    folders: dict[str, Path]  # element -> the local folder behind it
    files: list[Stored]

    def url(self, element: str, lfn: str) -> str:
        return f"{self.prefixes[element]}/{lfn}"

    def path(self, element: str, lfn: str) -> Path:
        return self.folders[element] / lfn

    def config(self) -> Path:
        elements = {name: {"url": url} for name, url in self.prefixes.items()}
        return self.campaign.config_file(storage={"primary": "a", "elements": elements})

    def set_replicas(self, lfn: str, urls: list[tuple[str, str]]) -> None:
        """Rewrite one file's replica list in its data document."""
        db = self.campaign.db
        for row in db.all_docs(startkey="data:", endkey="data:\ufff0", include_docs=True):
            doc: Any = row.doc
            for entry in doc["files"]:
                if entry["lfn"] == lfn:
                    entry["replicas"] = [{"se": se, "url": u, "status": "ok"} for se, u in urls]
                    db.bulk([doc])
                    return
        raise AssertionError(f"{lfn} is not catalogued")


def adler32_of(path: Path) -> str:
    value = zlib.adler32(b"")
    with open(path, "rb") as handle:
        while chunk := handle.read(4 * MB):
            value = zlib.adler32(chunk, value)
    return f"{value & 0xFFFFFFFF:08x}"


def make_shelf(
    campaign: Campaign, folders: dict[str, Path], prefixes: dict[str, str], sizes: list[int]
) -> Shelf:
    """One ScintBi214 pass per size, each with one ntuple file of that size on ``a`` and ``b``."""
    keys = campaign.submit(
        {
            "rat_v": "1.0.0",
            "modules": [
                {
                    "module": "ScintBi214",
                    "t_run": 1,
                    "t_format": "hour",
                    "n_runs": len(sizes),
                    "label": LABEL,
                }
            ],
        }
    )
    db = campaign.db
    stored: list[Stored] = []
    data_docs: list[DataDocument] = []
    at = utc_now()
    for (module, run, number), size in zip(sorted(keys), sizes, strict=True):
        name = file_name(module, run, 0, number, "ntuple")
        lfn = logical_path("production", module, run, name)
        content = (
            os.urandom(min(size, MB)) * (size // MB) + os.urandom(size % MB)
            if size >= MB
            else os.urandom(size)
        )
        checksum = f"{zlib.adler32(content) & 0xFFFFFFFF:08x}"
        for folder in folders.values():
            path = folder / lfn
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        doc = new_data_document(
            kind="production",
            module=module,
            run=run,
            pass_number=number,
            data_type="ntuple",
            rat_version="1.0.0",
            labels=[LABEL],
        )
        entry = file_entry(
            subrun=0,
            name=name,
            lfn=lfn,
            size=size,
            adler32=checksum,
            events=1,
            se="a",
            url=f"{prefixes['a']}/{lfn}",
            at=at,
        )
        entry["replicas"].append({"se": "b", "url": f"{prefixes['b']}/{lfn}", "status": "ok"})
        doc["files"].append(entry)
        data_docs.append(doc)
        stored.append(Stored(lfn, name, size, checksum, (module, run, number)))
    jobs = [row.doc for row in db.all_docs(startkey="job:", endkey="job:\ufff0", include_docs=True)]
    for job in jobs:
        assert job is not None
        for pass_doc in job["passes"]:
            pass_doc["status"] = "completed"
            for subjob in pass_doc["subjobs"]:
                subjob["status"] = "completed"
    results = db.bulk([*jobs, *data_docs])  # type: ignore[list-item]
    assert all(r.ok for r in results)
    return Shelf(campaign, prefixes, folders, stored)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def elements(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> tuple[dict[str, Path], dict[str, str]]:
    """Two storage elements' local folders and URL prefixes, of the kind under test."""
    if kind == "file":
        folders = {name: tmp_path / f"se-{name}" for name in ("a", "b")}
        return folders, {name: folder.as_uri() for name, folder in folders.items()}
    server: XRootDServer = request.getfixturevalue("xrootd_server")
    unique = uuid.uuid4().hex[:8]
    folders = {name: server.data / unique / name for name in ("a", "b")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    return folders, {name: server.url_for(f"/{unique}/{name}") for name in ("a", "b")}


@pytest.fixture
def campaign(tmp_path: Path) -> Iterator[Campaign]:
    """The embedded store: what grab reads is views the operators' tests check on both."""
    with open_campaign(f"sqlite:{tmp_path / 'data'}", tmp_path) as opened:
        yield opened
