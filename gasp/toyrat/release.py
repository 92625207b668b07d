"""Where the shipped toyrat release lives and which software version it is.

The release folder is package data, so it is found next to this module whether gasp is
installed or run from a source tree. ``release.json`` is the one place the version is
written; ``toyrat --version`` and the catalogue generator both read it from there.
"""

from __future__ import annotations

import json
import shutil
import sys
import sysconfig
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


def executable() -> str:
    """The installed ``toyrat`` console script, as an absolute path where one is found.

    Looked up where this interpreter's installation put its scripts (a virtual
    environment's ``bin``, or the user scheme's), not on ``PATH``: a site or a test that
    runs toyrat must get the one installed with this gasp, not whichever a shell happens
    to find first. ``PATH`` is the last resort, then the bare name.
    """
    folders = [Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))]
    user_scheme = sysconfig.get_preferred_scheme("user")
    folders.append(Path(sysconfig.get_path("scripts", user_scheme)))
    for folder in folders:
        candidate = folder / "toyrat"
        if candidate.is_file():
            return str(candidate)
    return shutil.which("toyrat") or "toyrat"


__all__ = ["RELEASE_DIR", "executable", "release_dir", "release_info", "version"]
