"""``gasp summary``: a status x module (or run) table of a selection, from reduced views."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.table import Table

from gasp.cli.context import App, pass_app
from gasp.cli.selection import resolve, selection_options
from gasp.ops.summary import SUMMARY_BY, Summary, SummaryBy, summarise
from gasp.passes.selection import SelectionOptions


@click.command("summary")
@selection_options
@click.option(
    "--by",
    type=click.Choice(SUMMARY_BY),
    default="module",
    show_default=True,
    help="Rows: modules, or runs (the processing shift's board).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@pass_app
def summary_command(app: App, selection: SelectionOptions, by: SummaryBy, as_json: bool) -> None:
    """How many passes are in each state, by module (or --by run), with totals. Counts
    come from reduced views, so it is cheap on any campaign; with no option it covers
    every pass of the database."""
    db, chosen = resolve(app, selection, require_scope=False)
    summary = summarise(db, chosen, by=by)
    if as_json:
        sys.stdout.write(json.dumps(summary.to_json(chosen), indent=1) + "\n")
        return
    console = Console()
    console.print(f"summary: {chosen.describe()}", markup=False)
    if not summary.counts:
        console.print("no passes")
        return
    console.print(summary_table(summary))


def summary_table(summary: Summary) -> Table:
    """Rows by module or run, one column per status present, totals on both edges."""
    table = Table(caption=f"counted from {summary.source}")
    table.add_column(summary.by, no_wrap=True)
    statuses = summary.statuses
    for status in [*statuses, "total"]:
        table.add_column(status, justify="right")
    for row in summary.rows:
        line = summary.counts[row]
        cells = [str(line.get(s, 0)) if line.get(s) else "" for s in statuses]
        table.add_row(str(row), *cells, str(sum(line.values())))
    totals = summary.totals()
    table.add_row("total", *(str(totals[s]) for s in statuses), str(summary.total()), style="bold")
    return table
