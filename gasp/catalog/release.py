"""A release folder as ``gasp catalog make`` reads it: ``release.json`` and the macro files.

The folder comes from outside (a release built elsewhere, or a user's copy of one), so
everything read here is checked before a catalogue is made from it: ``release.json`` must
be a JSON object whose fields have the right shape, and every ``*.mac`` must be a UTF-8
file; a macro's problem is returned as a line naming the file, for one report.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from gasp.errors import InputError
from gasp.parsing import parse_json
from gasp.validation import describe_validation_error
from gasp.values import Name, RelativePath

RELEASE_FILE = "release.json"
DEFAULT_PRODUCTION_MACROS = "mac/production"


class ReleaseInfo(BaseModel):
    """The fields of ``release.json`` the catalogue generator reads (others are kept)."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)

    version: Name | None = None
    production_macros: RelativePath = DEFAULT_PRODUCTION_MACROS
    internal_rate_generators: list[Name] = []


def read_release_info(release: Path) -> ReleaseInfo:
    """The release's ``release.json``, or the defaults when the release has none."""
    path = release / RELEASE_FILE
    if not path.exists():
        return ReleaseInfo()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    raw = parse_json(data, str(path))
    if not isinstance(raw, dict):
        raise InputError(f"{path}: must be a JSON object ({{...}}), not {type(raw).__name__}")
    try:
        return ReleaseInfo.model_validate(raw)
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, str(path))) from None


def read_macro(path: Path) -> tuple[str | None, str | None]:
    """The text of a macro file, or the problem that stops it being read."""
    if path.is_dir():
        return None, f"{path}: a folder named like a macro; rename it (no .mac ending)"
    if not path.is_file():
        return None, f"{path}: not a readable file (a broken link?)"
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, f"{path}: cannot read: {exc.strerror or exc}"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"{path}: not UTF-8 text (byte {exc.start}); save the macro as UTF-8"


__all__ = [
    "DEFAULT_PRODUCTION_MACROS",
    "RELEASE_FILE",
    "ReleaseInfo",
    "read_macro",
    "read_release_info",
]
