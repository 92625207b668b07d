"""``gasp stats``: CPU, wall time, events, files and bytes of finished passes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from gasp.cli.context import App, pass_app
from gasp.cli.selection import resolve, selection_options
from gasp.errors import InputError
from gasp.ops.stats import DEFAULT_STATUSES, Figures, Stats, collect_stats
from gasp.passes.selection import SelectionOptions
from gasp.progress import progress


@click.command("stats")
@click.argument(
    "exactly_file",
    metavar="[EXACTLY]",
    required=False,
    type=click.Path(path_type=Path, dir_okay=False),
)
@selection_options
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@pass_app
def stats_command(
    app: App, exactly_file: Path | None, selection: SelectionOptions, as_json: bool
) -> None:
    """What completed passes cost and delivered, per module and in total: CPU and wall
    time (from their subjobs), events, files and bytes (from their catalogued data).
    Give an .exactly list, or --request / --label and the other selection options."""
    if exactly_file is not None:
        if selection.exactly is not None:
            raise InputError("EXACTLY and --exactly: give the .exactly list once")
        selection.exactly = exactly_file
    db, chosen = resolve(app, selection, default_statuses=DEFAULT_STATUSES)
    stats = collect_stats(db, chosen, progress=progress)
    if as_json:
        sys.stdout.write(json.dumps(stats.to_json(chosen), indent=1) + "\n")
        return
    console = Console()
    console.print(f"stats: {chosen.describe()}", markup=False)
    if not stats.modules:
        console.print("no passes")
        return
    console.print(stats_table(stats))
    if stats.missing_data:
        console.print(f"{stats.missing_data} data documents named by subjobs were not found")


_COLUMNS = ("module", "passes", "subjobs", "CPU h", "wall h", "events", "files", "size")


def stats_table(stats: Stats) -> Table:
    table = Table()
    for column in _COLUMNS:
        table.add_column(column, justify="left" if column == "module" else "right")
    for name in sorted(stats.modules):
        table.add_row(name, *_cells(stats.modules[name]))
    table.add_row("total", *_cells(stats.total()), style="bold")
    return table


def _cells(figures: Figures) -> list[str]:
    return [
        str(figures.passes),
        str(figures.subjobs),
        f"{figures.cpu_s / 3600:.2f}",
        f"{figures.wall_s / 3600:.2f}",
        str(figures.events),
        str(figures.files),
        _size(figures.bytes),
    ]


def _size(count: int) -> str:
    """Bytes in the largest 1000-based unit that keeps the number at 1 or more."""
    value, unit = float(count), "B"
    for bigger in ("kB", "MB", "GB", "TB", "PB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{count} B" if unit == "B" else f"{value:.1f} {unit}"
