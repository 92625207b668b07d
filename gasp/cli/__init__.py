"""The ``gasp`` command.

Every failure that gasp anticipates (``GaspError``) ends as one line on standard error and
exit status 2; ``--debug`` shows the traceback instead. Usage errors are click's, also 2.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from gasp import __version__
from gasp.cli.context import App
from gasp.errors import GaspError

EXIT_BAD_INPUT = 2

# Each command's module, imported only when that command runs (or help lists them all):
# a worker's ``gasp run-job`` or a one-line ``gasp exactly`` should not pay for importing
# the client, the storage drivers and every other command first.
COMMANDS: dict[str, str] = {
    "db": "gasp.cli.db:db_group",
    "catalog": "gasp.cli.catalog:catalog_group",
    "submit": "gasp.cli.submit:submit_group",
    "requests": "gasp.cli.requests:requests_group",
    "exactly": "gasp.cli.requests:exactly_command",
    "client": "gasp.cli.client:client_command",
    "logs": "gasp.cli.logs:logs_command",
    "demo": "gasp.cli.demo:demo_command",
    "run-job": "gasp.cli.run_job:run_job_command",
    "enqueue": "gasp.cli.enqueue:enqueue_command",
    "calib": "gasp.cli.calib:calib_group",
    "runs": "gasp.cli.runs:runs_group",
    "summary": "gasp.cli.summary:summary_command",
    "errors": "gasp.cli.errors:errors_command",
    "stats": "gasp.cli.stats:stats_command",
    "retry": "gasp.cli.retry:retry_command",
    "cancel": "gasp.cli.cancel:cancel_command",
    "unlock": "gasp.cli.unlock:unlock_command",
    "labels": "gasp.cli.labels:labels_group",
    "delete": "gasp.cli.delete:delete_command",
    "validate": "gasp.cli.validate:validate_command",
    "usage": "gasp.cli.usage:usage_command",
    "grab": "gasp.cli.grab:grab_command",
    "move": "gasp.cli.move:move_command",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported by name when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        known = super().get_command(ctx, cmd_name)
        if known is not None or cmd_name not in COMMANDS:
            return known
        module_name, attribute = COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command) and command.name == cmd_name
        self.add_command(command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
