"""``gasp labels add|remove LABEL``: a campaign label on the selected passes and their data."""

from __future__ import annotations

import click
from rich.console import Console

from gasp.cli.context import App, pass_app
from gasp.cli.selection import (
    EXIT_SOMETHING_FAILED,
    change_options,
    operate,
    resolve,
    selection_options,
)
from gasp.ops.labels import check_label, label_data_documents, label_edit
from gasp.passes.selection import SelectionOptions, candidates
from gasp.progress import progress


@click.group("labels")
def labels_group() -> None:
    """Add or remove a campaign label on passes and on their data documents."""


@labels_group.command("add")
@click.argument("label_text", metavar="LABEL")
@selection_options
@change_options
@pass_app
def add_command(
    app: App, label_text: str, selection: SelectionOptions, dry_run: bool, yes: bool
) -> None:
    """Give the selected passes (any status) and their data documents LABEL."""
    _change(app, label_text, selection, add=True, dry_run=dry_run, yes=yes)


@labels_group.command("remove")
@click.argument("label_text", metavar="LABEL")
@selection_options
@change_options
@pass_app
def remove_command(
    app: App, label_text: str, selection: SelectionOptions, dry_run: bool, yes: bool
) -> None:
    """Take LABEL off the selected passes (any status) and their data documents."""
    _change(app, label_text, selection, add=False, dry_run=dry_run, yes=yes)


def _change(
    app: App, text: str, selection: SelectionOptions, *, add: bool, dry_run: bool, yes: bool
) -> None:
    label = check_label(text)
    db, chosen = resolve(app, selection)
    # Read before the passes change: a removal selected by this label selects nothing after.
    keys = [row.key for row in candidates(db, chosen)]
    console = Console()
    verb = f"{'add' if add else 'remove'} label {label}"
    failed: click.exceptions.Exit | None = None
    try:
        operate(
            db,
            chosen,
            label_edit(label, add=add),
            verb=verb,
            dry_run=dry_run,
            yes=yes,
            console=console,
        )
    except click.exceptions.Exit as exc:  # some passes failed: their data still follows
        failed = exc
    data = label_data_documents(db, keys, label, add=add, dry_run=dry_run, progress=progress)
    console.print(f"data documents {'that would change' if dry_run else 'changed'}: {data.changed}")
    for doc_id in data.failed[:20]:
        console.print(f"not changed: {doc_id}: it kept changing")
    if failed is not None:
        raise failed
    if data.failed:
        raise click.exceptions.Exit(EXIT_SOMETHING_FAILED)
