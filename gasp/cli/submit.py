"""``gasp submit``: production requests and detector runs into job passes.

Numbers on the command line follow the same rules as in files (``gasp.cli.numbers``).
Options that contradict each other are refused, not silently resolved; the other values
(tags, names, ``-o``) are checked by ``gasp.submit`` itself, so every caller gets the
same checks. The commands pass the progress bar of ``gasp.progress`` to the submitters.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from gasp.catalog.stored import stored_versions
from gasp.cli.context import App, pass_app
from gasp.cli.numbers import POSITIVE, PRIORITY, RUN, RUN_OR_ZERO
from gasp.errors import InputError
from gasp.model.runlist import read_run_list
from gasp.progress import progress
from gasp.store import Database
from gasp.submit.lifecycle import SubmitResult
from gasp.submit.options import parse_runs_option
from gasp.submit.plan import JobPlan
from gasp.submit.processing import ProcessingOptions, ProcessingSubmitResult, submit_processing
from gasp.submit.processing_plan import ProcessingJobPlan
from gasp.submit.production import submit_production
from gasp.submit.production_processing import (
    SourceSpec,
    production_options,
    submit_production_processing,
)
from gasp.submit.request_file import raise_problems
from gasp.submit.sensing import Selection, check_bounds, dedupe, sensing_selection
from gasp.values import check_duration

# Options more than one submit command takes (click builds a new option per use).
RATDB_TAG = click.option("-t", "--ratdb-tag", help="Database tag the jobs run with.")
OUTLIST = click.option(
    "-o",
    "--outlist",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Append the .exactly lines (module run pass) to this file.",
)
DRY_RUN = click.option("--dry-run", is_flag=True, help="Validate and show the jobs; write nothing.")
RAT_VERSION = click.option(
    "--rat-v", "rat_version", help="Software version (default: the only one stored)."
)
PRIORITY_OPTION = click.option(
    "--priority",
    type=PRIORITY,
    default=0,
    show_default=True,
    help="Queue priority.",
)


@click.group("submit")
def submit_group() -> None:
    """Create job passes from requests."""


@submit_group.command("production")
@click.argument("request_file", metavar="REQUEST.json", type=click.Path(path_type=Path))
@RATDB_TAG
@OUTLIST
@click.option(
    "-L",
    "--runlist",
    type=click.Path(path_type=Path),
    help="Run numbers for run-mode entries without run_numbers, one per line.",
)
@DRY_RUN
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
        limits=app.config.submit,
        progress=progress,
        on_request=announce,
    )
    _print_summary(console, result)


def _print_summary(console: Console, result: SubmitResult[JobPlan]) -> None:
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


def _selection(
    db: Database,
    start_run: int | None,
    block: tuple[int, int] | None,
    run_range: tuple[int, int] | None,
    after: int | None,
    runs: Sequence[str],
    runlist: Path | None,
) -> Selection:
    """Exactly one way of choosing runs, as the options say."""
    given = [
        name
        for name, value in (
            ("--start-run", start_run),
            ("--block", block),
            ("--range", run_range),
            ("--after", after),
            ("--runs", runs or None),
            ("-L", runlist),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise InputError(
            "choose the runs with exactly one of --start-run, --block, --range, --after, "
            f"--runs, -L (given: {', '.join(given) or 'none'})"
        )
    if start_run is not None:
        return sensing_selection(db, start_run)
    if block is not None:
        raise_problems(check_bounds(*block, "--block"))
        return Selection("block", first=block[0], last=block[1])
    if run_range is not None:
        raise_problems(check_bounds(*run_range, "--range"))
        return Selection("reprocess", first=run_range[0], last=run_range[1])
    if after is not None:
        return Selection("reprocess", first=after + 1)
    if runs:
        listed, problems = parse_runs_option(runs)
        raise_problems(problems)
        return Selection("reprocess", runs=dedupe(listed))
    assert runlist is not None
    listed, problems = read_run_list(runlist)
    raise_problems(problems)
    return Selection("reprocess", runs=dedupe(listed))


def _version(db: Database, given: str | None) -> str:
    """``--rat-v``, or the one processing catalogue stored when there is only one."""
    if given is not None:
        return given
    versions = stored_versions(db, "processing")
    if len(versions) != 1:
        raise InputError(
            "give the software version with --rat-v (processing catalogues stored: "
            f"{', '.join(versions) or 'none'})"
        )
    return versions[0]


@submit_group.command("processing")
@click.option("--start-run", type=RUN_OR_ZERO, help="Sense complete runs after RUN.")
@click.option("--block", type=(RUN, RUN), metavar="START END", help="First passes of a block.")
@click.option(
    "--range", "run_range", type=(RUN, RUN), metavar="START END", help="Reprocess a range."
)
@click.option("--after", type=RUN_OR_ZERO, help="Reprocess every run after RUN.")
@click.option("--runs", multiple=True, metavar="RUN[,RUN...]", help="Reprocess these runs.")
@click.option("-L", "--runlist", type=click.Path(path_type=Path), help="Reprocess listed runs.")
@click.option("-N", "--module", "modules", multiple=True, help="Module (instead of defaults).")
@RAT_VERSION
@RATDB_TAG
@PRIORITY_OPTION
@OUTLIST
@click.option("--find-prereq", is_flag=True, help="Read the latest completed prerequisite pass.")
@click.option(
    "--force-prereq-pass",
    "forced",
    type=(str, POSITIVE),
    multiple=True,
    metavar="MODULE PASS",
    help="Read this pass of a prerequisite module.",
)
@DRY_RUN
@click.option("--loop", is_flag=True, help="With --start-run: sense again every --interval.")
@click.option(
    "--interval", type=click.FloatRange(min=1), help="With --loop: seconds between passes [300]."
)
@click.option("--max-passes", type=POSITIVE, help="With --loop: stop after N.")
@pass_app
def submit_processing_command(
    app: App,
    start_run: int | None,
    block: tuple[int, int] | None,
    run_range: tuple[int, int] | None,
    after: int | None,
    runs: tuple[str, ...],
    runlist: Path | None,
    modules: tuple[str, ...],
    rat_version: str | None,
    ratdb_tag: str | None,
    priority: int,
    outlist: Path | None,
    find_prereq: bool,
    forced: tuple[tuple[str, int], ...],
    dry_run: bool,
    loop: bool,
    interval: float | None,
    max_passes: int | None,
) -> None:
    """Create processing passes for detector runs: sensed, a block, or reprocessed."""
    interval = _loop_options(loop, start_run, interval, max_passes)
    db = app.database_for("processing")
    console = Console()
    number = 0
    while True:
        number += 1
        options = ProcessingOptions(
            selection=_selection(db, start_run, block, run_range, after, runs, runlist),
            rat_version=_version(db, rat_version),
            modules=tuple(dict.fromkeys(modules)),
            ratdb_tag=ratdb_tag,
            find_prereq=find_prereq,
            forced=dict(forced),
            priority=priority,
        )
        result = submit_processing(
            db,
            options,
            outlist=outlist,
            dry_run=dry_run,
            limits=app.config.submit,
            progress=progress,
        )
        _print_processing(console, result)
        if not loop or (max_passes is not None and number >= max_passes):
            return
        time.sleep(interval)


def _loop_options(
    loop: bool, start_run: int | None, interval: float | None, max_passes: int | None
) -> float:
    """The seconds between passes; ``--loop``'s options only with ``--loop``."""
    problems = []
    if loop and start_run is None:
        problems.append("--loop senses new runs: it needs --start-run")
    if not loop:
        given = [
            option
            for option, value in (("--interval", interval), ("--max-passes", max_passes))
            if value is not None
        ]
        problems += [f"{option} is an option of --loop, which is not given" for option in given]
    try:
        seconds = check_duration(300.0 if interval is None else interval)
    except ValueError as exc:
        problems.append(f"--interval: {exc}")
        seconds = 300.0
    raise_problems(problems)
    return seconds


def _print_processing(console: Console, result: ProcessingSubmitResult) -> None:
    table = Table(title="dry run: nothing written" if result.dry_run else None)
    for column in ("module", "level", "jobs", "subjobs", "runs", "status"):
        table.add_column(column, justify="right" if column in ("jobs", "subjobs") else "left")
    by_module: dict[str, list[ProcessingJobPlan]] = {}
    for job in result.jobs:
        by_module.setdefault(job.module, []).append(job)
    for module, jobs in by_module.items():
        prerequisites = {p.module for j in jobs for p in j.prerequisites}
        table.add_row(
            module,
            jobs[0].level,
            str(len(jobs)),
            str(sum(len(j.subjobs) for j in jobs)),
            _runs_text([j.run for j in jobs]),
            f"after {', '.join(sorted(prerequisites))}" if prerequisites else "waiting",
        )
    if result.jobs:
        console.print(table)
    for run, why in result.held:
        console.print(f"run {run}: held, not processed: {why} (gasp calib release TYPE)")
    if result.skipped:
        console.print(f"{len(result.skipped)} runs already processed: {_runs_text(result.skipped)}")
    if not result.jobs:
        console.print("no runs to process")
    elif not result.dry_run:
        console.print(
            f"request {result.request_name}: {result.written} passes written; "
            f"{len(result.jobs)} jobs, {result.subjobs} subjobs"
        )


@submit_group.command("production-processing")
@click.option("--source", "source_module", required=True, help="Production module to process.")
@click.option("--label", help="Only the source's passes carrying this campaign label.")
@click.option("--data-type", default="ratds", show_default=True, help="Source output read.")
@click.option("-N", "--module", "modules", multiple=True, help="Processing module (repeatable).")
@RAT_VERSION
@RATDB_TAG
@PRIORITY_OPTION
@OUTLIST
@DRY_RUN
@pass_app
def submit_production_processing_command(
    app: App,
    source_module: str,
    label: str | None,
    data_type: str,
    modules: tuple[str, ...],
    rat_version: str | None,
    ratdb_tag: str | None,
    priority: int,
    outlist: Path | None,
    dry_run: bool,
) -> None:
    """Run processing modules on a production module's simulated output."""
    processing = app.database_for("processing")
    options = production_options(_version(processing, rat_version), modules, ratdb_tag, priority)
    result = submit_production_processing(
        app.database_for("production"),
        processing,
        SourceSpec(source_module, label, data_type),
        options,
        outlist=outlist,
        dry_run=dry_run,
        limits=app.config.submit,
        progress=progress,
    )
    _print_processing(Console(), result)
