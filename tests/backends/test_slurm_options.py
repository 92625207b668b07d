"""The slurm backend from a site's options: what the factory accepts, and what it refuses.

No cluster is needed: building a backend runs no Slurm command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, get_args

import pytest

from gasp.backends.factory import make_backend
from gasp.backends.options import DEFAULT_COMMAND, Accounting
from gasp.backends.slurm import SlurmBackend
from gasp.backends.slurm_cli import ACCOUNTING_MODES, SbatchOptions
from gasp.config import parse_config
from gasp.errors import ConfigError


def test_every_option(tmp_path: Path) -> None:
    backend = make_backend(
        "slurm",
        {
            "spool": str(tmp_path / "spool"),
            "max_running": 4,
            "partition": "short",
            "account": "snoplus",
            "time_limit": 90,
            "extra_args": ["--qos=low", "--mem=2G"],
            "command": ["/opt/gasp/bin/python", "-m", "gasp.runner"],
            "accounting": "jobcomp",
            "slurm_conf": str(tmp_path / "slurm.conf"),
            "timeout": 20,
        },
    )
    assert isinstance(backend, SlurmBackend) and backend.name == "slurm"
    assert backend.options == SbatchOptions("short", "snoplus", "90", ("--qos=low", "--mem=2G"))
    assert backend.command == ("/opt/gasp/bin/python", "-m", "gasp.runner")
    assert backend.accounting == "jobcomp"
    assert backend.commands.env["SLURM_CONF"] == str(tmp_path / "slurm.conf")
    assert backend.commands.timeout == 20.0
    assert (tmp_path / "spool" / "slurm-ids").is_dir()


def test_defaults() -> None:
    backend = make_backend("slurm", {})
    assert isinstance(backend, SlurmBackend)
    assert backend.command == DEFAULT_COMMAND and backend.accounting == "sacct"
    assert backend.options == SbatchOptions() and backend.ids_folder is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"partion": "x"}, r"backend 'slurm': option 'partion': unknown option \(known: "),
        ({"partition": 3}, "option 'partition': Input should be a valid string"),
        ({"time_limit": "soon"}, "option 'time_limit': must be minutes or one of sbatch's --time"),
        ({"time_limit": 0}, "option 'time_limit': must be minutes"),
        ({"time_limit": True}, "option 'time_limit': must be minutes"),
        ({"extra_args": "--qos=low"}, "option 'extra_args': Input should be a valid list"),
        ({"command": [sys.executable, 3]}, r"option 'command\[1\]': Input should be a valid str"),
        ({"command": []}, "option 'command': List should have at least 1 item"),
        ({"accounting": "slurmdbd"}, "option 'accounting': Input should be 'sacct', 'jobcomp'"),
        ({"timeout": "long"}, "option 'timeout': Input should be a valid number"),
        ({"timeout": 0}, "option 'timeout': must be a finite number greater than 0"),
        ({"timeout": float("inf")}, "option 'timeout': must be a finite number greater than 0"),
        ({"slurm_conf": ""}, "option 'slurm_conf': must be a path"),
        ({"spool": 7}, "option 'spool': must be a path"),
    ],
)
def test_bad_options_are_configuration_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_backend("slurm", options)


def test_the_options_know_the_accounting_modes_the_backend_knows() -> None:
    assert get_args(Accounting) == ACCOUNTING_MODES


def test_a_site_file_can_carry_lists(tmp_path: Path) -> None:
    """``extra_args`` and ``command`` are lists: the site configuration accepts them."""
    raw = {
        "backend": {
            "name": "slurm",
            "options": {"partition": "short", "extra_args": ["--qos=low"], "time_limit": 30},
        }
    }
    config = parse_config(raw, tmp_path / "site.toml")
    assert config.backend.options["extra_args"] == ["--qos=low"]
    backend = make_backend(config.backend.name, dict(config.backend.options))
    assert isinstance(backend, SlurmBackend)
    assert backend.options.extra_args == ("--qos=low",)
