"""Whole numbers on the command line, kept to the rules they follow in files.

``gasp.values`` has one rule per kind of value: ASCII digits only (``int`` alone takes
digits of other scripts), runs from 1 to ``MAX_RUN``, bounded priorities. These click
types apply those rules to options, so a bad number fails as click's usage error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from gasp.values import check_priority, parse_count, parse_run


class WholeNumber(click.ParamType[int, Any]):
    """A whole number in ASCII digits, kept to one of ``gasp.values``' rules."""

    def __init__(self, name: str, rule: Callable[[str], int]) -> None:
        self.name = name
        self.rule = rule

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            return self.rule(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _run_or_zero(text: str) -> int:
    """A run number, or 0 ("from the beginning") for ``--start-run`` and ``--after``."""
    return 0 if parse_count(text) == 0 else parse_run(text)


def _positive(text: str) -> int:
    number = parse_count(text)
    if number < 1:
        raise ValueError(f"must be 1 or more, not {number}")
    return number


def _priority(text: str) -> int:
    stripped = text.strip()
    sign = -1 if stripped.startswith("-") else 1
    return check_priority(sign * parse_count(stripped.removeprefix("-").removeprefix("+")))


RUN = WholeNumber("RUN", parse_run)
RUN_OR_ZERO = WholeNumber("RUN", _run_or_zero)
POSITIVE = WholeNumber("N", _positive)
PRIORITY = WholeNumber("PRIORITY", _priority)

__all__ = ["POSITIVE", "PRIORITY", "RUN", "RUN_OR_ZERO", "WholeNumber"]
