"""The selection options every operator command shares, and the plan-confirm-apply flow of
the ones that change passes.

``selection_options`` adds the same options, with the same help, to every command, so
``gasp summary --label X --status failed`` and ``gasp retry --label X`` mean the same
passes. ``operate`` is the one way a command changes passes: it shows the plan (what the
edit would do to the documents as they are now, by module and transition), stops there
with ``--dry-run``, asks unless ``--yes``, applies it in bulk with a progress bar, prints
what it did and exits 1 if any pass could not be changed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from gasp.cli.context import App
from gasp.cli.numbers import POSITIVE, RUN
from gasp.errors import InputError
from gasp.model.documents import Kind
from gasp.ops.apply import Applied, OperatorEdit, edit_passes
from gasp.passes.selection import (
    PassKey,
    Selection,
    SelectionOptions,
    candidates,
    make_selection,
    request_kind,
)
from gasp.progress import progress
from gasp.store import Database
from gasp.values import parse_run

F = TypeVar("F", bound=Callable[..., Any])
EXIT_SOMETHING_FAILED = 1


MAX_LISTED_RUNS = 100_000  # runs --runs may spell out, ranges included


@dataclass(frozen=True)
class RunsOption:
    """``--runs`` as given: single runs, and ``A-B`` ranges."""

    runs: tuple[int, ...] = ()
    ranges: tuple[tuple[int, int], ...] = ()


def _split_runs(_ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> RunsOption:
    """``--runs 5,7 --runs 100-200``: runs and ranges, each part checked as a run."""
    runs: list[int] = []
    ranges: list[tuple[int, int]] = []
    for value in values:
        for part in (p.strip() for p in value.split(",")):
            first, dash, last = part.partition("-")
            try:
                if dash:
                    ranges.append((parse_run(first.strip()), parse_run(last.strip())))
                else:
                    runs.append(parse_run(part))
            except ValueError as exc:
                raise click.BadParameter(f"{part!r}: {exc}", param=param) from None
    return RunsOption(tuple(runs), tuple(ranges))


def _runs_and_range(
    given: RunsOption, runrange: tuple[int, int] | None, problems: list[str]
) -> tuple[tuple[int, ...], tuple[int, int] | None]:
    """One ``--runs A-B`` alone is a run range (any width); otherwise ranges are spelt out
    as runs, up to ``MAX_LISTED_RUNS``."""
    for first, last in given.ranges:
        if first > last:
            problems.append(f"--runs: {first}-{last} ends before it starts (give A-B with A <= B)")
            return given.runs, runrange
    if len(given.ranges) == 1 and not given.runs and runrange is None:
        return (), given.ranges[0]
    spelt = sum(last - first + 1 for first, last in given.ranges)
    if spelt + len(given.runs) > MAX_LISTED_RUNS:
        problems.append(
            f"--runs: {spelt + len(given.runs)} runs listed; give one range A-B "
            f"(or --runrange A B) for more than {MAX_LISTED_RUNS}"
        )
        return given.runs, runrange
    runs = list(given.runs)
    for first, last in given.ranges:
        runs.extend(range(first, last + 1))
    return tuple(runs), runrange


def selection_options(command: F) -> F:
    """Add the shared selection options; the command receives ``selection: SelectionOptions``."""
    options = [
        click.option("--label", help="Passes that carry this campaign label."),
        click.option("--request", "request", metavar="ID", help="The passes a request created."),
        click.option(
            "--exactly",
            type=click.Path(path_type=Path, dir_okay=False),
            help="An .exactly list: one 'module run pass' a line.",
        ),
        click.option(
            "--modules",
            "--module",
            "modules",
            multiple=True,
            metavar="GLOB",
            help="Modules by name or shell glob (repeatable); --modules '*' means every one.",
        ),
        click.option("--version", "version", metavar="V", help="Software version of the pass."),
        click.option(
            "--kind",
            type=click.Choice(["production", "processing"]),
            default=None,
            help="Which database (default: production; a --request finds its own).",
        ),
        click.option("--runrange", nargs=2, type=RUN, default=None, metavar="A B"),
        click.option(
            "--runs",
            multiple=True,
            callback=_split_runs,
            metavar="R[,R|A-B...]",
            help="Runs and run ranges A-B (comma-separated, repeatable).",
        ),
        click.option(
            "-L",
            "--runlist",
            type=click.Path(path_type=Path, dir_okay=False),
            help="A run list file: one run a line.",
        ),
        click.option(
            "--status", "statuses", multiple=True, metavar="S[,S...]", help="Pass status(es)."
        ),
        click.option("--pass", "pass_number", type=POSITIVE, default=None, help="Pass number."),
        click.option("--lastpass", is_flag=True, help="Only the last pass of each job."),
    ]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        problems: list[str] = []
        runs, runrange = _runs_and_range(kwargs.pop("runs"), kwargs.pop("runrange"), problems)
        kwargs["selection"] = SelectionOptions(
            kind=kwargs.pop("kind"),
            label=kwargs.pop("label"),
            request=kwargs.pop("request"),
            exactly=kwargs.pop("exactly"),
            modules=kwargs.pop("modules"),
            version=kwargs.pop("version"),
            runrange=runrange,
            runs=runs,
            runlist=kwargs.pop("runlist"),
            statuses=kwargs.pop("statuses"),
            pass_number=kwargs.pop("pass_number"),
            last_pass=kwargs.pop("lastpass"),
            problems=problems,
        )
        return command(*args, **kwargs)

    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


def change_options(command: F) -> F:
    """``--dry-run`` and ``--yes``, for every command that changes state."""
    command = click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")(
        command
    )
    return click.option("--dry-run", is_flag=True, help="Show what would change, and stop.")(
        command
    )


def resolve(
    app: App,
    options: SelectionOptions,
    *,
    default_statuses: Iterable[str] = (),
    require_scope: bool = True,
) -> tuple[Database, Selection]:
    """The checked selection and the database it reads (a request finds its kind)."""
    selection = make_selection(options, default_statuses=default_statuses)
    if require_scope and not selection.scoped:
        raise InputError(
            "say which passes: give --label, --request, --exactly, --modules or --version "
            "(--modules '*' for every module)"
        )
    kind: Kind = selection.kind
    if options.kind is None and selection.request is not None:
        kind = request_kind(
            {k: app.database_for(k) for k in ("production", "processing")}, selection.request
        )
        selection = Selection(**{**selection.__dict__, "kind": kind})
    return app.database_for(kind), selection


def operate(
    db: Database,
    selection: Selection,
    edit: OperatorEdit,
    *,
    verb: str,
    dry_run: bool,
    yes: bool,
    console: Console | None = None,
    keys: Sequence[PassKey] | None = None,
    unchanged: str | None = None,
) -> Applied | None:
    """Plan, show, confirm and apply ``edit``; ``None`` when nothing was applied.

    ``keys``: the passes to look at when the command finds them its own way (default: the
    selection's candidates); ``unchanged``: what the plan says of a pass the edit changes
    without moving its state (``gasp cancel``: "cancel requested").
    """
    out = console or Console()
    keys = [row.key for row in candidates(db, selection)] if keys is None else list(keys)
    plan = edit_passes(
        db, keys, selection, edit, dry_run=True, progress=progress, description="reading passes"
    )
    out.print(f"{verb}: {selection.describe()}")
    if not plan.changed:
        out.print(f"nothing to {verb}: no selected pass needs it ({len(keys)} looked at)")
        return None
    out.print(
        transition_table(
            plan, title="would change" if dry_run else "will change", unchanged=unchanged
        )
    )
    if dry_run:
        out.print("dry run: nothing written")
        return None
    if not yes:
        click.confirm(f"{verb} {len(plan.changed)} passes?", abort=True, err=True)
    done = edit_passes(
        db,
        [change.key for change in plan.changed],
        selection,
        edit,
        progress=progress,
        description=verb,
    )
    out.print(transition_table(done, title="changed", unchanged=unchanged))
    report_failures(done, out)
    return done


def transition_table(applied: Applied, *, title: str, unchanged: str | None = None) -> Table:
    table = Table(title=title)
    for column in ("module", "from", "to", "passes"):
        table.add_column(column, justify="right" if column == "passes" else "left")
    for (module, before, after), count in sorted(applied.count_by().items()):
        shown = unchanged if unchanged is not None and after == before else after
        table.add_row(module, before, shown, str(count))
    table.add_row("total", "", "", str(len(applied.changed)), style="bold")
    return table


def report_failures(applied: Applied, out: Console) -> None:
    """Name the passes that could not be changed; exit 1 if there are any."""
    if not applied.failed:
        return
    for (module, run, pass_number), why in applied.failed[:20]:
        out.print(f"not changed: {module} {run} {pass_number}: {why}")
    if len(applied.failed) > 20:
        out.print(f"... and {len(applied.failed) - 20} more")
    raise click.exceptions.Exit(EXIT_SOMETHING_FAILED)


__all__ = [
    "EXIT_SOMETHING_FAILED",
    "change_options",
    "operate",
    "report_failures",
    "resolve",
    "selection_options",
    "transition_table",
]
