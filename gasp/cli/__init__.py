"""The ``gasp`` command.

Every failure that gasp anticipates (``GaspError``) ends as one line on standard error and
exit status 2; ``--debug`` shows the traceback instead. Usage errors are click's, also 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gasp import __version__
from gasp.cli.calib import calib_group
from gasp.cli.cancel import cancel_command
from gasp.cli.catalog import catalog_group
from gasp.cli.client import client_command
from gasp.cli.context import App
from gasp.cli.db import db_group
from gasp.cli.delete import delete_command
from gasp.cli.demo import demo_command
from gasp.cli.enqueue import enqueue_command
from gasp.cli.errors import errors_command
from gasp.cli.labels import labels_group
from gasp.cli.logs import logs_command
from gasp.cli.requests import exactly_command, requests_group
from gasp.cli.retry import retry_command
from gasp.cli.run_job import run_job_command
from gasp.cli.runs import runs_group
from gasp.cli.stats import stats_command
from gasp.cli.submit import submit_group
from gasp.cli.summary import summary_command
from gasp.cli.unlock import unlock_command
from gasp.cli.usage import usage_command
from gasp.cli.validate import validate_command
from gasp.errors import GaspError

EXIT_BAD_INPUT = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Site configuration (TOML). Default: $GASP_CONFIG, ./gasp.toml, else embedded.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(__version__, prog_name="gasp")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, debug: bool) -> None:
    """Monte Carlo production and detector-data processing across computing sites."""
    app = App(config_path=config_path, debug=debug)
    ctx.obj = app
    ctx.call_on_close(app.close)


for command in (
    db_group,
    catalog_group,
    submit_group,
    requests_group,
    exactly_command,
    client_command,
    logs_command,
    demo_command,
    run_job_command,
    enqueue_command,
    calib_group,
    runs_group,
    retry_command,
    cancel_command,
    unlock_command,
    summary_command,
    errors_command,
    stats_command,
    labels_group,
    delete_command,
    validate_command,
    usage_command,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command, turning gasp's errors into one line and exit 2."""
    args = sys.argv[1:] if argv is None else argv
    try:
        # Not standalone, click returns (not raises) a command's ``Exit(code)``.
        code = cli.main(args=args, prog_name="gasp", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except GaspError as exc:
        if "--debug" in args:
            raise
        click.echo(f"gasp: error: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if isinstance(code, int) and code:
        sys.exit(code)
