"""``gasp enqueue SITE [OPTIONS] -- COMMAND...``: run COMMAND only while SITE holds the turn.

Everything after the first ``--`` is the command, taken verbatim as an argument list (it
may carry options of its own, even another ``--``); everything before it is gasp's. Bad
input of any kind (an unknown option, no ``--``, no command, a bad name or timing, options
that contradict each other, an unreachable database, a corrupt turn document) ends in one
line and exit status 2, before anything is written and before any turn is taken.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from gasp.cli.context import App, pass_app
from gasp.errors import InputError
from gasp.model.documents import KINDS, Kind
from gasp.turn.clock import SystemClock
from gasp.turn.documents import (
    DEFAULT_LEADER_DOC,
    DEFAULT_SITES_DOC,
    TurnDocuments,
    check_site_name,
)
from gasp.turn.fence import DATABASE_ENV, LEADER_DOC_ENV, TOKEN_ENV, TurnFence
from gasp.turn.loop import Enqueue
from gasp.turn.state import read_state
from gasp.turn.status import status_lines
from gasp.turn.timing import Timing
from gasp.values import MAX_WAIT_S

_COMMAND = "gasp.enqueue.command"
_F = TypeVar("_F", bound=Callable[..., Any])
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_TIMING_OPTIONS = ("heartbeat_delay", "heartbeat_stale", "conflict_delay")


class _EnqueueCommand(click.Command):
    """Splits the arguments at the first ``--`` and reports usage errors in one line."""

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return ["[OPTIONS] SITE -- COMMAND...", "|", "--status [OPTIONS]", "|", "--check [OPTIONS]"]

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            split = args.index("--")
            ctx.meta[_COMMAND] = args[split + 1 :]
            args = args[:split]
        else:
            ctx.meta[_COMMAND] = None
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            hint = "" if ctx.meta[_COMMAND] is not None else " (missing '--' before the command?)"
            raise InputError(f"gasp enqueue: {exc.format_message()}{hint}") from exc


def _minutes(default: float, what: str) -> Callable[[_F], _F]:
    return click.option(
        f"--{what}",
        type=float,
        default=default,
        show_default=True,
        metavar="MIN",
        help={
            "heartbeat-delay": "Minutes between heartbeats (fractions allowed).",
            "heartbeat-stale": "A site whose heartbeat has not changed this long is inactive.",
            "conflict-delay": "Minutes to wait after losing a write race before trying again.",
        }[what],
    )


@click.command("enqueue", cls=_EnqueueCommand)
@click.argument("site", required=False)
@_minutes(10.0, "heartbeat-delay")
@_minutes(30.0, "heartbeat-stale")
@_minutes(1.0, "conflict-delay")
@click.option("--repeat", is_flag=True, help="Keep taking turns until stopped (else run once).")
@click.option(
    "--leader-doc",
    default=DEFAULT_LEADER_DOC,
    show_default=True,
    metavar="NAME",
    help="Id of the leader document (another name: another, independent turn).",
)
@click.option(
    "--sites-doc",
    default=DEFAULT_SITES_DOC,
    show_default=True,
    metavar="NAME",
    help="Id of the sites document; heartbeats belong to it.",
)
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default="production",
    show_default=True,
    help="Which of the site's databases holds the turn's documents.",
)
@click.option("--status", is_flag=True, help="Show the leader, the turn and every site; exit.")
@click.option(
    "--check",
    is_flag=True,
    help="Inside COMMAND: exit 0 while its turn (GASP_TURN_TOKEN) is current, else 1.",
)
@click.option("--clock-offset", type=float, default=0.0, hidden=True)  # tests: skewed clocks
@click.pass_context
@pass_app
def enqueue_command(
    app: App,
    ctx: click.Context,
    site: str | None,
    heartbeat_delay: float,
    heartbeat_stale: float,
    conflict_delay: float,
    repeat: bool,
    leader_doc: str,
    sites_doc: str,
    kind: Kind,
    status: bool,
    check: bool,
    clock_offset: float,
) -> None:
    """Run COMMAND only while SITE holds the turn among the sites sharing a database.

    Sites elect a leader through the database; the leader hands the turn round the active
    sites in name order. COMMAND gets the turn in GASP_TURN_TOKEN, GASP_TURN_SITE,
    GASP_TURN_NUMBER, GASP_TURN_LEADER_DOC and GASP_TURN_DATABASE; `gasp client` stops
    claiming as soon as that turn is no longer current. If the turn is lost while COMMAND
    runs (this site froze or lost the database for longer than the stale limit), COMMAND
    is terminated.

    A multi-step COMMAND calls `gasp enqueue --check || exit 1` before each side effect:
    one read, exit 0 only while its turn is still the current one.

    \b
    Exit status: COMMAND's own (without --repeat); 75 if its turn was lost while it
    ran; 128+N when stopped by signal N; 2 for bad input (nothing written, no turn).
    With --check: 0 the turn is current, 1 it is not (one line says why), 2 bad input.
    """
    command: list[str] | None = ctx.meta[_COMMAND]
    if check:
        _check_alone(ctx, "--check", site, command, repeat, status)
        _check_turn(app, ctx, leader_doc, sites_doc, kind)
        return
    names = TurnDocuments.checked(leader_doc, sites_doc)
    clock = SystemClock(_clock_offset(clock_offset))
    if status:
        _check_alone(ctx, "--status", site, command, repeat)
        db = app.database_for(kind)
        for line in status_lines(read_state(db, names), names, db.name, clock.wall()):
            click.echo(line)
        return
    if site is None:
        raise InputError("gasp enqueue: give a SITE (or --status)")
    check_site_name(site)
    timing = Timing.from_minutes(heartbeat_delay, heartbeat_stale, conflict_delay)
    _check_command(command)
    assert command is not None
    enqueue = Enqueue(
        db=app.database_for(kind),
        site=site,
        command=command,
        timing=timing,
        names=names,
        repeat=repeat,
        clock=clock,
        log=lambda line: click.echo(line, err=True),
    )
    with _stop_on_signals(enqueue):
        code = enqueue.run()
    if code:
        # Not ctx.exit: gasp's main runs click without standalone mode, which would turn
        # the status into a return value and exit 0.
        raise SystemExit(code)


def _check_alone(
    ctx: click.Context,
    flag: str,
    site: str | None,
    command: Sequence[str] | None,
    repeat: bool,
    status: bool = False,
) -> None:
    """``--status`` and ``--check`` only read: what would steer a turn is a mistake."""
    if site is not None or command is not None:
        raise InputError(f"gasp enqueue {flag} takes no SITE and no command")
    given = [f"--{name.replace('_', '-')}" for name in _TIMING_OPTIONS if _given(ctx, name)]
    if repeat:
        given.append("--repeat")
    if status:
        given.append("--status")
    if given:
        raise InputError(f"gasp enqueue {flag} takes no {', '.join(given)}: it only reads")


def _kind_of(app: App, database: str) -> Kind:
    """Which of this site's databases the turn is in, found by its name (no read)."""
    names: dict[Kind, str] = {
        "production": app.config.database.production,
        "processing": app.config.database.processing,
    }
    for kind, name in names.items():
        if name == database:
            return kind
    raise InputError(
        f"gasp enqueue --check: the turn is in database {database!r} ({DATABASE_ENV}), "
        "which this site's configuration does not name: give the configuration of the "
        "gasp enqueue that started the command"
    )


def _given(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT


def _check_turn(app: App, ctx: click.Context, leader_doc: str, sites_doc: str, kind: Kind) -> None:
    """``--check``: exit 0 while the environment's turn is current, 1 (and why) if not.

    The command was given its turn's leader document in the environment, so that is the
    one read unless ``--leader-doc`` names it; naming another is a mistake, not a lost
    turn. ``--sites-doc`` is checked against the leader document only when given: the
    environment does not carry it, and a command of a renamed turn must not need it.
    Without ``--kind``, the database is the one of this site's two that the environment
    names (``GASP_TURN_DATABASE``): a command of a ``--kind processing`` turn needs no
    option either. Opening the database and that one read are all it costs.
    """
    fence = TurnFence.from_environment()
    if fence is None:
        raise InputError(
            f"gasp enqueue --check: {TOKEN_ENV} is not set: "
            "run it from a command that gasp enqueue started"
        )
    if _given(ctx, "leader_doc") and os.environ.get(LEADER_DOC_ENV, leader_doc) != leader_doc:
        raise InputError(
            f"gasp enqueue --check: --leader-doc {leader_doc!r} is not the turn's leader "
            f"document ({LEADER_DOC_ENV}={os.environ[LEADER_DOC_ENV]!r})"
        )
    if _given(ctx, "leader_doc"):
        fence.leader_doc = leader_doc
    TurnDocuments.checked(fence.leader_doc, sites_doc)
    if not _given(ctx, "kind") and fence.database is not None:
        kind = _kind_of(app, fence.database)
    why = fence.why_not_current(
        app.database_for(kind), sites_doc if _given(ctx, "sites_doc") else None
    )
    if why is not None:
        click.echo(f"gasp enqueue --check: {why}", err=True)
        raise SystemExit(1)


def _clock_offset(seconds: float) -> float:
    """The test-only wall-clock shift: finite and within a year, so dates stay dates."""
    if not math.isfinite(seconds) or abs(seconds) > MAX_WAIT_S:
        raise InputError(
            f"--clock-offset must be a number of seconds within ±{MAX_WAIT_S:.0f}, not {seconds}"
        )
    return seconds


def _check_command(command: Sequence[str] | None) -> None:
    if command is None:
        raise InputError("gasp enqueue: missing '--' before the command (SITE [OPTIONS] -- CMD)")
    if not command or not command[0]:
        raise InputError("gasp enqueue: no command after '--'")
    program = command[0]
    found = shutil.which(program) if "/" not in program else program
    if found is None or not Path(found).is_file():
        raise InputError(f"gasp enqueue: command not found: {program}")


@contextmanager
def _stop_on_signals(enqueue: Enqueue) -> Iterator[None]:
    """SIGTERM, SIGINT and SIGHUP ask the loop to stop; it ends its command and signs off.

    The handler only sets a flag: the loop notices it within half a second and leaves
    cleanly, rather than being interrupted in the middle of a write.
    """

    def request_stop(signum: int, _frame: object) -> None:
        enqueue.stop_signal = signum

    previous = {signum: signal.signal(signum, request_stop) for signum in _STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
