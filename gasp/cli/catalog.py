"""``gasp catalog``: make, upload and show module catalogues."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from gasp.catalog.files import (
    check_folder_writable,
    check_writable,
    read_catalogue,
    write_catalogue,
)
from gasp.catalog.model import Catalogue, ProductionCatalogue
from gasp.catalog.scan import make_production_catalogue
from gasp.catalog.stored import how_to_load, load_catalogue, stored_versions, upload_catalogue
from gasp.cli.context import App, pass_app
from gasp.model.documents import KINDS, Kind


@click.group("catalog")
def catalog_group() -> None:
    """Module catalogues: how to run each module of a software version."""


@catalog_group.command("make")
@click.argument("release", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--internal-rate",
    "internal_rate",
    multiple=True,
    metavar="NAME",
    help="A generator that sets its own rate (repeatable). Default: the release's list.",
)
@click.option(
    "--version",
    "rat_version",
    metavar="VERSION",
    help="Software version of the release (default: the version in its release.json).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the catalogue (default: catalog-production-<version>.json).",
)
def catalog_make(
    release: Path, internal_rate: tuple[str, ...], rat_version: str | None, output: Path | None
) -> None:
    """Write the production catalogue of RELEASE by scanning its macros.

    Whether the output can be written is checked first, and every problem of the release
    is reported together; with any problem nothing is written.
    """
    if output is not None:
        check_writable(output)
    else:
        check_folder_writable(Path.cwd())
    catalogue = make_production_catalogue(release, internal_rate=internal_rate, version=rat_version)
    target = output or Path(f"catalog-production-{catalogue.rat_version}.json")
    write_catalogue(catalogue, target)
    _print_catalogue(catalogue)
    Console().print(f"wrote {target}")


@catalog_group.command("upload")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@pass_app
def catalog_upload(app: App, file: Path) -> None:
    """Validate a catalogue FILE and store it in the database of its kind."""
    catalogue = read_catalogue(file)
    changed = upload_catalogue(app.database_for(catalogue.kind), catalogue)
    state = "uploaded" if changed else "already current"
    Console().print(
        f"{catalogue.kind} catalogue {catalogue.rat_version}: {len(catalogue.modules)} "
        f"modules, {state}"
    )


@catalog_group.command("show")
@click.option("--version", "rat_version", help="Software version (default: every stored one).")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default="production",
    show_default=True,
)
@pass_app
def catalog_show(app: App, rat_version: str | None, kind: Kind) -> None:
    """Show stored catalogues."""
    db = app.database_for(kind)
    versions = [rat_version] if rat_version else stored_versions(db, kind)
    if not versions:
        hint = how_to_load(kind, app.config_path)
        Console().print(f"no {kind} catalogue is stored; {hint}", soft_wrap=True, markup=False)
    for version in versions:
        _print_catalogue(load_catalogue(db, kind, version))


def _print_catalogue(catalogue: Catalogue) -> None:
    table = Table(title=f"{catalogue.kind} modules, software version {catalogue.rat_version}")
    if isinstance(catalogue, ProductionCatalogue):
        for column in ("module", "event mode", "outputs", "template", "path"):
            table.add_column(column)
        for name, module in sorted(catalogue.modules.items()):
            outputs = ", ".join(module.outputs)
            if module.other_suffix:
                outputs += f" (suffix {module.other_suffix})"
            table.add_row(name, module.event_mode, outputs, ", ".join(module.template), module.path)
    else:
        for column in ("module", "level", "outputs", "prerequisites", "raw", "path"):
            table.add_column(column)
        for name, pmodule in sorted(catalogue.modules.items()):
            table.add_row(
                name,
                pmodule.level,
                ", ".join([*pmodule.outputs, *pmodule.db_outputs]),
                ", ".join(pmodule.prerequisites),
                "yes" if pmodule.raw_processor else "no",
                pmodule.path,
            )
    Console().print(table)
