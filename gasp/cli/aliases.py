"""The command names operators typed before gasp: each maps to the same code.

The original system was a set of scripts (``production_submit.py``, ``gasp_client.py``,
``enqueue_command.py``, ``retry_failed``, ``cancel_jobs``, ``unlock_jobs``,
``production_summary``, ``grabber``). Years of shift notes, cron tables and fingers use those names,
so each is installed as a console script that runs the ``gasp`` command it became,
with the positional argument the old script took where one makes sense:

=======================  ============================  =====================================
old name                 runs                          positional argument
=======================  ============================  =====================================
``production_submit``    ``gasp submit production``    the request file (as before)
``gasp_client``          ``gasp client``               none
``enqueue_command``      ``gasp enqueue``              SITE, then ``-- COMMAND...``
``retry_failed``         ``gasp retry``                an ``.exactly`` list (``--exactly``)
``cancel_jobs``          ``gasp cancel``               an ``.exactly`` list (``--exactly``)
``unlock_jobs``          ``gasp unlock``               SITE
``production_summary``   ``gasp summary``              a label (``--label``)
``grabber``              ``gasp grab``                 a label (``--label``)
=======================  ============================  =====================================

The global options (``-c/--config``, ``--debug``) may be given anywhere before ``--``;
they are moved in front of the command, where ``gasp`` takes them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from gasp.cli import main

_GLOBAL_WITH_VALUE = ("-c", "--config")
_GLOBAL_FLAGS = ("--debug",)


def _split_globals(args: list[str]) -> tuple[list[str], list[str]]:
    """(global options, the rest), looking only before a ``--``."""
    globals_: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        if arg in _GLOBAL_WITH_VALUE and index + 1 < len(args):
            globals_.extend(args[index : index + 2])
            index += 2
            continue
        if arg.startswith("--config=") or arg in _GLOBAL_FLAGS:
            globals_.append(arg)
        else:
            rest.append(arg)
        index += 1
    return globals_, rest


def _positional_as(option: str) -> Callable[[list[str]], list[str]]:
    """An old script's leading positional argument, given to ``option`` instead."""

    def rewrite(args: list[str]) -> list[str]:
        if args and not args[0].startswith("-"):
            return [option, args[0], *args[1:]]
        return args

    return rewrite


def _unchanged(args: list[str]) -> list[str]:
    return args


def _alias(command: list[str], rewrite: Callable[[list[str]], list[str]]) -> Callable[[], None]:
    def run() -> None:
        globals_, rest = _split_globals(sys.argv[1:])
        main([*globals_, *command, *rewrite(rest)])

    return run


production_submit = _alias(["submit", "production"], _unchanged)
gasp_client = _alias(["client"], _unchanged)
enqueue_command = _alias(["enqueue"], _unchanged)
retry_failed = _alias(["retry"], _positional_as("--exactly"))
cancel_jobs = _alias(["cancel"], _positional_as("--exactly"))
unlock_jobs = _alias(["unlock"], _unchanged)
production_summary = _alias(["summary"], _positional_as("--label"))
grabber = _alias(["grab"], _positional_as("--label"))

__all__ = [
    "cancel_jobs",
    "enqueue_command",
    "gasp_client",
    "grabber",
    "production_submit",
    "production_summary",
    "retry_failed",
    "unlock_jobs",
]
