"""Run metadata from a PostgreSQL run table (``gasp runs import --postgres DSN --table T``).

The detector's run database is often a PostgreSQL table; gasp reads the same columns a
run table file has (``run, run_type, start, end, complete``; ``start``/``end``/``complete``
optional) with psycopg 3, and checks each row like a file's. The table name may be
``schema.table``; it is quoted as identifiers, never pasted into the query. psycopg is an
optional dependency (``pip install 'gasp[postgres]'``), imported only here.
"""

from __future__ import annotations

import re
from typing import Any

from gasp.errors import ConfigError, InputError
from gasp.runs.metadata import COLUMNS, REQUIRED, RunRow, check_row, check_unique

_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")
CONNECT_TIMEOUT_S = 10


def read_postgres(dsn: str, table: str) -> list[RunRow]:
    """Every row of ``table``, checked, in run order; ``InputError`` naming the run."""
    if not _TABLE.match(table):
        raise InputError(f"--table {table!r}: expected a table name such as runs or daq.runs")
    try:
        import psycopg
        from psycopg import sql
    except ImportError as exc:
        raise ConfigError("--postgres needs psycopg: pip install 'gasp[postgres]'") from exc
    where = f"postgres table {table}"
    try:
        with psycopg.connect(dsn, connect_timeout=CONNECT_TIMEOUT_S) as connection:
            columns = _columns(connection, table, where)
            query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in columns),
                sql.Identifier(*table.split(".")),
                sql.Identifier("run"),
            )
            with connection.cursor() as cursor:
                cursor.execute(query)
                records = cursor.fetchall()
    except psycopg.Error as exc:
        raise InputError(f"{where}: {_one_line(exc)}") from exc
    rows = [_row(dict(zip(columns, record, strict=True)), where) for record in records]
    if not rows:
        raise InputError(f"{where}: holds no runs")
    check_unique(rows)
    return rows


def _columns(connection: Any, table: str, where: str) -> list[str]:
    """The run-table columns the table has; the required ones must be among them."""
    from psycopg import sql

    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT * FROM {} LIMIT 0").format(sql.Identifier(*table.split(".")))
        )
        present = [column.name for column in cursor.description or []]
    missing = [name for name in REQUIRED if name not in present]
    if missing:
        raise InputError(f"{where}: no column {missing[0]!r} (has {', '.join(present)})")
    return [name for name in COLUMNS if name in present]


def _row(values: dict[str, Any], where: str) -> RunRow:
    run = values.get("run")
    return check_row(values, f"{where}, run {run}")


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


__all__ = ["read_postgres"]
