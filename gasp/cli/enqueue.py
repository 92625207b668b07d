"""``gasp enqueue SITE [OPTIONS] -- COMMAND...``: run COMMAND only while SITE holds the turn.

Everything after the first ``--`` is the command, taken verbatim as an argument list (it
may carry options of its own, even another ``--``); everything before it is gasp's. Bad
input of any kind (an unknown option, no ``--``, no command, a bad name or timing, options
that contradict each other, an unreachable database, a corrupt turn document) ends in one
line and exit status 2, before anything is written and before any turn is taken.
"""

from __future__ import annotations

import math
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
        return ["[OPTIONS] SITE -- COMMAND...", "|", "--status [OPTIONS]"]

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
    clock_offset: float,
) -> None:
    """Run COMMAND only while SITE holds the turn among the sites sharing a database.

    Sites elect a leader through the database; the leader hands the turn round the active
    sites in name order. COMMAND gets the turn in GASP_TURN_TOKEN, GASP_TURN_SITE,
    GASP_TURN_NUMBER, GASP_TURN_LEADER_DOC and GASP_TURN_DATABASE; `gasp client` stops
    claiming as soon as that turn is no longer current. If the turn is lost while COMMAND
    runs (this site froze or lost the database for longer than the stale limit), COMMAND
    is terminated.

    \b
    Exit status: COMMAND's own (without --repeat); 75 if its turn was lost while it
    ran; 128+N when stopped by signal N; 2 for bad input (nothing written, no turn).
    """
    command: list[str] | None = ctx.meta[_COMMAND]
    names = TurnDocuments.checked(leader_doc, sites_doc)
    clock = SystemClock(_clock_offset(clock_offset))
    if status:
        _check_status_alone(ctx, site, command, repeat)
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


def _check_status_alone(
    ctx: click.Context, site: str | None, command: Sequence[str] | None, repeat: bool
) -> None:
    """``--status`` only reads: what would steer a turn is a mistake, not to be ignored."""
    if site is not None or command is not None:
        raise InputError("gasp enqueue --status takes no SITE and no command")
    given = [
        f"--{name.replace('_', '-')}"
        for name in _TIMING_OPTIONS
        if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
    ]
    if repeat:
        given.append("--repeat")
    if given:
        raise InputError(f"gasp enqueue --status takes no {', '.join(given)}: it only reads")


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
