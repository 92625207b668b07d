"""``gasp submit``: production requests into job passes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from gasp.cli.context import App, pass_app
from gasp.progress import progress
from gasp.submit.plan import JobPlan
from gasp.submit.production import Submission, submit_production


@click.group("submit")
def submit_group() -> None:
    """Create job passes from requests."""


@submit_group.command("production")
@click.argument("request_file", metavar="REQUEST.json", type=click.Path(path_type=Path))
@click.option("-t", "--ratdb-tag", help="Database tag the jobs run with.")
@click.option(
    "-o",
    "--outlist",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Append the .exactly lines (module run pass) to this file.",
)
@click.option(
    "-L",
    "--runlist",
    type=click.Path(path_type=Path),
    help="Run numbers for run-mode entries without run_numbers, one per line.",
)
@click.option("--dry-run", is_flag=True, help="Validate and show the jobs; write nothing.")
@click.option("--request", "resume", metavar="ID", help="Complete an interrupted submission.")
@pass_app
def submit_production_command(
    app: App,
    request_file: Path,
    ratdb_tag: str | None,
    outlist: Path | None,
    runlist: Path | None,
    dry_run: bool,
    resume: str | None,
) -> None:
    """Turn a production REQUEST.json into job passes (all or nothing)."""
    console = Console()

    def announce(name: str) -> None:
        console.print(
            f"request [bold]{name}[/bold]: if interrupted, complete it with "
            f"'gasp submit production --request {name} {request_file}'"
        )

    result = submit_production(
        app.database_for("production"),
        request_file,
        ratdb_tag=ratdb_tag,
        run_list_path=runlist,
        outlist=outlist,
        resume=resume,
        dry_run=dry_run,
        advance_factory=lambda total: progress("writing passes", total),
        on_request=announce,
    )
    _print_summary(console, result)


def _print_summary(console: Console, result: Submission) -> None:
    table = Table(title="dry run: nothing written" if result.dry_run else None)
    for column in ("entry", "module", "mode", "jobs", "subjobs", "events", "runs", "label", "prio"):
        table.add_column(
            column, justify="right" if column in ("jobs", "subjobs", "events") else "left"
        )
    by_entry: dict[int, list[JobPlan]] = {}
    for job in result.jobs:
        by_entry.setdefault(job.entry, []).append(job)
    for entry, jobs in sorted(by_entry.items()):
        first = jobs[0]
        events = [j.n_events for j in jobs]
        table.add_row(
            str(entry),
            first.module,
            first.event_mode,
            str(len(jobs)),
            str(sum(len(j.subjobs) for j in jobs)),
            str(sum(e for e in events if e)) if all(e is not None for e in events) else "-",
            _runs_text([j.run for j in jobs]),
            ", ".join(first.labels) or "-",
            str(first.priority),
        )
    console.print(table)
    if not result.dry_run:
        console.print(
            f"request {result.request_name}: {result.written} passes written"
            + (f", {result.already_present} already present" if result.already_present else "")
            + f"; {len(result.jobs)} jobs, {result.subjobs} subjobs"
        )


def _runs_text(runs: Sequence[int]) -> str:
    ordered = sorted(runs)
    if len(ordered) > 3 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}"
    return " ".join(str(r) for r in ordered[:6]) + (" ..." if len(ordered) > 6 else "")
