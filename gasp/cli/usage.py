"""``gasp usage``: record a day's storage and CPU use as documents (safe to run from cron)."""

from __future__ import annotations

import click
from rich.console import Console
from rich.filesize import decimal
from rich.table import Table

from gasp.cli.context import App, pass_app
from gasp.cli.selection import EXIT_SOMETHING_FAILED
from gasp.errors import NotFound
from gasp.model.documents import KINDS, Kind
from gasp.ops.usage import Recorded, check_date, record_usage, today


@click.command("usage")
@click.option(
    "--date", "day", metavar="YYYY-MM-DD", default=None, help="The UTC day (default: today)."
)
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default=None,
    help="One database only (default: production and processing, each if it exists).",
)
@pass_app
def usage_command(app: App, day: str | None, kind: Kind | None) -> None:
    """Write usage:se:<se>:<date> (files and bytes per kind and label on each storage
    element) and usage:cpu:<site>:<date> (CPU and wall hours and subjobs finished that
    day at each site) into each database. Running it again the same day updates the same
    documents."""
    chosen = check_date(day) if day is not None else today()
    console = Console()
    failed = False
    for each in (kind,) if kind is not None else KINDS:
        try:
            db = app.database_for(each)
        except NotFound:
            if kind is not None:
                raise
            console.print(f"{each}: the configured database does not exist, skipped")
            continue
        recorded = record_usage(db, chosen)
        console.print(_table(recorded, f"{each} usage on {chosen}"))
        console.print(
            f"{each}: {recorded.written} documents written, "
            f"{len(recorded.documents) - recorded.written} unchanged, {recorded.zeroed} zeroed"
        )
        for doc_id in recorded.failed:
            console.print(f"not written: {doc_id}: it kept changing")
        failed = failed or bool(recorded.failed)
    if failed:
        raise click.exceptions.Exit(EXIT_SOMETHING_FAILED)


def _table(recorded: Recorded, title: str) -> Table:
    table = Table(title=title)
    for column in ("usage", "kind / label", "files or jobs", "bytes or hours"):
        table.add_column(
            column, justify="right" if column.startswith(("files", "bytes")) else "left"
        )
    for doc in recorded.documents:
        if doc["scope"] == "se":
            table.add_row(f"se {doc['se']}", "total", str(doc["files"]), decimal(doc["bytes"]))
            for count in doc["by_label"]:
                table.add_row(
                    "",
                    f"{count['kind']} / {count['label'] or '-'}",
                    str(count["files"]),
                    decimal(count["bytes"]),
                )
        else:
            table.add_row(
                f"cpu {doc['site']}",
                "",
                str(doc["jobs"]),
                f"{doc['cpu_hours']:.2f} cpu h, {doc['wall_hours']:.2f} wall h",
            )
    return table
