"""``gasp unlock SITE``: every unfinished pass a site holds back to the queue."""

from __future__ import annotations

import click
from rich.console import Console

from gasp.cli.context import App, pass_app
from gasp.cli.selection import change_options, operate, resolve, selection_options
from gasp.model.clock import utc_now
from gasp.ops.cancel import HELD, canceled_now
from gasp.ops.operator import operator_name
from gasp.ops.unlock import check_site, held_by, unlock_edit
from gasp.passes.prerequisites import promote_dependants
from gasp.passes.selection import SelectionOptions


@click.command("unlock")
@click.argument("site")
@selection_options
@change_options
@pass_app
def unlock_command(
    app: App, site: str, selection: SelectionOptions, dry_run: bool, yes: bool
) -> None:
    """Take back the submitted and running passes SITE holds, for a site whose client is
    gone: each goes back to waiting with its next attempt and no claim, so whatever SITE
    still records under its old claims is refused. The selection options narrow it; a pass
    with a pending cancel request is canceled instead. SITE's batch jobs are not stopped."""
    name = check_site(site)
    db, chosen = resolve(app, selection, default_statuses=HELD, require_scope=False)
    by = operator_name(app.config.ops.operator)
    console = Console()
    done = operate(
        db,
        chosen,
        unlock_edit(site=name, at=utc_now(), by=by),
        verb=f"unlock {name}",
        dry_run=dry_run,
        yes=yes,
        console=console,
        keys=held_by(db, name, chosen),
    )
    if done is not None:
        promoted = promote_dependants(db, canceled_now(done), by=by)
        if promoted:
            console.print(f"dependants settled (unsatisfied): {promoted}")
