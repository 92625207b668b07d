"""``gasp grab`` (also installed as ``grabber``): download a selection's catalogued files.

The selection options are the operators' (``--label``, ``--request``, ``--exactly``,
``--module``, ``--version``, ``--runs A-B``, ...), so what ``gasp summary`` counts is what
``gasp grab`` fetches; by default only passes whose outputs are catalogued (completed and
partFail). Everything is checked before the first byte is written: the options, the
output folder, ``--prefer`` and, with ``--flat``, that no two files share a name.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.filesize import decimal
from rich.table import Table

from gasp.cli.context import App, pass_app
from gasp.cli.numbers import POSITIVE
from gasp.cli.selection import EXIT_SOMETHING_FAILED, resolve, selection_options
from gasp.errors import InputError
from gasp.grab.download import DEFAULT_STREAMS, GrabReport, grab_files
from gasp.grab.fetch import Result
from gasp.grab.local import Placement, Present, check_placement
from gasp.grab.wanted import DATA_TYPES, DEFAULT_STATUSES, WantedFile, wanted_files
from gasp.model.exactly import format_lines
from gasp.passes.selection import PassKey, Selection, SelectionOptions
from gasp.progress import transfer_progress
from gasp.store import Database

MAX_FAILURES_SHOWN = 50


@click.command("grab")
@selection_options
@click.option(
    "--type",
    "types",
    multiple=True,
    type=click.Choice(DATA_TYPES),
    help="Only files of this data type (repeatable). Default: every type.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Folder to download into, keeping the logical folders below it.",
)
@click.option("--flat", is_flag=True, help="Put every file directly in the output folder.")
@click.option(
    "--exactly-out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the .exactly list (module run pass) of the selected passes here.",
)
@click.option(
    "-j",
    "--streams",
    type=POSITIVE,
    default=DEFAULT_STREAMS,
    show_default=True,
    help="Files transferred at once.",
)
@click.option("--verify", is_flag=True, help="Checksum files already present, whatever their age.")
@click.option("--prefer", metavar="SE", help="Try this storage element's replicas first.")
@click.option("--dry-run", is_flag=True, help="Say what would be downloaded, and stop.")
@pass_app
def grab_command(
    app: App,
    selection: SelectionOptions,
    types: tuple[str, ...],
    output: Path,
    flat: bool,
    exactly_out: Path | None,
    streams: int,
    verify: bool,
    prefer: str | None,
    dry_run: bool,
) -> None:
    """Download the catalogued files of the selected passes, every byte checked.

    Files already there with the catalogued size and adler32 are skipped, partial ones
    (.<name>.part) continued, and a replica that is missing, unreachable or corrupt is
    replaced by the next one. Exit status 1 if any file could not be fetched."""
    db, chosen = resolve(app, selection, default_statuses=DEFAULT_STATUSES)
    console = Console()
    report = grab(
        db,
        chosen,
        Placement(output, flat),
        types=types,
        exactly_out=exactly_out,
        streams=streams,
        verify=verify,
        prefer=prefer,
        dry_run=dry_run,
        console=console,
    )
    if report is not None and report.failed:
        sys.exit(EXIT_SOMETHING_FAILED)


def grab(
    db: Database,
    selection: Selection,
    placement: Placement,
    *,
    types: Sequence[str] = (),
    exactly_out: Path | None = None,
    streams: int = DEFAULT_STREAMS,
    verify: bool = False,
    prefer: str | None = None,
    dry_run: bool = False,
    console: Console,
) -> GrabReport | None:
    """Plan, check, download and sum up (``gasp demo`` runs this too); None on a dry run."""
    check_output(placement.root)
    keys, files = wanted_files(db, selection, types)
    if not files:
        raise InputError(f"nothing to grab: no catalogued file in {selection.describe()}")
    check_placement(placement, files)
    if prefer is not None and not any(r.se == prefer for f in files for r in f.replicas):
        raise InputError(f"--prefer: no selected file has a replica on {prefer!r}")
    total = sum(f.size for f in files)
    console.print(
        f"grab: {len(files)} files ({decimal(total)}) of {len(keys)} passes, "
        f"{selection.describe()} -> {placement.root}{' (flat)' if placement.flat else ''}"
    )
    if exactly_out is not None:
        write_exactly(exactly_out, keys)
        console.print(f"wrote {exactly_out} ({len(keys)} passes)")
    if dry_run:
        console.print("dry run: nothing downloaded")
        return None
    placement.root.mkdir(parents=True, exist_ok=True)
    with transfer_progress("grab", len(files), total) as shown:
        report = grab_files(
            files,
            placement,
            streams=streams,
            verify=verify,
            prefer=prefer,
            on_bytes=shown.bytes,
            on_file=lambda _outcome: shown.file(),
        )
    print_summary(report, console)
    return report


def check_output(root: Path) -> None:
    """The output folder must be a folder this user can write in (or can be made)."""
    existing = next((p for p in (root, *root.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        raise InputError(f"-o {root}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"-o {root}: {existing} is not writable")


def write_exactly(path: Path, keys: Sequence[PassKey]) -> None:
    """The ``.exactly`` list, written whole or not at all."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"--exactly-out {path}: {folder} is not a folder")
    handle, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")
    with os.fdopen(handle, "w") as out:
        out.write(format_lines(keys))
    os.replace(temp, path)


def print_summary(report: GrabReport, console: Console) -> None:
    """Totals, then every failure and every bad replica met, with its reason."""
    table = Table(title="grab")
    table.add_column("files", justify="left")
    table.add_column("count", justify="right")
    table.add_column("bytes", justify="right")
    rows: list[tuple[str, list[WantedFile], int]] = [
        (
            "downloaded",
            [o.wanted for o in report.of(Result.DOWNLOADED)],
            report.fetched_bytes,
        ),
        ("  of which resumed", [o.wanted for o in report.resumed], 0),
        (
            "already present",
            [o.wanted for o in report.of(Result.PRESENT)],
            sum(o.wanted.size for o in report.of(Result.PRESENT)),
        ),
        (
            "  of which checksummed",
            [o.wanted for o in report.of(Result.PRESENT) if o.present is Present.VERIFIED],
            0,
        ),
        ("failed", [o.wanted for o in report.failed], sum(o.wanted.size for o in report.failed)),
    ]
    for name, files, size in rows:
        table.add_row(name, str(len(files)), decimal(size) if size else "")
    console.print(table)
    replaced = [o for o in report.outcomes if o.present is Present.DIFFERENT]
    for outcome in replaced:
        console.print(
            f"replaced a local file that differed from the catalogue: {outcome.path}",
            soft_wrap=True,
        )
    for outcome, problem in report.bad_replicas[:MAX_FAILURES_SHOWN]:
        verb = "FAILED" if outcome.result is Result.FAILED else "replica skipped"
        console.print(
            f"{verb} {outcome.wanted.lfn}: {problem}", markup=False, highlight=False, soft_wrap=True
        )
    hidden = len(report.bad_replicas) - MAX_FAILURES_SHOWN
    if hidden > 0:
        console.print(f"... and {hidden} more problems")
    if report.failed:
        console.print(f"{len(report.failed)} files failed: run the same command again to retry")
    else:
        console.print("every file is here and matches the catalogue (size and adler32)")
