"""``gasp demo``: a production campaign from request to downloaded ROOT files, on the
embedded default, in the current folder, with a shift's work in the middle.

It is the tour a new user takes: create the databases (with the toyrat catalogues), submit
a three-module request with a label, run the site client until every pass has ended, then
do what the person on shift does: ``gasp summary`` (what ended how), ``gasp errors`` (why
the failures failed), ``gasp retry`` and the client again, ``gasp summary`` once more; and
finally download the label's files into ``./demo-output/`` with every checksum checked.

Two things go wrong on purpose, as they do in real campaigns:

* one job crashes once, as on a bad worker node (toyrat's ``TOYRAT_FAIL=crash``, armed for
  a single crash by ``TOYRAT_FAIL_ONCE``): a crash is not a failure the site retries by
  itself, so it waits for the shift, and its retry completes;
* one entry of the request asks for something the macro cannot do (a ``WaterExternalTl208``
  shell whose inner radius is outside its outer one): it fails for good, every time, and
  ``gasp errors`` says why in one line. Its retry fails again; the demo ends with it
  ``failed``, which is what a shift would then report to the requester.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gasp.cli.context import App
from gasp.cli.db import db_init
from gasp.cli.errors import errors_table
from gasp.cli.grab import grab
from gasp.cli.selection import operate
from gasp.cli.summary import summary_table
from gasp.client.context import ClientContext
from gasp.client.cycle import Client
from gasp.errors import GaspError
from gasp.grab.local import Placement
from gasp.grab.wanted import DEFAULT_STATUSES
from gasp.model.clock import utc_now
from gasp.ops.errors import collect_errors
from gasp.ops.operator import operator_name
from gasp.ops.retry import retry_edit
from gasp.ops.summary import summarise
from gasp.passes.selection import Selection, SelectionOptions, make_selection
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
        {
            "module": "WaterExternalTl208",
            "n_ev": 1000,
            "ev_per_run": 1000,
            "template": {"inner_radius": 7500},  # outside the 7000 mm shell: fails for good
            "label": LABEL,
        },
    ],
}
FAILS_FOR_GOOD = "WaterExternalTl208"
DONE = ("completed", "failed", "partFail", "canceled", "unsatisfied", "deleted")
CRASH_ONCE = {"TOYRAT_FAIL": "crash", "TOYRAT_FAIL_ONCE": "demo-crashed-once"}


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

    console.rule("2. a production request with three modules, label " + LABEL)
    request = Path("demo-request.json")
    request.write_text(json.dumps(REQUEST, indent=2) + "\n", encoding="utf-8")
    submission = submit_production(db, request, outlist=Path("demo.exactly"))
    console.print(
        f"request {submission.request_name}: {submission.written} passes, "
        f"{submission.subjobs} subjobs (.exactly list in demo.exactly)"
    )
    mine = {(m, r, p) for m, r, p in submission.exactly}

    console.rule("3. the site client runs them (local backend, file:// storage element)")
    console.print(
        "one job will crash once, as on a bad worker node (TOYRAT_FAIL=crash, once), and "
        f"the {FAILS_FOR_GOOD} entry asks for a shell its macro cannot make"
    )
    with _crashing_once(Path(app.config.backend.workdir)):
        _run_client(app, db, mine, console, deadline=started + timeout)

    console.rule("4. on shift: gasp summary, gasp errors")
    shift = make_selection(SelectionOptions(label=LABEL))
    console.print(f"$ gasp summary --label {LABEL}")
    console.print(summary_table(summarise(db, shift)))
    console.print(f"$ gasp errors --label {LABEL}")
    console.print(errors_table(collect_errors(db, _failed(shift))))

    console.rule("5. on shift: gasp retry, and the client again")
    console.print(f"$ gasp retry --label {LABEL} --yes")
    edit = retry_edit(at=utc_now(), by=operator_name(app.config.ops.operator))
    operate(db, _failed(shift), edit, verb="retry", dry_run=False, yes=True, console=console)
    _run_client(app, db, mine, console, deadline=started + timeout)
    console.print(f"$ gasp summary --label {LABEL}")
    console.print(summary_table(summarise(db, shift)))
    _check_outcome(db, mine)
    _print_catalogue(db, console)

    console.rule(f"6. gasp grab --label {LABEL} -o {output} --flat")
    catalogued = make_selection(SelectionOptions(label=LABEL), default_statuses=DEFAULT_STATUSES)
    report = grab(db, catalogued, Placement(output, flat=True), console=console)
    if report is None or report.failed:
        raise GaspError("the download of the demo's files failed (see above)")
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


@contextmanager
def _crashing_once(folder: Path) -> Iterator[None]:
    """Arm toyrat's single crash for the jobs this process starts, and disarm it after."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / CRASH_ONCE["TOYRAT_FAIL_ONCE"]
    marker.unlink(missing_ok=True)
    saved = {key: os.environ.get(key) for key in CRASH_ONCE}
    os.environ["TOYRAT_FAIL"] = CRASH_ONCE["TOYRAT_FAIL"]
    os.environ["TOYRAT_FAIL_ONCE"] = str(marker.resolve())
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _failed(selection: Selection) -> Selection:
    """The shift's selection, narrowed to what ``errors`` and ``retry`` look at."""
    return replace(selection, statuses=frozenset({"failed", "partFail"}))


def _check_outcome(db: Database, mine: set[tuple[str, int, int]]) -> None:
    """After the retry, everything completes but the entry that cannot work."""
    bad = {
        key: state
        for key, state in _states(db, mine).items()
        if state != ("failed" if key[0] == FAILS_FOR_GOOD else "completed")
    }
    if bad:
        raise GaspError(
            f"{len(bad)} passes did not end as the tour expects: "
            + ", ".join(f"{m} {r} {p}: {s}" for (m, r, p), s in sorted(bad.items()))
        )


def _states(db: Database, mine: set[tuple[str, int, int]]) -> dict[tuple[str, int, int], str]:
    rows = db.view("passes", "by_label", startkey=[LABEL], endkey=[LABEL, {}])
    return {
        (str(r.key[1]), int(r.key[2]), int(r.key[3])): str(r.value)
        for r in rows
        if (r.key[1], r.key[2], r.key[3]) in mine
    }


def _print_catalogue(db: Database, console: Console) -> None:
    totals = Table(title=f"catalogued data of label {LABEL}")
    for column in ("data type", "files", "bytes"):
        totals.add_column(column, justify="right" if column != "data type" else "left")
    for row in db.view("data", "by_label", startkey=[LABEL], endkey=[LABEL, {}], group_level=2):
        files, size = row.value
        totals.add_row(str(row.key[1]), str(files), f"{size:,}")
    console.print(totals)
