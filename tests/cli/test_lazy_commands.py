"""The ``gasp`` command imports a subcommand's module only when that command runs."""

from __future__ import annotations

import subprocess
import sys

import click

from gasp.cli import COMMANDS, cli


def test_every_command_is_found_under_its_name() -> None:
    context = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(context, name)
        assert command is not None and command.name == name
    assert set(cli.list_commands(context)) == set(COMMANDS)


def test_a_small_command_does_not_import_the_others() -> None:
    probe = (
        "import sys\n"
        "from gasp.cli import main\n"
        "try:\n"
        "    main(['exactly', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('gasp.client.cycle', 'gasp.submit.production', 'gasp.ops.delete',"
        " 'fsspec') if m in sys.modules]\n"
        "print('heavy:' + ','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip().splitlines()[-1] == "heavy:", result.stdout
