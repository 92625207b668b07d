"""Catalogue files: JSON (what ``gasp catalog make`` writes) or TOML (hand-written)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from gasp.catalog.model import Catalogue, ProcessingCatalogue, ProductionCatalogue
from gasp.errors import InputError
from gasp.validation import describe_validation_error, json_error_location

_CATALOGUE: TypeAdapter[Catalogue] = TypeAdapter(Catalogue)


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
    """Read and validate a catalogue file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read catalogue {path}: {exc}") from exc
    try:
        raw = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: {json_error_location(exc)}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: malformed TOML: {exc}") from exc
    return parse_catalogue(raw, str(path))


def write_catalogue(catalogue: Catalogue, path: Path) -> None:
    """Write a catalogue as JSON, atomically (a temporary file renamed into place)."""
    text = json.dumps(catalogue.model_dump(exclude_none=True), indent=2) + "\n"
    partial = path.with_name(f".{path.name}.part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
