"""``gasp errors``: the failures of a selection, one line per module and cause."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from gasp.cli.context import App, pass_app
from gasp.cli.selection import resolve, selection_options
from gasp.ops.errors import DEFAULT_STATUSES, ErrorReport, collect_errors
from gasp.passes.selection import SelectionOptions
from gasp.progress import progress


@click.command("errors")
@selection_options
@click.option("--json", "as_json", is_flag=True, help="Print the groups as JSON.")
@pass_app
def errors_command(app: App, selection: SelectionOptions, as_json: bool) -> None:
    """Why passes failed: failed subjobs of failed and partFail passes (--status to
    change), grouped by module, error (numbers, paths, times... replaced), exit code and
    site, with sample jobs and the command that prints their logs."""
    db, chosen = resolve(app, selection, default_statuses=DEFAULT_STATUSES, require_scope=False)
    report = collect_errors(db, chosen, progress=progress)
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(chosen), indent=1) + "\n")
        return
    console = Console()
    console.print(f"errors: {chosen.describe()}", markup=False)
    console.print(f"{report.failures} failures in {report.passes} passes")
    if report.groups:
        console.print(errors_table(report))


def errors_table(report: ErrorReport) -> Table:
    """One row per cause; the samples under it, each with its logs command."""
    table = Table(show_lines=True)
    for column in ("module", "count", "exit", "site", "error / sample jobs"):
        table.add_column(column, justify="right" if column in ("count", "exit") else "left")
    for group in report.ordered():
        samples = [
            f"  {s.module} {s.run} pass {s.pass_number}"
            + (f" subrun {s.subrun}" if s.subrun is not None else "")
            + (f": {s.logs}" if s.logs else "")
            for s in group.samples
        ]
        table.add_row(
            group.module,
            str(group.count),
            "-" if group.exit_code is None else str(group.exit_code),
            group.site or "-",
            Text("\n".join([group.cause, *samples])),  # error text is not markup
        )
    return table
