"""``gasp db``: create the databases and look at them."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from gasp.catalog.files import read_catalogue
from gasp.catalog.scan import make_production_catalogue
from gasp.catalog.stored import how_to_load, stored_versions, upload_catalogue
from gasp.cli.context import App, pass_app
from gasp.config import EMBEDDED_DEFAULT
from gasp.store.design import push_design_documents
from gasp.views import design_documents


@click.group("db")
def db_group() -> None:
    """Create and inspect the production and processing databases."""


@db_group.command("init")
@pass_app
def db_init(app: App) -> None:
    """Create the databases (idempotent) and push the design documents."""
    config = app.config
    console = Console()
    ddocs = design_documents()
    for name in (config.database.production, config.database.processing):
        db = app.server.create_database(name, revs_limit=config.database.revs_limit)
        written = push_design_documents(db, ddocs)
        note = f"{len(written)} design documents updated" if written else "design documents current"
        console.print(f"[bold]{name}[/bold]: ready ({note})")
    if config.source == EMBEDDED_DEFAULT:
        _load_toyrat_catalogues(app, console)
    else:
        _point_to_catalogues(app, console)


def _load_toyrat_catalogues(app: App, console: Console) -> None:
    """The embedded default runs the shipped toyrat release: make its examples submittable."""
    from gasp.toyrat.release import release_dir, release_info

    production = make_production_catalogue(release_dir())
    processing = read_catalogue(release_dir() / str(release_info()["processing_catalog"]))
    for catalogue in (production, processing):
        changed = upload_catalogue(app.database_for(catalogue.kind), catalogue)
        state = "loaded" if changed else "current"
        console.print(f"toyrat {catalogue.rat_version} {catalogue.kind} catalogue: {state}")


def _point_to_catalogues(app: App, console: Console) -> None:
    """A site with its own configuration loads its releases' catalogues itself: say how.

    Without one, every submission fails with "no catalogue"; the next step is shown here,
    where a new site starts, rather than at the first failed submission.
    """
    for kind in ("production", "processing"):
        if not stored_versions(app.database_for(kind), kind):
            hint = how_to_load(kind, app.config_path)
            console.print(
                f"no {kind} catalogue is stored yet; {hint}", soft_wrap=True, markup=False
            )


@db_group.command("info")
@pass_app
def db_info(app: App) -> None:
    """Documents, views and sizes of each database."""
    config = app.config
    table = Table(title=f"databases ({config.source}: {config.database.url})")
    for column in ("database", "documents", "deleted", "update seq", "size", "views"):
        table.add_column(column, justify="right" if column in ("documents", "deleted") else "left")
    for name in (config.database.production, config.database.processing):
        info = app.server.database(name).info()
        views = ", ".join(
            f"{ddoc.removeprefix('_design/')}: {len(names)}"
            for ddoc, names in sorted(info.design_docs.items())
        )
        table.add_row(
            name,
            str(info.doc_count),
            str(info.doc_del_count),
            str(info.update_seq)[:24],
            _human_size(info.size_bytes),
            views or "-",
        )
    Console().print(table)


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
