"""``gasp demo``: a production campaign from request to downloaded ROOT files, on the
embedded default, in the current folder.

It is the tour a new user takes: create the databases (with the toyrat catalogues), submit
a two-module request with a label, run the site client until every pass is completed,
show the status summary and the catalogue's totals, and download the label's files into
``./demo-output/`` with every checksum checked.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gasp.cli.context import App
from gasp.cli.db import db_init
from gasp.client.context import ClientContext
from gasp.client.cycle import Client
from gasp.errors import GaspError
from gasp.grab.download import grab_label
from gasp.store import Database
from gasp.submit.production import submit_production

LABEL = "Demo2026"
REQUEST: dict[str, Any] = {
    "rat_v": "1.0.0",
    "modules": [
        {
            "module": "WaterPmtBetagammas",
            "n_ev": 3000,
            "ev_per_run": 1000,
            "template": {"radius": 7250},
            "label": LABEL,
            "priority": 10,
        },
        {"module": "ScintBi214", "t_run": 1, "t_format": "day", "n_runs": 3, "label": LABEL},
    ],
}
DONE = ("completed", "failed", "partFail", "canceled", "unsatisfied", "deleted")


@click.command("demo")
@click.option(
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo-output"),
    show_default=True,
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=600.0,
    show_default=True,
    help="Give up after this many seconds.",
)
@click.pass_context
def demo_command(ctx: click.Context, output: Path, timeout: float) -> None:
    """Run a small production campaign end to end on the embedded default."""
    app: App = ctx.obj
    console = Console()
    started = time.monotonic()
    console.rule("1. databases and the toyrat catalogues")
    ctx.invoke(db_init)
    db = app.database_for("production")

    console.rule("2. a production request with two modules, label " + LABEL)
    request = Path("demo-request.json")
    request.write_text(json.dumps(REQUEST, indent=2) + "\n", encoding="utf-8")
    submission = submit_production(db, request, outlist=Path("demo.exactly"))
    console.print(
        f"request {submission.request_name}: {submission.written} passes, "
        f"{submission.subjobs} subjobs (.exactly list in demo.exactly)"
    )
    mine = {(m, r, p) for m, r, p in submission.exactly}

    console.rule("3. the site client runs them (local backend, file:// storage element)")
    _run_client(app, db, mine, console, deadline=started + timeout)

    console.rule("4. status and catalogue")
    _print_summary(db, console)

    console.rule(f"5. download label {LABEL} into {output}/")
    with Progress(
        TextColumn("downloading"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        task = bar.add_task("files", total=None)
        summary = grab_label(
            db, LABEL, output, app.config.storage, on_file=lambda n: bar.advance(task, n)
        )
    if summary.failed:
        raise GaspError("download failed for: " + "; ".join(summary.failed))
    console.print(
        f"{summary.downloaded} files downloaded, {summary.present} already there, "
        f"{summary.bytes / 1e6:.1f} MB, every adler32 checked"
    )
    console.rule(f"done in {time.monotonic() - started:.0f} s")


def _run_client(
    app: App, db: Database, mine: set[tuple[str, int, int]], console: Console, deadline: float
) -> None:
    config = app.config
    backend = app.backend()
    client = Client(ClientContext(config=config, db=db, backend=backend), policy="priority")
    columns = (
        TextColumn("passes completed"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    try:
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("", total=len(mine))
            while True:
                report = client.cycle()
                states = _states(db, mine)
                finished = sum(1 for s in states.values() if s in DONE)
                bar.update(
                    task,
                    completed=finished,
                    description=f"running {sum(1 for s in states.values() if s == 'running')}",
                )
                if finished == len(mine):
                    break
                if time.monotonic() > deadline:
                    raise GaspError(f"the demo did not finish in time ({report.line()})")
                time.sleep(0.5)
    finally:
        backend.close()
    bad = {k: s for k, s in _states(db, mine).items() if s != "completed"}
    if bad:
        raise GaspError(
            f"{len(bad)} passes did not complete: "
            + ", ".join(f"{m} {r} {p}: {s}" for (m, r, p), s in sorted(bad.items()))
        )


def _states(db: Database, mine: set[tuple[str, int, int]]) -> dict[tuple[str, int, int], str]:
    rows = db.view("passes", "by_label", startkey=[LABEL], endkey=[LABEL, {}])
    return {
        (str(r.key[1]), int(r.key[2]), int(r.key[3])): str(r.value)
        for r in rows
        if (r.key[1], r.key[2], r.key[3]) in mine
    }


def _print_summary(db: Database, console: Console) -> None:
    counts: dict[str, dict[str, int]] = {}
    for row in db.view("passes", "by_status", group_level=2):
        counts.setdefault(str(row.key[1]), {})[str(row.key[0])] = int(row.value)
    statuses = sorted({s for per in counts.values() for s in per})
    table = Table(title="passes by module and status")
    table.add_column("module")
    for status in statuses:
        table.add_column(status, justify="right")
    for module, per in sorted(counts.items()):
        table.add_row(module, *(str(per.get(s, 0)) for s in statuses))
    console.print(table)
    totals = Table(title=f"catalogued data of label {LABEL}")
    for column in ("data type", "files", "bytes"):
        totals.add_column(column, justify="right" if column != "data type" else "left")
    for row in db.view("data", "by_label", startkey=[LABEL], endkey=[LABEL, {}], group_level=2):
        files, size = row.value
        totals.add_row(str(row.key[1]), str(files), f"{size:,}")
    console.print(totals)
