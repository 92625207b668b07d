"""Every error toyrat raises on purpose, in one tree.

    ToyratError        base, never raised itself
    ├── UsageError     bad options, macro or input files: exit status 2, nothing written
    │   └── MacroError a macro line is wrong (names the macro and the line)
    └── RunFailure     the run started and then failed: exit status 1

toyrat stands in for an external program, so it does not use ``gasp.errors``: gasp sees it
only through its exit status, its stdout/stderr and its files, exactly as it would see the
real program. The split of exit statuses matters to gasp: 2 means "this job can never work
as specified" and 1 means "this attempt failed", which a retry policy may treat differently.
"""

from __future__ import annotations


class ToyratError(Exception):
    """Anything toyrat reports as one line on stderr before exiting non-zero."""

    exit_status = 1


class UsageError(ToyratError):
    """The command line, the macro or an input file is invalid; nothing was written."""

    exit_status = 2


class MacroError(UsageError):
    """A macro cannot be run; the message names the macro file and, if known, the line."""

    def __init__(self, macro: str, line: int | None, message: str) -> None:
        where = f"{macro} line {line}" if line is not None else macro
        super().__init__(f"macro {where}: {message}")
        self.macro = macro
        self.line = line


class RunFailure(ToyratError):
    """The run started and failed (input/output error, database error, simulated crash)."""

    exit_status = 1


__all__ = ["MacroError", "RunFailure", "ToyratError", "UsageError"]
