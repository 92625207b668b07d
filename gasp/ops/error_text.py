"""An error message reduced to its cause, so that a thousand failures with one cause read
as one line of ``gasp errors``.

Failures with one cause differ in what is particular to each job: run and subrun numbers,
event counts, job names, work folders, URLs, checksums, times, uuids. ``normalise``
replaces each of these by a placeholder (``<n>``, ``<job>``, ``<path>``, ...) and keeps
the words. A subjob's error is often the application's exit line followed by its
standard error's tail (``gasp.runner.job``): the first line says how it ended and the
last says why, so those two are kept and the lines between (a traceback, a log) dropped.
"""

from __future__ import annotations

import re

MAX_CAUSE = 240  # characters of a normalised error: one terminal line or so
NO_ERROR = "(no error recorded)"

# Order matters: the specific shapes first, bare numbers last.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
        ),
        "<uuid>",
    ),
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
        ),
        "<time>",
    ),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b"), "<time>"),
    (re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE), "<url>"),
    (re.compile(r"\b\w+_r\d+_s\d+_p\d+(?:_a\d+)?(?:\.[\w.]+)?\b"), "<job>"),
    (re.compile(r"(?<![\w.])(?:~|\.{1,2})?/[^\s'\":,;()\[\]]+"), "<path>"),
    (re.compile(r"\b[\w.-]+(?:/[\w.-]+)+"), "<path>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<hex>"),
    (re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{6,}\b"), "<hex>"),
    (re.compile(r"(?<![\w<.])[-+]?\d+(?:\.\d+)*(?:[eE][-+]?\d+)?"), "<n>"),
)
_SPACES = re.compile(r"\s+")


def cause_lines(error: str) -> str:
    """The first and last non-empty lines of an error (one line if it has one)."""
    lines = [line.strip() for line in error.splitlines() if line.strip()]
    if not lines:
        return ""
    if len(lines) == 1:
        return lines[0]
    return f"{lines[0]} ... {lines[-1]}"


def normalise(error: str | None) -> str:
    """The cause of an error, with what is particular to one job replaced."""
    if error is None or not error.strip():
        return NO_ERROR
    text = cause_lines(error)
    for pattern, placeholder in _PATTERNS:
        text = pattern.sub(placeholder, text)
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= MAX_CAUSE else text[: MAX_CAUSE - 3] + "..."


__all__ = ["MAX_CAUSE", "NO_ERROR", "cause_lines", "normalise"]
