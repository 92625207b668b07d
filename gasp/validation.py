"""Turning parser and validator errors into messages that name the file, field and line."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError


def field_path(location: tuple[Any, ...]) -> str:
    """``('modules', 2, 'n_ev')`` -> ``modules[2].n_ev``."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def validation_problems(exc: ValidationError) -> list[str]:
    """One ``field: problem`` line per error pydantic found."""
    problems = []
    for error in exc.errors():
        message = "unknown field" if error["type"] == "extra_forbidden" else str(error["msg"])
        message = message.removeprefix("Value error, ")
        location = tuple(part for part in error["loc"] if not _is_union_tag(part))
        problems.append(f"{field_path(location)}: {message}")
    return problems


def describe_validation_error(exc: ValidationError, source: str) -> str:
    problems = validation_problems(exc)
    if len(problems) == 1:
        return f"{source}: {problems[0]}"
    return f"{source}: {len(problems)} problems:\n" + "\n".join(f"  {p}" for p in problems)


def json_error_location(exc: json.JSONDecodeError) -> str:
    return f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and part.startswith(("function-", "tagged-union"))
