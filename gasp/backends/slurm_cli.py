"""Running Slurm's commands: argument lists only, one timeout, errors translated once.

    GaspError                 (gasp.errors)
    └── SlurmError            a Slurm command failed; the message ends with its own words
        ├── SlurmNotInstalled the command is not on PATH (the message names the package)
        └── SlurmUnavailable  the controller did not answer (down, unreachable, too slow)

Every command is an argument list built by the pure ``*_argv`` functions below (tested
without a cluster) and run without a shell. The one shell that exists is the batch
script sbatch writes for ``--wrap``; its single line is built with ``shlex.join``. A
failing command becomes one of the errors above here, at the boundary, with ``raise ...
from``: the client reports one line, never a traceback, and never reads a failed query
as "no jobs".
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gasp.backends.slurm_parse import SACCT_FIELDS, SQUEUE_FORMAT
from gasp.errors import GaspError
from gasp.jobfolder import SPEC_FILE

LOG_FILE = "runner.log"
ACCOUNTING_MODES = ("sacct", "jobcomp", "none")
# Linux refuses a single argument over 128 KiB; longer id or name lists are not passed as
# a filter: the query asks for all of this user's jobs and the answer is filtered here.
MAX_LIST_CHARS = 100_000
# How far back ``sacct`` looks for names (reconciliation): a job older than this is found
# through the backend's own record of the ids it submitted.
ACCOUNTING_LOOKBACK = "now-30days"
CANCEL_CHUNK = 1000
DEFAULT_TIMEOUT_S = 60.0
INSTALL_HINT = "install Slurm's client commands (Debian: apt-get install slurm-client)"
UNAVAILABLE = (
    "Unable to contact slurm controller",
    "Socket timed out",
    "Zero Bytes were transmitted",
    "Could not establish a configuration source",
    "Connection refused",
    "Communication connection failure",
)
ACCOUNTING_DISABLED = "accounting storage is disabled"
TIME_LIMIT = re.compile(r"(\d+-)?\d+(:\d{1,2}){0,2}|\d+-\d+|UNLIMITED|INFINITE")


class SlurmError(GaspError):
    """A Slurm command failed; the message names the command and ends with what it said."""


class SlurmNotInstalled(SlurmError):
    """A Slurm command is not installed here."""


class SlurmUnavailable(SlurmError):
    """The Slurm controller did not answer (slurmctld down or unreachable, or a timeout)."""


def is_time_limit(text: str) -> bool:
    """Whether ``text`` is one of sbatch's ``--time`` forms (minutes, [D-]H:M:S, ...)."""
    return TIME_LIMIT.fullmatch(text) is not None


@dataclass(frozen=True)
class SbatchOptions:
    """What a site's configuration adds to every sbatch call."""

    partition: str | None = None
    account: str | None = None
    time_limit: str | None = None  # sbatch --time, e.g. "90" (minutes) or "1-00:00:00"
    extra_args: tuple[str, ...] = ()  # passed as they are, before the script


def wrap_line(command: Sequence[str], workdir: Path) -> str:
    """The batch script's one line: the runner on the job's spec, as the script's process.

    ``exec`` makes the runner the batch script itself, so the signals Slurm sends on a
    cancel or a time limit reach it directly, and its exit status is the job's.
    """
    return "exec " + shlex.join([*command, str(workdir / SPEC_FILE)])


def sbatch_argv(
    name: str, workdir: Path, command: Sequence[str], options: SbatchOptions
) -> list[str]:
    """Submit one job: named, in its folder, its output appended to ``runner.log``.

    ``--no-requeue``: gasp retries a failed job itself, as a new attempt under a new
    name; Slurm re-running the same attempt in the same folder would defeat the names.
    """
    argv = [
        "sbatch",
        "--parsable",
        f"--job-name={name}",
        f"--chdir={workdir}",
        f"--output={workdir / LOG_FILE}",
        "--open-mode=append",
        "--no-requeue",
    ]
    if options.partition:
        argv.append(f"--partition={options.partition}")
    if options.account:
        argv.append(f"--account={options.account}")
    if options.time_limit:
        argv.append(f"--time={options.time_limit}")
    argv += options.extra_args
    argv += ["--wrap", wrap_line(command, workdir)]
    return argv


def _filter(option: str, values: Sequence[str]) -> list[str]:
    """``--jobs=1,2,3``, or nothing when the list is too long for one argument."""
    joined = ",".join(values)
    return [f"{option}={joined}"] if len(joined) <= MAX_LIST_CHARS else []


def squeue_argv(ids: Sequence[str]) -> list[str]:
    """One query for all these jobs, in every state the controller still remembers."""
    jobs = _filter("--jobs", ids)
    scope = jobs or ["--me"]
    return ["squeue", "--noheader", "--states=all", *scope, f"--format={SQUEUE_FORMAT}"]


def squeue_names_argv(names: Sequence[str]) -> list[str]:
    """One query for this user's jobs under these names (reconciliation)."""
    return [
        "squeue",
        "--noheader",
        "--states=all",
        "--me",
        *_filter("--name", names),
        f"--format={SQUEUE_FORMAT}",
    ]


def sacct_argv(
    mode: str, *, ids: Sequence[str] | None = None, names: Sequence[str] | None = None
) -> list[str]:
    """One accounting query for jobs by id or by name.

    ``mode`` is ``sacct`` (slurmdbd) or ``jobcomp`` (``sacct --completion``, which reads
    the file ``JobCompType=jobcomp/filetxt`` writes; it ignores name filters, so names are
    matched here).
    """
    argv = ["sacct", "--noheader", "--parsable2", f"--format={SACCT_FIELDS}"]
    if mode == "jobcomp":
        argv.append("--completion")
    else:
        argv.append("--allocations")
    if ids is not None:
        filtered = _filter("--jobs", ids)
        argv += filtered or ["--starttime", ACCOUNTING_LOOKBACK]
    elif names is not None:
        argv += ["--starttime", ACCOUNTING_LOOKBACK]
        if mode != "jobcomp":
            argv += _filter("--name", names)
    return argv


def scancel_argvs(ids: Sequence[str]) -> list[list[str]]:
    """``scancel ID ID ...``: one call per thousand jobs."""
    return [
        ["scancel", *ids[start : start + CANCEL_CHUNK]]
        for start in range(0, len(ids), CANCEL_CHUNK)
    ]


class SlurmCommands:
    """Runs Slurm commands for one backend, against ``slurm_conf`` if one is given."""

    def __init__(self, slurm_conf: Path | None = None, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.env = dict(os.environ)
        if slurm_conf is not None:
            self.env["SLURM_CONF"] = str(slurm_conf)
        self.timeout = timeout

    def run(self, argv: Sequence[str], *, tolerate: Sequence[str] = ()) -> str:
        """The command's standard output; a failure is a ``SlurmError``.

        A non-zero exit whose every message line holds one of ``tolerate`` is not a
        failure (``squeue --jobs=ID`` of a single forgotten job says "Invalid job id").
        """
        program = argv[0]
        try:
            done = subprocess.run(
                list(argv),
                env=self.env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError as exc:
            raise SlurmNotInstalled(f"{program}: not found on PATH; {INSTALL_HINT}") from exc
        except subprocess.TimeoutExpired as exc:
            raise SlurmUnavailable(
                f"{program} did not answer within {self.timeout:.0f} s (is slurmctld up?)"
            ) from exc
        except OSError as exc:
            raise SlurmError(f"{program}: cannot run: {exc.strerror or exc}") from exc
        if done.returncode == 0:
            return done.stdout
        messages = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        if messages and tolerate and all(any(t in m for t in tolerate) for m in messages):
            return done.stdout
        raise _failure(program, done.returncode, messages)


def _failure(program: str, status: int, messages: list[str]) -> SlurmError:
    said = messages[-1] if messages else "no message"
    text = f"{program} failed (exit status {status}): {said}"
    if any(marker in m for m in messages for marker in UNAVAILABLE):
        return SlurmUnavailable(f"{text} (is slurmctld up?)")
    if any(ACCOUNTING_DISABLED in m for m in messages):
        return SlurmError(
            f'{text}; set the slurm backend\'s option accounting = "jobcomp" (with '
            'JobCompType=jobcomp/filetxt in slurm.conf) or "none"'
        )
    return SlurmError(text)
