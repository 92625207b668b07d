"""Run tables in files: a JSON list of objects or a CSV file with a header line.

Both carry the columns ``run, run_type, start, end, complete`` (``run`` and ``run_type``
required). The whole file is checked before anything is written, and the first problem is
reported with the file and where in it: the line for CSV and malformed JSON, the list
index for a JSON entry.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from gasp.errors import InputError
from gasp.runs.metadata import COLUMNS, REQUIRED, RunRow, check_row, check_unique
from gasp.validation import json_error_location


def read_table(path: Path) -> list[RunRow]:
    """Every row of a ``.json`` or ``.csv`` run table, checked and free of duplicates."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise InputError(f"{path}: expected a .json or .csv run table")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    rows = _json_rows(path, text) if suffix == ".json" else _csv_rows(path, text)
    if not rows:
        raise InputError(f"{path}: holds no runs")
    check_unique(rows)
    return rows


def _json_rows(path: Path, text: str) -> list[RunRow]:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: {json_error_location(exc)}") from exc
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a JSON list of run objects")
    rows = []
    for index, item in enumerate(data):
        where = f"{path}: [{index}]"
        if not isinstance(item, dict):
            raise InputError(f"{where}: expected an object with {', '.join(COLUMNS)}")
        rows.append(check_row(item, where))
    return rows


def _csv_rows(path: Path, text: str) -> list[RunRow]:
    reader = csv.reader(text.splitlines())
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise InputError(f"{path}: empty; expected a header line {','.join(COLUMNS)}") from None
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in header]
    if unknown or missing or len(set(header)) != len(header):
        raise InputError(
            f"{path}: line 1: header {','.join(header)!r}: expected the columns "
            f"{', '.join(COLUMNS)} (run and run_type required, each once)"
        )
    rows = []
    try:
        for fields in reader:
            where = f"{path}: line {reader.line_num}"
            if not any(field.strip() for field in fields):
                continue
            if len(fields) != len(header):
                raise InputError(f"{where}: {len(fields)} fields, the header has {len(header)}")
            values = {name: field.strip() for name, field in zip(header, fields, strict=True)}
            rows.append(check_row(values, where))
    except csv.Error as exc:
        raise InputError(f"{path}: line {reader.line_num}: malformed CSV: {exc}") from exc
    return rows


__all__ = ["read_table"]
