"""What the submit commands are given beside their request, checked before the first write.

A failing command writes nothing, so everything it will need is checked first: that the
``-o`` file can be appended to (checked without creating it: an empty file left behind is
a write too), that a tag is one line, that names are safe names and run numbers follow the
one rule of ``gasp.values``. Each problem names its option.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from gasp.errors import InputError
from gasp.model.exactly import Triple, format_lines
from gasp.values import check_line, check_name, check_priority, parse_run

T = TypeVar("T")


def value_problems(option: str, value: T | None, rule: Callable[[T], object]) -> list[str]:
    """``[]`` if ``value`` (when given) keeps ``rule``; else one problem naming ``option``."""
    if value is None:
        return []
    try:
        rule(value)
    except ValueError as exc:
        return [f"{option}: {exc}"]
    return []


def names_problems(option: str, values: Iterable[str]) -> list[str]:
    """Every value of a repeated name option (``-N``) that is not a safe name."""
    return [p for value in values for p in value_problems(option, value, check_name)]


def common_problems(ratdb_tag: str | None, priority: int | None = None) -> list[str]:
    """The options every submit command takes: the database tag and the priority."""
    return value_problems("-t/--ratdb-tag", ratdb_tag, check_line) + value_problems(
        "--priority", priority, check_priority
    )


def parse_runs_option(values: Sequence[str]) -> tuple[list[int], list[str]]:
    """``--runs 1,2 --runs 3``: the runs, and a problem for each part that is not a run."""
    runs: list[int] = []
    problems: list[str] = []
    for value in values:
        for part in value.replace(",", " ").split():
            try:
                runs.append(parse_run(part))
            except ValueError as exc:
                problems.append(f"--runs: {exc}")
    if not runs and not problems:
        problems.append("--runs: no run numbers given")
    return runs, problems


def check_outlist(path: Path | None) -> None:
    """Refuse an ``-o`` file that could not be appended to; creates and changes nothing.

    An existing file is opened for appending, sought to its end as appending does, and
    closed again (no byte written, not truncated; non-blocking, so a pipe nobody reads is
    refused rather than waited on); a new one needs a writable folder.
    """
    if path is None:
        return
    where = f"-o {path}"
    found = _stat(path, where, follow=True)
    if found is not None:
        if stat.S_ISDIR(found.st_mode):
            raise InputError(f"{where}: is a folder; give a file to append the .exactly lines to")
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK)
            try:
                os.lseek(descriptor, 0, os.SEEK_END)  # as appending will
            except OSError as exc:
                if exc.errno != errno.ESPIPE:  # a pipe: nothing to seek, as for append
                    raise
            finally:
                os.close(descriptor)
        except OSError as exc:
            raise InputError(f"{where}: cannot be written: {exc.strerror or exc}") from None
        return
    if _stat(path, where, follow=False) is not None:
        raise InputError(f"{where}: is a symbolic link to nothing")
    folder = path.absolute().parent
    found = _stat(folder, where, follow=True)
    if found is None:
        raise InputError(f"{where}: the folder {folder} does not exist")
    if not stat.S_ISDIR(found.st_mode):
        raise InputError(f"{where}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{where}: the folder {folder} is not writable")


def _stat(path: Path, where: str, *, follow: bool) -> os.stat_result | None:
    """The status of ``path``, or None if there is nothing there."""
    try:
        return path.stat() if follow else path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise InputError(f"{where}: cannot be checked: {exc.strerror or exc}") from None


def append_exactly(path: Path | None, exactly: Sequence[Triple]) -> None:
    """``-o``: append the ``module run pass`` lines of what was created."""
    if path is None or not exactly:
        return
    try:
        with path.open("a", encoding="utf-8") as out:
            out.write(format_lines(exactly))
    except OSError as exc:
        raise InputError(
            f"cannot write the .exactly list to {path}: {exc.strerror or exc}"
        ) from exc


__all__ = [
    "append_exactly",
    "check_outlist",
    "common_problems",
    "names_problems",
    "parse_runs_option",
    "value_problems",
]
