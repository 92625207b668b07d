"""Storage elements on real folders (``file://``) in the test's own temporary directory."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from gasp.storage import StorageElement


@pytest.fixture
def se(tmp_path: Path) -> StorageElement:
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
