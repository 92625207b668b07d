"""``gasp requests`` and ``gasp exactly``: what was requested, and what it created."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from gasp.cli.context import App, pass_app
from gasp.errors import InputError
from gasp.model.documents import KINDS, RequestDocument, request_document
from gasp.model.exactly import expand, format_lines
from gasp.model.ids import request_id
from gasp.ops.request_progress import (
    RequestProgress,
    progress_of_request,
    progress_of_requests,
    shown_status,
)
from gasp.submit.options import value_problems
from gasp.submit.request_file import raise_problems
from gasp.values import check_name


@click.group("requests")
def requests_group() -> None:
    """Production requests and their status."""


@requests_group.command("list")
@pass_app
def requests_list(app: App) -> None:
    """Every request, oldest first, with its passes counted by status. The status shown
    follows the passes once the submission finished (gasp requests show explains it)."""
    db = app.database_for("production")
    rows = db.all_docs(startkey="request:", endkey="request:\ufff0", include_docs=True)
    docs = sorted(
        (request_document(row.doc) for row in rows if row.doc),
        key=lambda d: str(d.get("created")),
    )
    if not docs:
        Console().print("no requests yet")
        return
    progress = progress_of_requests(db)
    lines = [_list_cells(doc, progress.get(doc["name"], RequestProgress())) for doc in docs]
    if sys.stdout.isatty():
        Console().print(requests_table(lines))
    else:  # piped: whole values, one request a line, for grep, cut and awk
        sys.stdout.write("".join("\t".join(cells) + "\n" for cells in [LIST_COLUMNS, *lines]))


LIST_COLUMNS = ("id", "status", "passes", "version", "labels", "jobs", "requester", "created")


def _list_cells(doc: RequestDocument, progress: RequestProgress) -> tuple[str, ...]:
    return (
        str(doc.get("name")),
        shown_status(doc["status"], progress),
        progress.line(),
        str(doc.get("rat_version")),
        ",".join(doc.get("labels") or []) or "-",
        str(doc.get("n_jobs", "-")),
        str(doc.get("requester", "-")),
        str(doc.get("created", ""))[:19],
    )


def requests_table(lines: list[tuple[str, ...]]) -> Table:
    """The list on a terminal: the id and status are never cut or wrapped, however narrow
    the terminal (an id is what one types next); the other columns fold."""
    table = Table()
    for index, column in enumerate(LIST_COLUMNS):
        if column in ("id", "status"):
            width = max(len(column), *(len(cells[index]) for cells in lines))
            table.add_column(column, no_wrap=True, min_width=width)
        else:
            table.add_column(column, overflow="fold")
    for cells in lines:
        table.add_row(*(Text(cell) for cell in cells))
    return table


@requests_group.command("show")
@click.argument("name", metavar="ID")
@pass_app
def requests_show(app: App, name: str) -> None:
    """One request: its specification, plan, status and its passes by module and status.
    Once its submission finished, the status follows its passes: submitted (all still
    queued), running, then completed, partFail (some output) or failed (none)."""
    doc = _request(app, name)
    progress = progress_of_request(app.database_for(doc["kind"]), doc["name"])
    status = shown_status(doc["status"], progress)
    console = Console()
    for field in (
        "name",
        "requester",
        "created",
        "submitted",
        "source",
        "rat_version",
        "ratdb_tag",
        "n_jobs",
        "n_subjobs",
    ):
        console.print(f"{field:>12}: {doc.get(field, '-')}", markup=False)
    stored = "" if status == doc["status"] else f" (stored: {doc['status']})"
    console.print(f"{'status':>12}: {status}{stored}")
    console.print(f"{'passes':>12}: {progress.line()}")
    console.print(f"{'labels':>12}: {', '.join(doc.get('labels') or []) or '-'}", markup=False)
    console.print(_plan_table(doc))
    if progress.by_module:
        console.print(_progress_table(progress))
    for item in doc.get("history", []):
        console.print(f"  {item.get('at', '')[:19]}  {item.get('status')}  {item.get('by', '')}")


def _progress_table(progress: RequestProgress) -> Table:
    """The request's passes by module and status (from the reduced view, no document)."""
    statuses = list(progress.counts)
    table = Table(title="passes")
    table.add_column("module")
    for status in statuses:
        table.add_column(status, justify="right")
    for module in sorted(progress.by_module):
        line = progress.by_module[module]
        table.add_row(module, *(str(line.get(status, "")) for status in statuses))
    return table


def _plan_table(doc: RequestDocument) -> Table:
    """A production request's plan by entry of its file; a processing request's by module
    (its plan has no file entries: one line per module, with the runs it gives it)."""
    table = Table(title="modules")
    request_spec = doc.get("spec")
    plan = doc.get("plan") or []
    if request_spec is None or "run_list" not in request_spec:
        for column in ("module", "runs"):
            table.add_column(column)
        for planned in plan:
            table.add_row(planned["module"], _runs_text(planned["runs"]))
        return table
    for column in ("entry", "module", "specification", "runs"):
        table.add_column(column)
    by_entry = {p["entry"]: p["runs"] for p in plan if "entry" in p}
    for index, entry in enumerate(request_spec["modules"]):
        spec = ", ".join(f"{k}={v}" for k, v in entry.items() if k != "module")
        table.add_row(
            str(index), str(entry.get("module")), spec, _runs_text(by_entry.get(index, []))
        )
    return table


def _runs_text(runs: list[int]) -> str:
    return f"{len(runs)} runs: {runs[0]}..{runs[-1]}" if runs else "-"


@click.command("exactly")
@click.option("--label", help="Every pass that carries this label.")
@click.option("--request", "name", metavar="ID", help="The passes a request created.")
@pass_app
def exactly_command(app: App, label: str | None, name: str | None) -> None:
    """Print an .exactly list (module run pass) by label or by request."""
    if (label is None) == (name is None):
        raise InputError("give exactly one of --label or --request")
    raise_problems(value_problems("--label", label, check_name))
    if name is not None:
        doc = _request(app, name)
        if doc.get("status") not in ("submitted", "running", "completed"):
            raise InputError(
                f"request {name} is {doc.get('status')}: its submission did not finish "
                "(complete it with gasp submit production --request)"
            )
        sys.stdout.write(format_lines(expand(doc.get("exactly", []))))
        return
    db = app.database_for("production")
    rows = db.view("passes", "by_label", startkey=[label], endkey=[label, {}])
    sys.stdout.write(format_lines((row.key[1], row.key[2], row.key[3]) for row in rows))


def _request(app: App, name: str) -> RequestDocument:
    """A request by name: a production request, else a processing submission's."""
    for kind in KINDS:
        found = app.database_for(kind).get_many([request_id(name)])[0]
        if found is not None:
            return request_document(found)
    raise InputError(f"no request {name!r} (gasp requests list)")
