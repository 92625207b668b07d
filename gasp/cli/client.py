"""``gasp client``: the site client, one cycle or a loop.

Every option is checked before the first cycle, so before this site's heartbeat is
written: a bad value or two options that contradict each other end in exit status 2 with
nothing written. Contradictions are refused rather than settled silently (the last policy
flag winning, ``--until-idle`` ignored without ``--loop``). ``--max-cycles`` keeps its
meaning without ``--loop``: that many cycles back to back, with no pause between them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console

from gasp.cli.context import App, pass_app
from gasp.client.context import ClientContext
from gasp.client.cycle import Client, CycleReport
from gasp.model.documents import Kind
from gasp.values import MAX_WAIT_S, check_finite

_F = TypeVar("_F", bound=Callable[..., Any])
_POLICIES = {
    "priority": "Larger priority first (default).",
    "runlevel": "Smaller run numbers first.",
    "newfirst": "Larger run numbers first.",
    "serial": "In order of creation.",
}


def _interval(_ctx: click.Context, _param: click.Parameter, seconds: float) -> float:
    """Seconds between cycles: finite, from 0 (no pause) to a year, as ``sleep`` can take.

    ``nan`` or ``inf`` would pass a plain range check and crash the first sleep, after
    the first cycle had written the heartbeat and claimed work.
    """
    try:
        check_finite(seconds)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if not 0 <= seconds <= MAX_WAIT_S:
        raise click.BadParameter(
            f"must be from 0 to {MAX_WAIT_S:.0f} seconds (a year), not {seconds:g}"
        )
    return seconds


def _policy_options(command: _F) -> _F:
    """One flag per claim order; ``_chosen_policy`` refuses more than one."""
    for name, help_text in reversed(_POLICIES.items()):
        command = click.option(f"--{name}", f"order_{name}", is_flag=True, help=help_text)(command)
    return command


def _chosen_policy(flags: dict[str, bool]) -> str:
    chosen = [name for name in _POLICIES if flags[f"order_{name}"]]
    if len(chosen) > 1:
        given = " and ".join(f"--{name}" for name in chosen)
        raise click.UsageError(f"{given} exclude each other: give one claim order")
    return chosen[0] if chosen else "priority"


def _check_loop_options(ctx: click.Context, loop: bool, until_idle: bool) -> None:
    """Options that only steer ``--loop`` are refused without it, not ignored."""
    if loop:
        return
    if until_idle:
        raise click.UsageError("--until-idle needs --loop (one cycle always stops)")
    if ctx.get_parameter_source("interval") is not click.core.ParameterSource.DEFAULT:
        raise click.UsageError(
            "--interval needs --loop (without it, cycles run back to back: see --max-cycles)"
        )


@click.command("client")
@_policy_options
@click.option(
    "--processing", is_flag=True, help="Run detector-data processing (the processing database)."
)
@click.option("--mononly", is_flag=True, help="Only follow jobs already submitted.")
@click.option("--nomon", is_flag=True, help="Only submit new jobs.")
@click.option("--loop", is_flag=True, help="Cycle until interrupted (or --max-cycles).")
@click.option(
    "--max-cycles",
    type=click.IntRange(min=1),
    help="Stop after this many cycles (without --loop: that many, back to back).",
)
@click.option(
    "--interval",
    type=float,
    callback=_interval,
    default=30.0,
    show_default=True,
    help="With --loop: seconds between cycles (0: none).",
)
@click.option(
    "--until-idle", is_flag=True, help="With --loop: stop once nothing is held or waiting."
)
@click.pass_context
@pass_app
def client_command(
    app: App,
    ctx: click.Context,
    processing: bool,
    mononly: bool,
    nomon: bool,
    loop: bool,
    max_cycles: int | None,
    interval: float,
    until_idle: bool,
    order_priority: bool,
    order_runlevel: bool,
    order_newfirst: bool,
    order_serial: bool,
) -> None:
    """Claim waiting passes, run them on this site's backend, follow and finish them."""
    policy = _chosen_policy(
        {
            "order_priority": order_priority,
            "order_runlevel": order_runlevel,
            "order_newfirst": order_newfirst,
            "order_serial": order_serial,
        }
    )
    if mononly and nomon:
        raise click.UsageError("--mononly and --nomon exclude each other")
    _check_loop_options(ctx, loop, until_idle)
    config = app.config
    backend = app.backend()
    kind: Kind = "processing" if processing else "production"
    client_ctx = ClientContext(config=config, db=app.database_for(kind), backend=backend, kind=kind)
    client = Client(client_ctx, policy=policy, monitor_only=mononly, submit_only=nomon)
    console = Console()

    def show(number: int, report: CycleReport) -> None:
        console.print(f"cycle {number}: {report.line()}")

    try:
        if loop:
            client.loop(
                max_cycles=max_cycles, interval_s=interval, until_idle=until_idle, on_cycle=show
            )
        else:
            for number in range(1, (max_cycles or 1) + 1):
                report = client.cycle()
                show(number, report)
                if report.fenced:
                    break  # a turn that has passed never comes back, as in the loop
    finally:
        backend.close()
