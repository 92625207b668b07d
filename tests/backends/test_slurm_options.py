"""The slurm backend from a site's options: what the factory accepts, and what it refuses.

No cluster is needed: building a backend runs no Slurm command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from gasp.backends.factory import make_backend
from gasp.backends.local import DEFAULT_COMMAND
from gasp.backends.slurm import SlurmBackend
from gasp.backends.slurm_cli import SbatchOptions
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
        ({"partion": "x"}, r"unknown option\(s\) partion \(known: "),
        ({"partition": 3}, "'partition' must be a string"),
        ({"time_limit": "soon"}, "'time_limit' must be minutes or one of sbatch's --time"),
        ({"time_limit": 0}, "'time_limit' must be minutes"),
        ({"time_limit": True}, "'time_limit' must be minutes"),
        ({"extra_args": "--qos=low"}, "'extra_args' must be a list of strings"),
        ({"command": [sys.executable, 3]}, "'command' must be a list of strings"),
        ({"command": []}, "command must be non-empty strings"),
        ({"accounting": "slurmdbd"}, "accounting must be one of sacct, jobcomp, none"),
        ({"timeout": "long"}, "'timeout' must be a number"),
        ({"timeout": 0}, "timeout must be positive"),
        ({"slurm_conf": ""}, "'slurm_conf' must be a file path"),
    ],
)
def test_bad_options_are_configuration_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_backend("slurm", options)


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
