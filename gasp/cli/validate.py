"""``gasp validate``: the catalogue checked against storage; lost and dark files listed,
and fixed only when asked and confirmed.

The exit status is for cron: 0 when everything checked is as catalogued, 1 when anything
is not (lost, unchecked or dark files, or a share of them that stops any fix), 2 for bad
input. Listings are plain lines (``<what> <se> <url> <why>``) so a mail or a ``grep``
reads them; long ones are cut at ``SHOWN`` lines per kind, with the count.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from gasp.cli.context import App, pass_app
from gasp.cli.numbers import POSITIVE
from gasp.cli.selection import change_options, resolve, selection_options
from gasp.config import Config
from gasp.errors import InputError
from gasp.ops.checks import DEFAULT_STREAMS, Finding
from gasp.ops.dark import DarkFile, check_quarantine_folder, quarantine
from gasp.ops.lost import fix_catalogue
from gasp.ops.validate import Validation, validate_all, validate_element, validate_selection
from gasp.passes.selection import SelectionOptions, make_selection
from gasp.progress import progress
from gasp.storage.element import StorageElement
from gasp.store import Database

EXIT_PROBLEMS = 1
SHOWN = 50  # lines listed per kind of problem


@click.command("validate")
@selection_options
@click.option(
    "--se",
    "se_name",
    metavar="NAME",
    help="Check one storage element of this site's [storage] elements, dark files included.",
)
@click.option("--full", is_flag=True, help="Read every file to compute adler32, servers too.")
@click.option("--fix", is_flag=True, help="Mark lost replicas bad and quarantine dark files.")
@click.option("--remove", is_flag=True, help="With --fix: remove lost replicas instead.")
@click.option(
    "--streams", type=POSITIVE, default=DEFAULT_STREAMS, show_default=True, help="Files at once."
)
@change_options
@pass_app
def validate_command(
    app: App,
    selection: SelectionOptions,
    se_name: str | None,
    full: bool,
    fix: bool,
    remove: bool,
    streams: int,
    dry_run: bool,
    yes: bool,
) -> None:
    """Check catalogued files against storage: there, same size, same adler32 (the
    server's where it keeps one; --full reads the bytes). By default every data document
    of the kind; the selection options narrow it; --se NAME checks one storage element
    and also lists its dark files (there, catalogued nowhere, older than [ops]
    dark_min_age_hours). Exit 1 if anything is wrong.

    --fix marks lost replicas bad (--remove: drops them; a file left without replicas
    keeps its entry) and moves dark files to the element's [ops] quarantine folder, after
    showing the plan and asking (--yes: without asking; --dry-run: only the plan). Nothing
    is fixed when more than [ops] lost_share of an element's files look lost or dark.
    """
    if remove and not fix:
        raise InputError("--remove goes with --fix (it says how lost replicas are fixed)")
    config = app.config
    element = _element(config, se_name) if se_name is not None else None
    if fix and element is not None:
        check_quarantine_folder(config.ops.quarantine)
    db, validation = _validate(app, selection, element, full=full, streams=streams)
    _list(validation)
    _summary(validation, config.ops.dark_min_age_hours)
    reasons = validation.stop_reasons(config.ops.lost_share)
    for reason in reasons:
        click.echo(f"stopping: {reason}")
    if fix and reasons:
        click.echo("nothing fixed: look at the storage element (or the configuration) first")
    elif fix:
        _fix(
            db,
            validation,
            element,
            config,
            remove=remove,
            streams=streams,
            dry_run=dry_run,
            yes=yes,
        )
    if validation.problems() or reasons:
        raise click.exceptions.Exit(EXIT_PROBLEMS)


def _validate(
    app: App,
    options: SelectionOptions,
    element: StorageElement | None,
    *,
    full: bool,
    streams: int,
) -> tuple[Database, Validation]:
    """Validate what the options name: an element, a selection, or the whole kind."""
    if element is not None:
        if _narrows(options):
            raise InputError(
                "--se checks everything catalogued on the element: give no selection "
                "option with it but --kind"
            )
        kind = make_selection(options).kind
        db = app.database_for(kind)
        click.echo(f"validate: storage element {element.name} ({element.url_prefix}), {kind}")
        validation = validate_element(
            db,
            element,
            kind,
            min_age_hours=app.config.ops.dark_min_age_hours,
            full=full,
            streams=streams,
            progress=progress,
        )
        return db, validation
    db, chosen = resolve(app, options, require_scope=False)
    if not _narrows(options):
        click.echo(f"validate: every catalogued file, {chosen.kind}")
        return db, validate_all(db, full=full, streams=streams, progress=progress)
    click.echo(f"validate: {chosen.describe()}")
    return db, validate_selection(db, chosen, full=full, streams=streams, progress=progress)


def _narrows(options: SelectionOptions) -> bool:
    """Whether any selection option but ``--kind`` was given."""
    return bool(
        options.label
        or options.request
        or options.exactly
        or options.modules
        or options.version
        or options.runrange
        or options.runs
        or options.runlist
        or options.statuses
        or options.pass_number is not None
        or options.last_pass
    )


def _element(config: Config, name: str) -> StorageElement:
    found = config.storage.elements.get(name)
    if found is None:
        known = ", ".join(sorted(config.storage.elements)) or "none"
        raise InputError(f"--se: no storage element {name!r} in [storage] elements ({known})")
    return StorageElement(name, found.url)


def _list(validation: Validation) -> None:
    for verdict in ("missing", "changed", "unchecked"):
        found = [f for f in validation.checks.findings if f.verdict == verdict]
        found.sort(key=lambda f: (f.replica.se, f.replica.url))
        _lines([_finding_line(f) for f in found], verdict)
    _lines([_dark_line(d) for d in sorted(validation.dark, key=lambda d: d.url)], "dark")
    for error in validation.walk_errors:
        click.echo(f"unwalked {error}")


def _finding_line(finding: Finding) -> str:
    replica = finding.replica
    return f"{finding.verdict} {replica.se} {replica.url} ({finding.detail})"


def _dark_line(dark: DarkFile) -> str:
    return f"dark {dark.se} {dark.url} ({dark.size} bytes, {dark.age_hours / 24:.1f} days old)"


def _lines(lines: Sequence[str], what: str) -> None:
    for line in lines[:SHOWN]:
        click.echo(line)
    if len(lines) > SHOWN:
        click.echo(f"... and {len(lines) - SHOWN} more {what}")


def _summary(validation: Validation, min_age_hours: float) -> None:
    total = validation.checks.total()
    parts = [
        f"checked {total.checked}",
        f"ok {total.ok}",
        f"missing {total.missing}",
        f"changed {total.changed}",
    ]
    if total.unchecked:
        parts.append(f"could not check {total.unchecked}")
    if validation.scans:
        young = sum(scan.young for scan in validation.scans)
        parts.append(f"dark {len(validation.dark)}")
        if young:
            parts.append(f"{young} uncatalogued younger than {min_age_hours:g} h left alone")
    if total.known_bad:
        parts.append(f"already marked bad {total.known_bad}")
    click.echo("summary: " + ", ".join(parts))


def _fix(
    db: Database,
    validation: Validation,
    element: StorageElement | None,
    config: Config,
    *,
    remove: bool,
    streams: int,
    dry_run: bool,
    yes: bool,
) -> None:
    """Show the plan, stop for a dry run, ask unless ``yes``, then write it (the command
    exits 1 afterwards all the same: it found problems)."""
    lost = [finding.replica for finding in validation.lost]
    dark = validation.dark
    if not lost and not dark:
        click.echo("nothing to fix")
        return
    folder = config.ops.quarantine
    documents = len({replica.doc_id for replica in lost})
    plan = []
    if lost:
        plan.append(
            f"remove {len(lost)} lost replicas from {documents} data documents"
            if remove
            else f"mark {len(lost)} lost replicas bad in {documents} data documents"
        )
    if dark and element is not None:
        plan.append(f"move {len(dark)} dark files to {element.url_for(folder)}/")
    click.echo("plan: " + "; ".join(plan))
    if dry_run:
        click.echo("dry run: nothing written")
        return
    if not yes:
        click.confirm("fix?", abort=True, err=True)
    if lost:
        with progress("fixing the catalogue", len(lost)) as advance:
            done = fix_catalogue(db, lost, remove=remove, advance=advance)
        what = "removed" if remove else "marked bad"
        click.echo(f"catalogue: {done.replicas} replicas {what} in {done.documents} documents")
        if done.unchanged:
            click.echo(f"catalogue: {done.unchanged} replicas changed since the check, left alone")
        for doc_id, why in done.failed:
            click.echo(f"not fixed: {doc_id}: {why}")
    if dark and element is not None:
        with progress("quarantining dark files", len(dark)) as advance:
            moved = quarantine(dark, element, folder, streams=streams, advance=advance)
        click.echo(f"quarantine: {len(moved.moved)} dark files moved")
        for url, why in moved.failed:
            click.echo(f"not moved: {url}: {why}")


__all__ = ["validate_command"]
