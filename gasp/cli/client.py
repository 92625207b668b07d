"""``gasp client``: the site client, one cycle or a loop."""

from __future__ import annotations

import click
from rich.console import Console

from gasp.cli.context import App, pass_app
from gasp.client.context import ClientContext
from gasp.client.cycle import Client, CycleReport


@click.command("client")
@click.option(
    "--priority",
    "policy",
    flag_value="priority",
    default=True,
    help="Larger priority first (default).",
)
@click.option("--runlevel", "policy", flag_value="runlevel", help="Smaller run numbers first.")
@click.option("--newfirst", "policy", flag_value="newfirst", help="Larger run numbers first.")
@click.option("--serial", "policy", flag_value="serial", help="In order of creation.")
@click.option(
    "--processing", is_flag=True, help="Run detector-data processing (the processing database)."
)
@click.option("--mononly", is_flag=True, help="Only follow jobs already submitted.")
@click.option("--nomon", is_flag=True, help="Only submit new jobs.")
@click.option("--loop", is_flag=True, help="Cycle until interrupted (or --max-cycles).")
@click.option("--max-cycles", type=click.IntRange(min=1), help="Stop after this many cycles.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Seconds between cycles.",
)
@click.option(
    "--until-idle", is_flag=True, help="With --loop: stop once nothing is held or waiting."
)
@pass_app
def client_command(
    app: App,
    policy: str,
    processing: bool,
    mononly: bool,
    nomon: bool,
    loop: bool,
    max_cycles: int | None,
    interval: float,
    until_idle: bool,
) -> None:
    """Claim waiting passes, run them on this site's backend, follow and finish them."""
    if mononly and nomon:
        raise click.UsageError("--mononly and --nomon exclude each other")
    config = app.config
    backend = app.backend()
    kind = "processing" if processing else "production"
    ctx = ClientContext(config=config, db=app.database_for(kind), backend=backend, kind=kind)
    client = Client(ctx, policy=policy, monitor_only=mononly, submit_only=nomon)
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
                show(number, client.cycle())
    finally:
        backend.close()
