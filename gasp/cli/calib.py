"""``gasp calib``: the calibration locks that hold processing after PCA/ECA runs."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from gasp.calib.lock import (
    calibration_lock,
    calibration_locks,
    check_calibration_type,
    release_calibration_lock,
)
from gasp.cli.context import App, pass_app
from gasp.model.run import CALIBRATION_RUN_TYPES


@click.group("calib")
def calib_group() -> None:
    """Calibration locks: which runs processing waits behind."""


@calib_group.command("status")
@pass_app
def calib_status(app: App) -> None:
    """Every calibration type's lock: its run, whether it holds, since when."""
    locks = {lock.calib_type: lock for lock in calibration_locks(app.database_for("processing"))}
    table = Table(title="calibration locks")
    for column in ("type", "status", "run", "set", "released", "effect"):
        table.add_column(column)
    for calib_type in CALIBRATION_RUN_TYPES:
        lock = locks.get(calib_type)
        if lock is None:
            table.add_row(calib_type, "never set", "-", "-", "-", "-")
            continue
        effect = f"runs after {lock.run} wait" if lock.locked else "-"
        table.add_row(
            calib_type,
            lock.status,
            str(lock.run),
            lock.set[:19],
            (lock.released or "-")[:19],
            effect,
        )
    Console().print(table)


@calib_group.command("release")
@click.argument("calib_type", metavar="TYPE")
@pass_app
def calib_release(app: App, calib_type: str) -> None:
    """Let processing continue past TYPE's calibration run (after checking it)."""
    check_calibration_type(calib_type)
    db = app.database_for("processing")
    before = calibration_lock(db, calib_type)
    if before is None:
        click.echo(f"note: no {calib_type} calibration lock has been set; nothing to release")
        return
    if not before.locked:
        click.echo(f"note: the {calib_type} lock (run {before.run}) is not locked; nothing to do")
        return
    lock = release_calibration_lock(db, calib_type)
    click.echo(f"released the {calib_type} lock: runs after {lock.run} may be processed")
