"""Run tables in files: a JSON list of objects or a CSV file with a header line.

Both carry the columns ``run, run_type, start, end, complete`` (``run`` and ``run_type``
required). The whole file is checked before anything is written, and the first problem is
reported with the file and where in it: the line for CSV and malformed JSON, the list
index for a JSON entry. JSON goes through ``gasp.parsing`` (text that is not UTF-8 or is
nested absurdly deep is refused like malformed text), and every value through the rules
of ``metadata.check_row``, the same for CSV, JSON and PostgreSQL.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from gasp.errors import InputError
from gasp.parsing import parse_json
from gasp.runs.metadata import COLUMNS, REQUIRED, RunRow, check_row, check_unique


def read_table(path: Path) -> list[RunRow]:
    """Every row of a ``.json`` or ``.csv`` run table, checked and free of duplicates."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise InputError(f"{path}: expected a .json or .csv run table")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    rows = _json_rows(path, raw) if suffix == ".json" else _csv_rows(path, _decode(path, raw))
    if not rows:
        raise InputError(f"{path}: holds no runs")
    check_unique(rows)
    return rows


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def _json_rows(path: Path, raw: bytes) -> list[RunRow]:
    data: Any = parse_json(raw, str(path))
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
