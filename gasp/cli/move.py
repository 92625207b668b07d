"""``gasp move``: the catalogued files of completed (and partFail) passes to another storage
element, verified and registered before any source is removed.

Lines that name files (refusals, skipped and failed files, the summary) are printed
whole, without rich's markup or wrapping, so a ``grep`` of the output or a mail of it
finds each URL intact. Exit status: 0 when every selected file is on the target (and off
its sources); 1 when any file failed or was skipped with ``--skip-bad`` (something is not
where it was asked to be: run again, or deal with the listed files); 2 for bad input,
including a selection with missing or corrupt sources and no ``--skip-bad``.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.filesize import decimal
from rich.table import Table

from gasp.cli.context import App, pass_app
from gasp.cli.numbers import POSITIVE
from gasp.cli.selection import (
    EXIT_SOMETHING_FAILED,
    change_options,
    resolve,
    selection_options,
)
from gasp.errors import InputError
from gasp.ops.move import MoveOutcome, move_files, move_log
from gasp.ops.move_plan import (
    DEFAULT_STATUSES,
    MovePlan,
    check_statuses,
    plan_move,
    target_element,
)
from gasp.ops.removal import check_log_path, default_log
from gasp.passes.selection import SelectionOptions, candidates
from gasp.progress import progress

MAX_STREAMS = 256  # as [ops] delete_streams
SHOWN = 20  # file lines printed per kind; the log has them all
VALIDATE = "gasp validate with the same selection lists every one"


@click.command("move")
@selection_options
@click.option(
    "--to",
    "to",
    required=True,
    metavar="SE",
    help="The storage element to move to: a name of this site's [storage] elements.",
)
@click.option("--keep-source", is_flag=True, help="Replicate: copy and register, remove no source.")
@click.option(
    "--skip-bad",
    is_flag=True,
    help="Leave files whose source is missing or corrupt (listed, exit 1); move the rest.",
)
@click.option(
    "-j",
    "--streams",
    type=POSITIVE,
    default=None,
    help="Files copied (or removed) at once. Default: [ops] delete_streams (8).",
)
@click.option(
    "--log",
    "log_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Record each file's outcome here (appended). Default: ./gasp-move-<UTC time>.log",
)
@change_options
@pass_app
def move_command(
    app: App,
    selection: SelectionOptions,
    to: str,
    keep_source: bool,
    skip_bad: bool,
    streams: int | None,
    log_path: Path | None,
    dry_run: bool,
    yes: bool,
) -> None:
    """Copy the catalogued files of the selected passes (completed and partFail by
    default) to the storage element SE, then remove them from the elements they were on.

    Each file is copied through a temporary name, checked against the catalogue's size
    and adler32, registered as a new replica in its data document, and only then removed
    from its source (the file, then its replica in the document). --keep-source keeps the
    sources (a replicate). Files already on SE are verified, not copied again.

    Refuses to start (exit 2, nothing written) if a source replica of a file still to be
    copied is missing or differs from the catalogue, unless --skip-bad. A file that could
    not be moved keeps its sources (exit 1): run the same command again to finish, also
    after a kill."""
    config = app.config
    target = target_element({n: e.url for n, e in config.storage.elements.items()}, to)
    streams = streams or config.ops.delete_streams
    if streams > MAX_STREAMS:
        raise InputError(f"-j/--streams: at most {MAX_STREAMS} files at once, not {streams}")
    path = check_log_path(log_path or default_log("move"))
    db, chosen = resolve(app, selection, default_statuses=DEFAULT_STATUSES)
    check_statuses(chosen)
    keys = [row.key for row in candidates(db, chosen)]
    plan = plan_move(
        db, keys, chosen, target, keep_source=keep_source, streams=streams, progress=progress
    )
    if plan.bad and not skip_bad:
        raise InputError(_refusal(plan))
    console = Console()
    verb = "replicate" if keep_source else "move"
    _say(console, f"{verb} to {target.name} ({target.url_prefix}): {chosen.describe()}")
    _lines(console, "skipped", sorted(bad.why for bad in plan.bad.values()), VALIDATE)
    total = plan.total()
    if not total.todo:
        settled = (
            f"{total.files - total.bad} files of {len(plan.keys)} passes are on {target.name}"
            if plan.keys
            else "no selected pass has outputs"
        )
        _say(console, f"nothing to {verb}: {settled} ({len(keys)} passes looked at)")
        if plan.bad and not dry_run:
            raise click.exceptions.Exit(EXIT_SOMETHING_FAILED)
        return
    console.print(plan_table(plan, title=f"would {verb}" if dry_run else f"will {verb}"))
    if dry_run:
        console.print("dry run: nothing copied, registered or removed")
        return
    if not yes:
        click.confirm(_question(plan), abort=True, err=True)
    _say(console, f"log: {path.resolve()}")
    with move_log(path) as log:
        outcome = move_files(db, plan, chosen, streams=streams, log=log, progress=progress)
    _summary(console, plan, outcome, path)


def plan_table(plan: MovePlan, *, title: str) -> Table:
    """Per module: passes, files, what is copied (files, bytes), what is on the target
    already, the source replicas removed, and the files that cannot move."""
    table = Table(title=title)
    sources = "sources kept" if plan.keep_source else "sources to remove"
    columns = ("module", "passes", "files", "to copy", "bytes", "on target", sources, "bad")
    for column in columns:
        table.add_column(column, justify="left" if column == "module" else "right")
    for module, part in [*sorted(plan.modules.items()), ("total", plan.total())]:
        table.add_row(
            module,
            str(part.passes),
            str(part.files),
            str(part.copy),
            decimal(part.copy_bytes),
            str(part.on_target),
            "-" if plan.keep_source else str(part.sources),
            str(part.bad),
            style="bold" if module == "total" else None,
        )
    return table


def _question(plan: MovePlan) -> str:
    total = plan.total()
    copy = f"copy {total.copy} files ({decimal(total.copy_bytes)}) to {plan.target.name}"
    if plan.keep_source:
        return f"{copy}?"
    return f"{copy}, then remove {total.sources} source replicas for good?"


def _refusal(plan: MovePlan) -> str:
    """The one message of a refused move: every file named (up to ``SHOWN``)."""
    lines = sorted(bad.why for bad in plan.bad.values())
    shown = [f"  {line}" for line in lines[:SHOWN]]
    if len(lines) > SHOWN:
        shown.append(f"  ... and {len(lines) - SHOWN} more ({VALIDATE})")
    return (
        f"{len(lines)} files cannot be moved as catalogued (gasp validate checks them); "
        "nothing was copied or removed. Give --skip-bad to move the others:\n" + "\n".join(shown)
    )


def _say(console: Console, text: str) -> None:
    """A line printed as it is: no markup (``[storage]``), no wrapping of long URLs."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _lines(console: Console, what: str, lines: list[str], where: str) -> None:
    for line in lines[:SHOWN]:
        _say(console, f"{what}: {line}")
    if len(lines) > SHOWN:
        _say(console, f"... and {len(lines) - SHOWN} more {what} ({where})")


def _summary(console: Console, plan: MovePlan, outcome: MoveOutcome, log: Path) -> None:
    _say(
        console,
        f"copied: {outcome.copied} files ({decimal(outcome.bytes)}), "
        f"already on {plan.target.name}: {outcome.present}, registered: {outcome.registered}, "
        f"failed: {len(outcome.failed)}, skipped: {len(outcome.skipped)}",
    )
    if not plan.keep_source:
        _say(
            console,
            f"source replicas removed: {outcome.removed}, already missing: {outcome.missing}, "
            f"dropped from the catalogue: {outcome.dropped}",
        )
    _lines(console, "not moved", outcome.failed, f"every one is in {log}")
    if outcome.failed:
        console.print("run the same command again to finish")
    if outcome.failed or outcome.skipped:
        raise click.exceptions.Exit(EXIT_SOMETHING_FAILED)
