"""``gasp cancel``: stop unfinished passes (or ``--status ...``); held ones via their site."""

from __future__ import annotations

import click
from rich.console import Console

from gasp.cli.context import App, pass_app
from gasp.cli.selection import change_options, operate, resolve, selection_options
from gasp.model.clock import utc_now
from gasp.ops.cancel import (
    DEFAULT_STATUSES,
    REQUESTED,
    cancel_edit,
    canceled_now,
    requested_by_site,
)
from gasp.ops.operator import operator_name
from gasp.passes.prerequisites import promote_dependants
from gasp.passes.selection import SelectionOptions


@click.command("cancel")
@selection_options
@change_options
@pass_app
def cancel_command(app: App, selection: SelectionOptions, dry_run: bool, yes: bool) -> None:
    """Stop passes: by default every unfinished one of the selection (new, waiting,
    unsatisfied, submitted, running); --status failed,partFail for ended ones. Passes no
    site holds are canceled now; for a submitted or running pass a cancel is requested,
    and the site that holds it stops its batch jobs and cancels it at its next cycle."""
    db, chosen = resolve(app, selection, default_statuses=DEFAULT_STATUSES)
    by = operator_name(app.config.ops.operator)
    console = Console()
    done = operate(
        db,
        chosen,
        cancel_edit(at=utc_now(), by=by),
        verb="cancel",
        dry_run=dry_run,
        yes=yes,
        console=console,
        unchanged=REQUESTED,
    )
    if done is None:
        return
    promoted = promote_dependants(db, canceled_now(done), by=by)
    if promoted:
        console.print(f"dependants settled (unsatisfied): {promoted}")
    for site, count in requested_by_site(done).items():
        console.print(f"{REQUESTED}: {count} held by {site}; its client cancels them next cycle")
