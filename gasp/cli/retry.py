"""``gasp retry``: failed passes (or ``--status ...``) back to ``waiting``."""

from __future__ import annotations

import click
from rich.console import Console

from gasp.cli.context import App, pass_app
from gasp.cli.selection import change_options, operate, resolve, selection_options
from gasp.model.clock import utc_now
from gasp.ops.operator import operator_name
from gasp.ops.retry import DEFAULT_STATUSES, bring_back_dependants, retry_edit
from gasp.passes.selection import SelectionOptions


@click.command("retry")
@selection_options
@click.option(
    "--delete-attachments", is_flag=True, help="Drop the logs the old attempts left attached."
)
@change_options
@pass_app
def retry_command(
    app: App, selection: SelectionOptions, delete_attachments: bool, dry_run: bool, yes: bool
) -> None:
    """Put failed passes back in the queue: same pass number, next attempt, only the
    subjobs that did not complete run again. --status widens it (partFail, unsatisfied,
    canceled, ...)."""
    db, chosen = resolve(app, selection, default_statuses=DEFAULT_STATUSES)
    by = operator_name(app.config.ops.operator)
    edit = retry_edit(at=utc_now(), by=by, delete_attachments=delete_attachments)
    console = Console()
    done = operate(db, chosen, edit, verb="retry", dry_run=dry_run, yes=yes, console=console)
    if done is not None:
        promoted = bring_back_dependants(db, [c.key for c in done.changed], by=by)
        if promoted:
            console.print(f"dependants brought back: {promoted}")
