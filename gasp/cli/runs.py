"""``gasp runs``: register raw data, import run tables, list and show detector runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from gasp.cli.context import App, pass_app
from gasp.errors import InputError, NotFound, StoreError
from gasp.model.documents import Kind
from gasp.model.run import RUN_TYPES, RunDocument, run_id
from gasp.progress import progress
from gasp.runs.metadata import ImportSummary, RunRow, store_metadata
from gasp.runs.postgres import read_postgres
from gasp.runs.register import check_folder, register_runs
from gasp.runs.table import read_table
from gasp.storage import StorageElement
from gasp.validation import describe_validation_error

RUNS_DB: Kind = "processing"


@click.group("runs")
def runs_group() -> None:
    """Detector runs and their raw data."""


@runs_group.command("register")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@pass_app
def runs_register(app: App, folder: Path) -> None:
    """Check, archive and record the complete runs in FOLDER (those with run_<R>.json).

    Every raw file is checked against its run's sidecar (size, adler32) and against what
    was registered before; only then are new files copied to the storage element and the
    run documents written. Running it again copies and writes nothing new. A sidecar's
    run type that differs from the run's document (an imported run table) is reported;
    the document's type is kept.
    """
    db = app.database_for(RUNS_DB)
    plans = check_folder(db, folder, progress=progress)
    if not plans:
        click.echo(f"{folder}: no complete run (no run_<R>.json): nothing to register")
        return
    storage = app.config.storage
    names = [storage.primary] + ([storage.failover] if storage.failover else [])
    elements = [StorageElement(name, storage.elements[name].url) for name in names]
    summary = register_runs(db, folder, plans, elements, click.echo, progress=progress)
    where = f" to {', '.join(sorted(summary.elements))}" if summary.elements else ""
    click.echo(
        f"registered {summary.runs} runs: {summary.copied} files copied{where}, "
        f"{summary.already} already registered, {summary.written} run documents written"
    )
    if summary.type_disagreements:
        click.echo(
            f"{summary.type_disagreements} runs whose sidecar gives another run type than "
            f"their run document: kept the document's type (see above)"
        )


@runs_group.command("import")
@click.argument("table_file", metavar="FILE", required=False, type=click.Path(path_type=Path))
@click.option("--postgres", "dsn", metavar="DSN", help="Read a PostgreSQL run table instead.")
@click.option("--table", metavar="NAME", help="The PostgreSQL table (with --postgres).")
@pass_app
def runs_import(app: App, table_file: Path | None, dsn: str | None, table: str | None) -> None:
    """Load run metadata (run, run_type, start, end, complete) from FILE (.json/.csv).

    The raw files already registered for a run are kept; the table's metadata replaces
    the run's type, times and complete flag, except that a run without raw files stays
    incomplete until they are registered (reported, as is a changed type of a run with
    files). The whole table is checked first.
    """
    rows: list[RunRow]
    if dsn is not None:
        if table_file is not None or not table:
            raise InputError("--postgres DSN needs --table NAME and no FILE")
        rows, source = read_postgres(dsn, table), "postgres"
    else:
        if table_file is None or table is not None:
            raise InputError("give a run table FILE, or --postgres DSN --table NAME")
        rows, source = read_table(table_file), f"import:{table_file}"
    summary = store_metadata(app.database_for(RUNS_DB), rows, source, progress=progress)
    click.echo(
        f"imported {len(rows)} runs from {source}: {summary.created} new, "
        f"{summary.updated} updated, {summary.unchanged} unchanged"
    )
    for line in import_report(summary):
        click.echo(line)


REPORT_RUNS = 20  # runs named in one report line; a whole table could hold thousands


def import_report(summary: ImportSummary) -> list[str]:
    """The facts an import settled that its user must hear of (not errors: exit status 0)."""
    lines = []
    if summary.held:
        held = sorted(summary.held)
        named = ", ".join(str(r) for r in held[:REPORT_RUNS])
        more = f" and {len(held) - REPORT_RUNS} more" if len(held) > REPORT_RUNS else ""
        lines.append(
            f"{len(held)} runs listed complete have no raw files yet: kept incomplete (they "
            f"become complete when their files are registered: gasp runs register): "
            f"{named}{more}"
        )
    retyped = sorted(summary.retyped, key=lambda r: r.run)
    for change in retyped[:REPORT_RUNS]:
        lines.append(
            f"run {change.run}: run type changed from {change.old} (from {change.old_source}) "
            f"to {change.new}: the run table is the authority on run types"
        )
    if len(retyped) > REPORT_RUNS:
        lines.append(f"... and {len(retyped) - REPORT_RUNS} more runs whose type changed")
    return lines


@runs_group.command("list")
@click.option("--from", "first", type=int, help="First run number.")
@click.option("--to", "last", type=int, help="Last run number (included).")
@click.option("--type", "run_type", type=click.Choice(RUN_TYPES), help="Only this run type.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per run.")
@pass_app
def runs_list(
    app: App, first: int | None, last: int | None, run_type: str | None, as_json: bool
) -> None:
    """The runs known, in run order."""
    bounds: dict[str, Any] = {}
    if first is not None:
        bounds["startkey"] = first
    if last is not None:
        bounds["endkey"] = last
    rows = app.database_for(RUNS_DB).view("runs", "by_number", include_docs=True, **bounds)
    docs = []
    for row in rows:
        if row.doc is not None and (run_type is None or row.value[0] == run_type):
            try:
                docs.append(_document(row.doc))
            except StoreError as exc:  # one broken document must not hide every other run
                click.echo(f"gasp: warning: {exc}", err=True)
    if as_json:
        for doc in docs:
            click.echo(json.dumps(_summary(doc)))
        return
    table = Table(title=f"{len(docs)} runs")
    for column in ("run", "type", "complete", "subruns", "files", "start", "end", "source"):
        table.add_column(column, justify="right" if column in ("subruns", "files") else "left")
    for doc in docs:
        info = _summary(doc)
        table.add_row(
            str(doc.run),
            doc.run_type,
            "yes" if doc.complete else "no",
            str(info["subruns"]),
            str(info["files"]),
            doc.start or "-",
            doc.end or "-",
            doc.source,
        )
    Console().print(table if docs else "no runs")


def _document(stored: dict[str, Any]) -> RunDocument:
    """A stored run document, or ``StoreError`` naming it (never a validation traceback)."""
    try:
        return RunDocument.from_document(stored)
    except ValidationError as exc:
        where = f"document {stored.get('_id')!s}"
        raise StoreError(describe_validation_error(exc, where)) from None


def _summary(doc: RunDocument) -> dict[str, Any]:
    return {
        "run": doc.run,
        "run_type": doc.run_type,
        "complete": doc.complete,
        "start": doc.start,
        "end": doc.end,
        "source": doc.source,
        "subruns": len(doc.subruns),
        "files": len(doc.files()),
    }


@runs_group.command("show")
@click.argument("run", type=int)
@click.option("--json", "as_json", is_flag=True, help="The run document as stored.")
@pass_app
def runs_show(app: App, run: int, as_json: bool) -> None:
    """One run: its metadata and every raw file with its replicas."""
    try:
        stored = app.database_for(RUNS_DB).get(run_id(run))
    except NotFound:
        raise InputError(f"run {run} is not known (gasp runs register / import)") from None
    if as_json:
        click.echo(json.dumps(stored, indent=2))
        return
    doc = _document(stored)
    console = Console()
    for name, value in _summary(doc).items():
        console.print(f"{name:>9}: {value if value is not None else '-'}")
    table = Table(title=f"raw files of run {run}")
    for column in ("subrun", "level", "name", "events", "size", "adler32", "replicas"):
        table.add_column(column, justify="right" if column in ("events", "size") else "left")
    for subrun, entry in doc.files():
        table.add_row(
            str(subrun),
            entry.level,
            entry.name,
            str(entry.events),
            str(entry.size),
            entry.adler32,
            ", ".join(f"{r.se}: {r.url}" for r in entry.replicas) or "-",
        )
    console.print(table)
