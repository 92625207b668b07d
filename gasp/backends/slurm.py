"""The ``slurm`` backend: each subjob is one Slurm batch job, followed with O(1) queries.

Plain ``sbatch``/``squeue``/``sacct``/``scancel``, not psij-python: psij follows jobs
through in-memory job objects and a polling thread of its own, finds nothing by name,
and has no accounting fallback, while gasp needs the opposite: a client that may be
killed at any moment, one query per cycle, and reconciliation by name after a restart.
Four commands with parseable output do that in a few hundred lines.

* **submit**: the spec goes to ``<workdir>/spec.json``; one ``sbatch --parsable`` per job
  (``--job-name`` = the gasp name, ``--chdir`` = the job folder, output appended to
  ``runner.log``, ``--no-requeue``), running ``exec <command> <workdir>/spec.json``. The
  id is recorded in the spool right after sbatch returns (``<spool>/slurm-ids/<name>``).
* **status**: one ``squeue --jobs=ID,...`` for every id, then, for the ids the controller
  has forgotten (``MinJobAge`` after they ended), one accounting query: ``sacct``
  (slurmdbd), or ``sacct --completion`` (the ``jobcomp/filetxt`` file; a cluster without
  slurmdbd). Neither knows the job: ``unknown``, which the client never reads as
  finished. At most two commands per call, however many jobs.
* **find**: recorded ids first (no command), then one ``squeue --name=...`` and one
  accounting query for the names still missing.
* **cancel**: ``scancel ID ID ...`` in one call.

Slurm states and what they become are in ``slurm_parse``; the commands and their errors
in ``slurm_cli``. The job folders must be on a filesystem the nodes share with the
client (``report.json`` is read from there), as on any Slurm site.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from gasp.backends import slurm_parse as parse
from gasp.backends.base import Backend, BackendState, JobStatus, Submission
from gasp.backends.local import write_spec
from gasp.backends.options import DEFAULT_COMMAND
from gasp.backends.slurm_cli import (
    ACCOUNTING_MODES,
    DEFAULT_TIMEOUT_S,
    SbatchOptions,
    SlurmCommands,
    SlurmError,
    sacct_argv,
    sbatch_argv,
    scancel_argvs,
    squeue_argv,
    squeue_names_argv,
)
from gasp.backends.spool import is_job_name
from gasp.errors import ConfigError

IDS_FOLDER = "slurm-ids"
INVALID_JOB_ID = "Invalid job id specified"
FORGOTTEN = "Slurm no longer knows this job (not in squeue, not in accounting)"

log = logging.getLogger(__name__)
T = TypeVar("T")


class SlurmBackend(Backend):
    """Subjobs as Slurm batch jobs on the cluster ``slurm_conf`` (or the default) names."""

    name = "slurm"

    def __init__(
        self,
        *,
        spool: Path | None = None,
        options: SbatchOptions = SbatchOptions(),  # noqa: B008 - frozen, never mutated
        command: Sequence[str] = DEFAULT_COMMAND,
        accounting: str = "sacct",
        slurm_conf: Path | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        """``spool``: where submitted ids are recorded by name (reconciliation of jobs
        accounting has forgotten); without it only squeue and accounting are asked.

        ``accounting``: ``sacct`` (slurmdbd), ``jobcomp`` (``sacct --completion``, for
        clusters with ``JobCompType=jobcomp/filetxt`` and no slurmdbd) or ``none``.
        """
        if accounting not in ACCOUNTING_MODES:
            known = ", ".join(ACCOUNTING_MODES)
            raise ConfigError(
                f"slurm backend: accounting must be one of {known}, not {accounting!r}"
            )
        if not command or not all(isinstance(part, str) and part for part in command):
            raise ConfigError(f"slurm backend: command must be non-empty strings, not {command!r}")
        if timeout <= 0:
            raise ConfigError(f"slurm backend: timeout must be positive, not {timeout}")
        self.options = options
        self.command = tuple(command)
        self.accounting = accounting
        self.commands = SlurmCommands(slurm_conf, timeout)
        self.ids_folder: Path | None = None
        if spool is not None:
            self.ids_folder = Path(spool).absolute() / IDS_FOLDER
            try:
                self.ids_folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"slurm backend spool {spool}: {exc.strerror or exc}") from exc

    # -- the Backend interface -------------------------------------------------------------

    def submit(self, jobs: Sequence[Submission]) -> list[str]:
        """One sbatch per job, in order; a name already recorded is not submitted again.

        If sbatch fails part-way, the jobs before it are submitted and recorded, and the
        error is raised: the client's next ``find`` picks them up by name.
        """
        for job in jobs:
            if not is_job_name(job.name):
                raise ValueError(f"job name {job.name!r} is not a valid slurm backend job name")
        ids: list[str] = []
        for job in jobs:
            known = self._recorded(job.name)
            if known is not None:
                ids.append(known)
                continue
            workdir = job.workdir.absolute()
            try:
                write_spec(workdir, job.spec)
            except OSError as exc:
                raise SlurmError(
                    f"slurm backend: cannot write the spec in {workdir}: {exc}"
                ) from exc
            argv = sbatch_argv(job.name, workdir, self.command, self.options)
            job_id = self._parsed(parse.parse_sbatch, self.commands.run(argv), "sbatch")
            self._record(job.name, job_id)
            ids.append(job_id)
        return ids

    def status(self, ids: Sequence[str]) -> dict[str, JobStatus]:
        """One squeue for all ids, one accounting query for those it no longer knows."""
        wanted = list(dict.fromkeys(ids))
        valid = [job_id for job_id in wanted if parse.JOB_ID.fullmatch(job_id)]
        known: dict[str, parse.SlurmJob] = {}
        if valid:
            out = self.commands.run(squeue_argv(valid), tolerate=[INVALID_JOB_ID])
            known = parse.by_id(self._parsed(parse.parse_squeue, out, "squeue"), valid)
        missing = [job_id for job_id in valid if job_id not in known]
        if missing and self.accounting != "none":
            out = self.commands.run(sacct_argv(self.accounting, ids=missing))
            known.update(parse.by_id(self._parsed(parse.parse_sacct, out, "sacct"), missing))
        result = parse.statuses(known, valid, FORGOTTEN)
        for job_id in wanted:
            if job_id not in result:
                result[job_id] = JobStatus(
                    BackendState.UNKNOWN, f"{job_id!r} is not a Slurm job id"
                )
        return {job_id: result[job_id] for job_id in ids}

    def cancel(self, ids: Sequence[str]) -> None:
        """``scancel`` the jobs; ended or unknown ones are not an error."""
        valid = [job_id for job_id in dict.fromkeys(ids) if parse.JOB_ID.fullmatch(job_id)]
        for argv in scancel_argvs(valid):
            self.commands.run(argv, tolerate=[INVALID_JOB_ID, "already completing or completed"])

    def find(self, names: Sequence[str]) -> dict[str, str]:
        """Ids of jobs submitted under these names: recorded ones, then squeue, then sacct."""
        wanted = [name for name in dict.fromkeys(names) if is_job_name(name)]
        found: dict[str, str] = {}
        for name in wanted:
            recorded = self._recorded(name)
            if recorded is not None:
                found[name] = recorded
        rest = [name for name in wanted if name not in found]
        if rest:
            out = self.commands.run(squeue_names_argv(rest))
            found.update(parse.ids_by_name(self._parsed(parse.parse_squeue, out, "squeue"), rest))
        rest = [name for name in wanted if name not in found]
        if rest and self.accounting != "none":
            out = self.commands.run(sacct_argv(self.accounting, names=rest))
            found.update(parse.ids_by_name(self._parsed(parse.parse_sacct, out, "sacct"), rest))
        return found

    # -- the record of submitted ids -------------------------------------------------------

    def _record(self, name: str, job_id: str) -> None:
        """Write ``<spool>/slurm-ids/<name>`` atomically; a failure is only logged.

        The job is submitted whatever happens here, and squeue and accounting still find
        it by name: a full disk must not make the client submit it a second time.
        """
        if self.ids_folder is None:
            return
        path = self.ids_folder / name
        temporary = path.with_name(f".{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            temporary.write_text(f"{job_id}\n", encoding="ascii")
            os.replace(temporary, path)
        except OSError as exc:
            log.warning("slurm backend: could not record job %s (%s): %s", name, job_id, exc)

    def _recorded(self, name: str) -> str | None:
        if self.ids_folder is None:
            return None
        try:
            text = (self.ids_folder / name).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return text if parse.JOB_ID.fullmatch(text) else None

    @staticmethod
    def _parsed(reader: Callable[[str], T], out: str, program: str) -> T:
        """Parse a command's output; output that makes no sense is a SlurmError too."""
        try:
            return reader(out)
        except parse.ParseError as exc:
            raise SlurmError(f"{program}: unexpected output: {exc}") from exc
