"""Catalogue files: JSON (what ``gasp catalog make`` writes) or TOML (hand-written)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gasp.catalog.model import Catalogue, ProcessingCatalogue, ProductionCatalogue
from gasp.errors import InputError
from gasp.parsing import parse_json, parse_toml
from gasp.validation import describe_validation_error


def parse_catalogue(raw: Any, source: str) -> Catalogue:
    """Validate a parsed catalogue; the error names every bad field."""
    if not isinstance(raw, dict) or raw.get("kind") not in ("production", "processing"):
        raise InputError(f"{source}: kind: must be 'production' or 'processing'")
    model = ProductionCatalogue if raw["kind"] == "production" else ProcessingCatalogue
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, source)) from exc


def read_catalogue(path: Path) -> Catalogue:
    """Read and validate a catalogue file (TOML by its ``.toml`` suffix, else JSON)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read catalogue {path}: {exc.strerror or exc}") from None
    if path.suffix == ".toml":
        try:
            raw: Any = parse_toml(data.decode("utf-8"), str(path))
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    else:
        raw = parse_json(data, str(path))
    return parse_catalogue(raw, str(path))


def check_writable(path: Path) -> None:
    """Refuse, before any work, a file that cannot be written where it is asked for."""
    check_folder_writable(path.parent, path)
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a folder")


def check_folder_writable(folder: Path, path: Path | None = None) -> None:
    """Refuse, before any work, a folder where no file can be written (``path``: the file
    meant, for the message)."""
    target = path or folder
    if not folder.is_dir():
        raise InputError(f"cannot write {target}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"cannot write {target}: the folder {folder} is not writable")


def write_catalogue(catalogue: Catalogue, path: Path) -> None:
    """Write a catalogue as JSON, atomically (a temporary file renamed into place).

    A failed write removes its temporary file: the target is either the old file or the
    whole new one, and nothing else is left behind.
    """
    text = json.dumps(catalogue.model_dump(exclude_none=True), indent=2) + "\n"
    partial = path.with_name(f".{path.name}.part")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
