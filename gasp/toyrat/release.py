"""Where the shipped toyrat release lives and which software version it is.

The release folder is package data, so it is found next to this module whether gasp is
installed or run from a source tree. ``release.json`` is the one place the version is
written; ``toyrat --version`` and the catalogue generator both read it from there.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

RELEASE_DIR = Path(__file__).resolve().parent / "release"


def release_dir() -> Path:
    """The folder of the shipped release (what ``toyrat --release-dir`` prints)."""
    return RELEASE_DIR


@cache
def release_info() -> dict[str, Any]:
    """The parsed ``release.json`` of the shipped release."""
    info: dict[str, Any] = json.loads((RELEASE_DIR / "release.json").read_text("utf-8"))
    return info


def version() -> str:
    """The software version of the shipped release, e.g. ``1.0.0``."""
    return str(release_info()["version"])


__all__ = ["RELEASE_DIR", "release_dir", "release_info", "version"]
