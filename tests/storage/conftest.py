"""Storage elements of every kind, on real folders and a real XRootD server.

``se`` is parametrized: each test that takes it runs against a ``file://`` folder in the
test's own temporary directory and against a ``root://`` element on the session's XRootD
server (``xrootd_server``), under a folder of its own. ``se_folder`` is where the element's
bytes are on this machine's disk in both cases (the server's exported folder for
``root://``), so a test can look at, or damage, what the element really stored.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from gasp.storage import StorageElement

KINDS = ("file", "root")


@dataclass(frozen=True)
class Element:
    """A storage element under test and the local folder holding its files."""

    se: StorageElement
    folder: Path

    def url_of(self, path: Path) -> str:
        """The element's URL for a file found below ``folder``."""
        return self.se.url_for(str(path.relative_to(self.folder)))


@pytest.fixture(params=KINDS)
def element(request: pytest.FixtureRequest, tmp_path: Path) -> Element:
    if request.param == "file":
        folder = tmp_path / "se"
        return Element(StorageElement("test-se", folder.as_uri()), folder)
    server = request.getfixturevalue("xrootd_server")
    name = f"se-{uuid.uuid4().hex[:10]}"
    return Element(StorageElement("test-se", server.url_for(f"/{name}")), server.data / name)


@pytest.fixture
def se(element: Element) -> StorageElement:
    return element.se


@pytest.fixture
def se_folder(element: Element) -> Path:
    return element.folder


@pytest.fixture
def local_se(tmp_path: Path) -> StorageElement:
    """A ``file://`` element, for what only a local folder can show (file size limits)."""
    return StorageElement("test-se", (tmp_path / "se").as_uri())


FileMaker = Callable[..., Path]


@pytest.fixture
def make_file(tmp_path: Path) -> FileMaker:
    """Write ``data`` (default: 3 MiB + 17 of random bytes) to a new local file."""

    def make(name: str = "local.bin", data: bytes | None = None) -> Path:
        path = tmp_path / "local" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(3 * 1024 * 1024 + 17) if data is None else data)
        return path

    return make


def files_below(folder: Path) -> list[str]:
    """Every file below ``folder``, hidden ones included, as sorted relative paths."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
