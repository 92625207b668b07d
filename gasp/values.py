"""One rule for each kind of value that enters gasp from outside.

A run number, a duration, a label or a software version reaches gasp through many doors:
request files, run lists, ``--runs``, run tables, sidecars, catalogues, job specifications
and command-line options. Each kind has its rule here, once, as a pydantic type for the
readers that use pydantic and as a plain function for the ones that parse text by hand, so
that a value refused at one door is refused at every door with the same words.

This module sits at the bottom of the package beside ``gasp.errors``: it imports nothing
of gasp, so every layer, the worker-side runner included, can use it.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Annotated

from pydantic import AfterValidator, Field, PlainValidator

MAX_RUN = 9_999_999_999
"""The largest run number: ten digits, as the detector's run numbering allows."""

MAX_LINE = 200
"""The longest single-line text value (tags, template strings) gasp accepts."""

MAX_NAME = 100
"""The longest name (site, module, label, software version) gasp accepts."""

MAX_COUNT = 10**12
"""The largest count (events, runs) one request entry may ask for: far beyond any real
campaign, yet small enough that arithmetic on it stays exact in every store's JSON."""

MAX_PRIORITY = 10**9
"""The largest queue priority, up or down: exact in JavaScript views (below 2**53)."""


# -- numbers -------------------------------------------------------------------------------


def shown(text: str, *, limit: int = 60) -> str:
    """A value quoted in a message, cut to what one terminal line can hold: a hostile
    input of megabytes on one line must not become a message of megabytes."""
    stripped = text.strip()
    return repr(stripped if len(stripped) <= limit else stripped[: limit - 3] + "...")


def parse_count(text: str, *, what: str = "a whole number") -> int:
    """A non-negative integer written in ASCII digits.

    ``str.isdigit`` accepts ``²`` and other digits that ``int`` then refuses, so the test
    is ``isascii`` as well; the error says what was wrong, for the caller to prefix with
    the file and line.
    """
    stripped = text.strip()
    if not stripped or not (stripped.isascii() and stripped.isdigit()):
        raise ValueError(f"not {what}: {shown(text)}")
    if len(stripped) > 30:
        raise ValueError(f"number too large: {shown(stripped, limit=24)}")
    return int(stripped)


def check_run(run: int) -> int:
    """A run number is between 1 and ``MAX_RUN``."""
    if isinstance(run, bool) or not 1 <= run <= MAX_RUN:
        raise ValueError(f"run numbers go from 1 to {MAX_RUN}, not {run}")
    return run


def parse_run(text: str) -> int:
    """A run number written as text (run lists, ``--runs``, CSV run tables)."""
    return check_run(parse_count(text, what="a run number"))


def check_priority(priority: int) -> int:
    """A queue priority is a whole number between ``-MAX_PRIORITY`` and ``MAX_PRIORITY``."""
    if isinstance(priority, bool) or not -MAX_PRIORITY <= priority <= MAX_PRIORITY:
        raise ValueError(f"priorities go from {-MAX_PRIORITY} to {MAX_PRIORITY}, not {priority}")
    return priority


MAX_WAIT_S = 366 * 86_400.0
"""The longest delay or time limit a site may configure, in seconds: a year. Longer is a
typing error, and far longer overflows ``sleep`` and date arithmetic (``timedelta``)."""


def check_duration(seconds: float) -> float:
    """A duration or delay is a finite number greater than zero."""
    if isinstance(seconds, bool) or not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"must be a finite number greater than 0, not {seconds}")
    return float(seconds)


def check_finite(value: float) -> float:
    """A measured quantity (CPU seconds, a template number) is a finite number."""
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {value}")
    return value


# -- text ----------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")


def check_line(text: str, *, limit: int = MAX_LINE) -> str:
    """A single line of bounded length: no newline or other control character."""
    if not text:
        raise ValueError("must not be empty")
    if _CONTROL.search(text):
        raise ValueError("must be a single line without control characters")
    if len(text) > limit:
        raise ValueError(f"is {len(text)} characters long; at most {limit} are allowed")
    return text


def check_name(text: str, *, limit: int = MAX_NAME) -> str:
    """A safe name: letters, digits and ``_ . + -``, starting with a letter or digit, no ``..``.

    Names become parts of document ids, file names and paths, so they may hold no ``/``,
    ``:``, space or ``..``.
    """
    if len(text) > limit:
        raise ValueError(f"is {len(text)} characters long; at most {limit} are allowed")
    if not _NAME.fullmatch(text) or ".." in text:
        raise ValueError(
            f"{shown(text)} is not a safe name: use letters, digits and _ . + -, "
            "starting with a letter or digit, without '..'"
        )
    return text


def check_template_text(text: str) -> str:
    """A template value is substituted into a macro line: it must stay on that line.

    A newline would add macro commands; ``#`` would comment out the rest of the line.
    """
    check_line(text)
    if "#" in text:
        raise ValueError("must not contain '#' (it would comment out the rest of the macro line)")
    return text


def check_template_value(value: object) -> str | int | float:
    """A template value is text that stays on its macro line, or a finite number.

    Whole numbers are bounded by ``2**53`` so that every store (JavaScript views included)
    keeps them exact.
    """
    if isinstance(value, str):
        return check_template_text(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be text or a number, not {type(value).__name__}")
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise ValueError(f"whole numbers go from -2**53 to 2**53, not {value}")
        return value
    return check_finite(value)


def check_file_name(name: str) -> str:
    """A plain file name: one path component, not ``.`` or ``..``, no ``/`` or ``\\``."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise ValueError(f"{shown(name)} is not a plain file name")
    return name


def check_relative_path(path: str) -> str:
    """A path that stays inside its folder: relative, without ``..`` or empty parts."""
    if not path or "\x00" in path or "\\" in path:
        raise ValueError(f"{shown(path)} is not a relative path inside the folder")
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part == ".." for part in pure.parts):
        raise ValueError(
            f"{shown(path)} must be a relative path inside the folder (no leading '/', no '..')"
        )
    return path


# -- time ----------------------------------------------------------------------------------


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 time, as an aware UTC ``datetime``; naive times are taken as UTC.

    Years outside 1970-9999 are refused: they are typing errors here, and year 1 with a
    time-zone offset overflows when converted to UTC.
    """
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"not an ISO 8601 time: {shown(text)}") from None
    if not 1970 <= moment.year <= 9999:
        raise ValueError(f"year {moment.year} is out of range (1970-9999)")
    return moment


# -- pydantic types ------------------------------------------------------------------------

RunNumber = Annotated[int, AfterValidator(check_run)]
Duration = Annotated[float, AfterValidator(check_duration)]
FiniteFloat = Annotated[float, AfterValidator(check_finite)]
Line = Annotated[str, AfterValidator(check_line)]
Name = Annotated[str, AfterValidator(check_name)]
TemplateText = Annotated[str, AfterValidator(check_template_text)]
# Plain: one message for a bad value, rather than one per member of the union.
TemplateValue = Annotated[str | int | float, PlainValidator(check_template_value)]
FileName = Annotated[str, AfterValidator(check_file_name)]
RelativePath = Annotated[str, AfterValidator(check_relative_path)]
Count = Annotated[int, Field(ge=0)]
PositiveCount = Annotated[int, Field(gt=0, le=MAX_COUNT)]
EventCount = Annotated[int, Field(ge=0, le=MAX_COUNT)]  # a file's or a job's events
Priority = Annotated[int, AfterValidator(check_priority)]

__all__ = [
    "MAX_COUNT",
    "MAX_LINE",
    "MAX_NAME",
    "MAX_PRIORITY",
    "MAX_RUN",
    "MAX_WAIT_S",
    "Count",
    "Duration",
    "EventCount",
    "FileName",
    "FiniteFloat",
    "Line",
    "Name",
    "PositiveCount",
    "Priority",
    "RelativePath",
    "RunNumber",
    "TemplateText",
    "TemplateValue",
    "check_duration",
    "check_file_name",
    "check_finite",
    "check_line",
    "check_name",
    "check_priority",
    "check_relative_path",
    "check_run",
    "check_template_text",
    "check_template_value",
    "parse_count",
    "parse_run",
    "parse_timestamp",
    "shown",
]
