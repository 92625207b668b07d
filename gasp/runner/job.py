"""One job from specification to report, in the order docs/architecture.md ("On the worker") gives.

1. read and validate ``spec.json`` (a bad one: failed report, exit status 2);
2. render the macro (a missing template field fails here, before anything runs);
3. stage the inputs;
4. run the application, logs in the work folder, wall and CPU time measured;
5. check every expected output (all of them, before any is stored);
6. store the outputs on the primary storage element, else on the failover one;
7. write ``report.json`` atomically, last.

Exit status: 0 when the report says completed, 1 when it says failed, 2 for a bad
specification. Short progress lines go to stdout, which backends keep as the job's log.
"""

from __future__ import annotations

import shlex
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from gasp.crashpoints import crashpoint
from gasp.jobfolder import REPORT_FILE
from gasp.runner.checks import check_output
from gasp.runner.command import application_argv
from gasp.runner.errors import ApplicationFailed, JobFailed, SpecError, Terminated
from gasp.runner.execute import STDERR, STDOUT, Finished, run_application
from gasp.runner.markers import mark
from gasp.runner.render import render_macro
from gasp.runner.report import now, tail, write_report
from gasp.runner.spec import JobReport, JobSpec, OutputReport
from gasp.runner.specfile import identity, load_spec
from gasp.runner.stage import remove_staged, stage_inputs
from gasp.runner.upload import store_outputs
from gasp.storage import StorageElement

USAGE = "usage: python -m gasp.runner SPEC.json"
EXIT_COMPLETED, EXIT_FAILED, EXIT_BAD_SPEC = 0, 1, 2


class Job:
    """The steps of one job; remembers how the application ran, for the report."""

    def __init__(self, spec: JobSpec, workdir: Path, out: TextIO) -> None:
        self.spec = spec
        self.workdir = workdir
        self.out = out
        self.finished: Finished | None = None

    def say(self, message: str) -> None:
        print(f"gasp-runner: {message}", file=self.out, flush=True)

    def run(self) -> list[OutputReport]:
        spec, workdir = self.spec, self.workdir
        self._clear_previous_run()
        application = spec.application
        macro = render_macro(
            Path(application.release_dir), application.macro, spec.template, workdir
        )
        self.say(f"rendered {application.macro} into {macro.name}")
        inputs = stage_inputs(spec.inputs, workdir, self.say)
        argv = application_argv(spec, macro, inputs)
        self.say(f"running: {shlex.join(argv)}")
        self.finished = run_application(argv, workdir)
        if self.finished.stopped_by is not None:
            raise Terminated(self.finished.stopped_by)
        self.say(
            f"application exited with status {self.finished.exit_code} after "
            f"{self.finished.wall_s:.1f} s ({self.finished.cpu_s:.1f} s cpu)"
        )
        if self.finished.exit_code != 0:
            raise ApplicationFailed(self._failure_text(self.finished.exit_code))
        checked = [check_output(output, workdir) for output in spec.outputs]
        for item in checked:
            self.say(f"checked {item.spec.local_name}: {item.events} events")
        primary = StorageElement.from_spec(spec.primary)
        failover = StorageElement.from_spec(spec.failover) if spec.failover else None
        reports = store_outputs(checked, primary, failover, self.say)
        crashpoint("runner-after-upload")
        for item in checked:  # stored and verified: the worker's copy is no longer needed
            item.path.unlink(missing_ok=True)
        remove_staged(spec.inputs, workdir)
        return reports

    def _clear_previous_run(self) -> None:
        """A rerun in the same folder must not pass off an earlier run's files as its own."""
        (self.workdir / REPORT_FILE).unlink(missing_ok=True)
        for output in self.spec.outputs:
            (self.workdir / output.local_name).unlink(missing_ok=True)

    def _failure_text(self, exit_code: int) -> str:
        """Named by the executable's file name, the same whether or not a setup script
        wrapped it in ``bash`` and wherever the site installed it."""
        if exit_code < 0:
            how = f"was killed by {signal.Signals(-exit_code).name}"
        else:
            how = f"exited with status {exit_code}"
        name = Path(self.spec.application.executable).name
        stderr = tail(self.workdir / STDERR)
        return f"{name} {how}" + (f":\n{stderr}" if stderr else " (stderr is empty)")

    def report(self, started: str, error: str | None, outputs: list[OutputReport]) -> JobReport:
        finished = self.finished
        return JobReport(
            name=self.spec.name,
            token=self.spec.token,
            status="failed" if error is not None else "completed",
            exit_code=finished.exit_code if finished else None,
            cpu_s=finished.cpu_s if finished else 0.0,
            wall_s=finished.wall_s if finished else 0.0,
            started=started,
            finished=now(),
            error=error,
            outputs=outputs,
            stdout=STDOUT,
            stderr=STDERR,
        )


def run_job(spec_path: Path, out: TextIO | None = None) -> int:
    """Run the job of ``spec_path`` and write its report; the runner's exit status."""
    out = out if out is not None else sys.stdout
    started = now()
    try:
        spec = load_spec(spec_path)
    except SpecError as exc:
        print(f"gasp-runner: bad job specification: {exc}", file=out, flush=True)
        name, token = identity(spec_path)
        rejected = JobReport(
            name=name,
            token=token,
            status="failed",
            cpu_s=0.0,
            wall_s=0.0,
            started=started,
            finished=now(),
            error=str(exc),
        )
        if spec_path.is_file():  # a job folder exists: leave the client a report there
            write_report(spec_path.resolve().parent, rejected)
        return EXIT_BAD_SPEC
    workdir = Path(spec.workdir).resolve()
    mark("start", spec.name)
    job = Job(spec, workdir, out)
    job.say(f"job {spec.name} (attempt {spec.attempt}) in {workdir}")
    error: str | None = None
    outputs: list[OutputReport] = []
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        outputs = job.run()
    except (JobFailed, SpecError, Terminated) as exc:  # SpecError: the release changed since
        error = str(exc)
    except OSError as exc:  # the work folder itself is unusable (full disk, permissions)
        error = f"work folder {workdir}: {exc}"
    except Exception as exc:
        # A bug of the runner: still leave a failed report, then let the traceback show.
        internal = f"internal error of the runner: {type(exc).__name__}: {exc}"
        _write(job.report(started, internal, []), workdir, spec_path)
        raise
    report = job.report(started, error, outputs)
    _write(report, workdir, spec_path)
    mark("end", spec.name, report.status)
    job.say(report.status + (f": {' '.join(error.split())[:300]}" if error else ""))
    return EXIT_COMPLETED if report.status == "completed" else EXIT_FAILED


def _write(report: JobReport, workdir: Path, spec_path: Path) -> None:
    """Into the work folder, or beside the specification if the work folder is unusable."""
    try:
        write_report(workdir, report)
    except OSError:
        write_report(spec_path.resolve().parent, report)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m gasp.runner SPEC.json``: run one job; 0 completed, 1 failed, 2 bad spec."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["-h"], ["--help"]):
        print(f"{USAGE}\n\n{__doc__}")
        return 0
    if len(args) != 1 or args[0].startswith("-"):
        print(USAGE, file=sys.stderr)
        return EXIT_BAD_SPEC
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return run_job(Path(args[0]))
    finally:
        signal.signal(signal.SIGTERM, previous)


__all__ = ["Job", "main", "run_job"]
