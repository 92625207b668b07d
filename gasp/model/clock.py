"""UTC timestamps as ISO-8601 strings, the only time format documents carry.

Every time gasp writes into a document is ``format_time``'s: UTC, microseconds, a ``Z``
(``2026-01-05T10:15:00.000000Z``), so that times sort as text. Reading one back goes
through ``parse_time``, the shared rule of ``gasp.values.parse_timestamp`` (any ISO 8601
time, years 1970-9999, never an ``OverflowError``). Times in stored documents come from
other writers (other sites, operators, older versions): ``read_time`` gives None for one
that cannot be read, and each caller says what such a time means for it, rather than one
bad value stopping a client cycle.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gasp.values import parse_timestamp

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_time(moment: datetime) -> str:
    """A time as documents store it (an aware time is converted to UTC first)."""
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def utc_now() -> str:
    """Now, as documents store it."""
    return format_time(datetime.now(UTC))


def parse_time(text: str) -> datetime:
    """A stored time as an aware UTC ``datetime``; ``ValueError`` says what is wrong."""
    return parse_timestamp(text)


def read_time(value: object) -> datetime | None:
    """A time read from a stored document, or None if it is not one (absent, not a
    string, not a time, or out of range)."""
    if not isinstance(value, str):
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


__all__ = ["TIME_FORMAT", "format_time", "parse_time", "read_time", "utc_now"]
