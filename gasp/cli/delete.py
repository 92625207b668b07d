"""``gasp delete``: the outputs of completed (or ``--status partFail``) passes, for good."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.filesize import decimal
from rich.table import Table

from gasp.cli.context import App, pass_app
from gasp.cli.selection import (
    EXIT_SOMETHING_FAILED,
    change_options,
    resolve,
    selection_options,
)
from gasp.model.clock import utc_now
from gasp.ops.delete import (
    DEFAULT_STATUSES,
    DeleteOutcome,
    DeletePlan,
    check_statuses,
    delete_outputs,
    plan_delete,
)
from gasp.ops.operator import operator_name
from gasp.ops.removal import check_log_path, default_log, removal_log
from gasp.passes.selection import SelectionOptions, candidates
from gasp.progress import progress


@click.command("delete")
@selection_options
@click.option(
    "--log",
    "log_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Record each file's outcome here (appended). Default: ./gasp-delete-<UTC time>.log",
)
@change_options
@pass_app
def delete_command(
    app: App, selection: SelectionOptions, log_path: Path | None, dry_run: bool, yes: bool
) -> None:
    """Delete the outputs of the selected passes (completed and partFail by default) from
    every storage element, then their data documents, then mark the passes deleted.

    A file already missing counts as deleted. A file that cannot be deleted keeps its data
    document and pass (exit status 1): run the same command again to finish."""
    path = check_log_path(log_path or default_log("delete"))
    db, chosen = resolve(app, selection, default_statuses=DEFAULT_STATUSES)
    check_statuses(chosen)
    console = Console()
    keys = [row.key for row in candidates(db, chosen)]
    plan = plan_delete(db, keys, chosen, progress=progress)
    console.print(f"delete: {chosen.describe()}")
    if plan.already_deleted:
        console.print(f"already deleted: {plan.already_deleted} passes")
    if not plan.keys:
        console.print(f"nothing to delete: no selected pass has outputs ({len(keys)} looked at)")
        return
    console.print(plan_table(plan, title="would delete" if dry_run else "will delete"))
    if dry_run:
        console.print("dry run: nothing deleted")
        return
    total = plan.total()
    if not yes:
        click.confirm(
            f"delete {total.replicas} files ({decimal(total.bytes)}) of {total.passes} passes "
            "from storage, for good?",
            abort=True,
            err=True,
        )
    console.print(f"log: {path.resolve()}")
    by = operator_name(app.config.ops.operator)
    with removal_log(path) as log:
        outcome = delete_outputs(
            db,
            plan.keys,
            chosen,
            at=utc_now(),
            by=by,
            streams=app.config.ops.delete_streams,
            log=log,
            progress=progress,
        )
    _summary(console, outcome, path)


def plan_table(plan: DeletePlan, *, title: str) -> Table:
    table = Table(title=title)
    columns = ("module", "passes", "data documents", "files", "replicas", "bytes")
    for column in columns:
        table.add_column(column, justify="left" if column == "module" else "right")
    for module, part in sorted(plan.modules.items()):
        table.add_row(
            module,
            *_figures(part.passes, part.documents, part.files, part.replicas),
            decimal(part.bytes),
        )
    total = plan.total()
    table.add_row(
        "total",
        *_figures(total.passes, total.documents, total.files, total.replicas),
        decimal(total.bytes),
        style="bold",
    )
    return table


def _figures(*numbers: int) -> list[str]:
    return [str(number) for number in numbers]


def _summary(console: Console, outcome: DeleteOutcome, log: Path) -> None:
    console.print(
        f"files deleted: {outcome.removed}, already missing: {outcome.missing}, "
        f"failed: {len(outcome.failed)} ({decimal(outcome.bytes)} freed or already free)"
    )
    console.print(
        f"data documents deleted: {outcome.documents}; "
        f"passes marked deleted: {len(outcome.passes.changed)}"
    )
    problems = [r.why if r.why and r.url in r.why else f"{r.url}: {r.why}" for r in outcome.failed]
    problems += [f"{m} {r} {p}: {why}" for (m, r, p), why in outcome.kept]
    problems += [f"{m} {r} {p}: {why}" for (m, r, p), why in outcome.passes.failed]
    if not problems:
        return
    for line in problems[:20]:
        console.print(f"not deleted: {line}")
    if len(problems) > 20:
        console.print(f"... and {len(problems) - 20} more (every file is in {log})")
    console.print("run the same command again to finish")
    raise click.exceptions.Exit(EXIT_SOMETHING_FAILED)
