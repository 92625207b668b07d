"""``gasp requests`` and ``gasp exactly``: what was requested, and what it created."""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from gasp.cli.context import App, pass_app
from gasp.errors import InputError
from gasp.model.ids import request_id
from gasp.submit.exactly import expand, format_lines
from gasp.submit.options import value_problems
from gasp.submit.request_file import raise_problems
from gasp.values import check_name


@click.group("requests")
def requests_group() -> None:
    """Production requests and their status."""


@requests_group.command("list")
@pass_app
def requests_list(app: App) -> None:
    """Every request, oldest first."""
    db = app.database_for("production")
    table = Table()
    for column in ("id", "status", "version", "labels", "jobs", "requester", "created"):
        table.add_column(column)
    rows = db.all_docs(startkey="request:", endkey="request:\ufff0", include_docs=True)
    docs = sorted((row.doc for row in rows if row.doc), key=lambda d: str(d.get("created")))
    for doc in docs:
        table.add_row(
            str(doc.get("name")),
            str(doc.get("status")),
            str(doc.get("rat_version")),
            ", ".join(doc.get("labels") or []) or "-",
            str(doc.get("n_jobs", "-")),
            str(doc.get("requester", "-")),
            str(doc.get("created", ""))[:19],
        )
    Console().print(table if docs else "no requests yet")


@requests_group.command("show")
@click.argument("name", metavar="ID")
@pass_app
def requests_show(app: App, name: str) -> None:
    """One request: its specification, plan and status."""
    doc = _request(app, name)
    console = Console()
    for field in (
        "name",
        "status",
        "requester",
        "created",
        "submitted",
        "source",
        "rat_version",
        "ratdb_tag",
        "n_jobs",
        "n_subjobs",
    ):
        console.print(f"{field:>12}: {doc.get(field, '-')}")
    console.print(f"{'labels':>12}: {', '.join(doc.get('labels') or []) or '-'}")
    table = Table(title="modules")
    for column in ("entry", "module", "specification", "runs"):
        table.add_column(column)
    plan = {int(p["entry"]): p["runs"] for p in doc.get("plan") or []}
    for index, entry in enumerate(doc.get("spec", {}).get("modules", [])):
        spec = ", ".join(f"{k}={v}" for k, v in entry.items() if k != "module")
        runs = plan.get(index, [])
        text = f"{len(runs)} runs: {runs[0]}..{runs[-1]}" if runs else "-"
        table.add_row(str(index), str(entry.get("module")), spec, text)
    console.print(table)
    for item in doc.get("history", []):
        console.print(f"  {item.get('at', '')[:19]}  {item.get('status')}  {item.get('by', '')}")


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


def _request(app: App, name: str) -> dict[str, Any]:
    """A request by name: a production request, else a processing submission's."""
    for kind in ("production", "processing"):
        found = app.database_for(kind).get_many([request_id(name)])[0]
        if found is not None:
            return found
    raise InputError(f"no request {name!r} (gasp requests list)")
