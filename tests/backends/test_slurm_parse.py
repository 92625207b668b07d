"""Reading sbatch, squeue and sacct, on output captured from a real Slurm; no cluster needed.

Every block below was printed by slurm-wlm 22.05.8 (Debian 12) on the test cluster of
``tests/services/slurm_cluster.py``, with the exact arguments the backend uses, except
where a comment says it is the documented form of a slurmdbd-backed ``sacct``.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from gasp.backends.base import BackendState, JobStatus
from gasp.backends.slurm_cli import (
    MAX_LIST_CHARS,
    SbatchOptions,
    SlurmCommands,
    SlurmError,
    SlurmNotInstalled,
    SlurmUnavailable,
    is_time_limit,
    sacct_argv,
    sbatch_argv,
    scancel_argvs,
    squeue_argv,
    squeue_names_argv,
)
from gasp.backends.slurm_parse import (
    ParseError,
    SlurmJob,
    by_id,
    ids_by_name,
    job_status,
    parse_sacct,
    parse_sbatch,
    parse_squeue,
    statuses,
)

LONG = "WaterPmtBetagammasVeryLongModuleNameThatGoesOnAndOnForeverAndEver_r1234567_s12_p3_a2"

# squeue --noheader --states=all --format=%i|%j|%T|%r
SQUEUE = f"""\
4|ModD|CANCELLED|None
1|ModA_r1_s0_p1_a1|COMPLETED|None
3|ModC|FAILED|NonZeroExitCode
5|{LONG}|FAILED|JobLaunchFailure
6|bad|PENDING|Resources
9|ModE|PENDING|Priority
2|ModB_r1_s0_p1_a1|RUNNING|None
7|nd|NODE_FAIL|NodeDown
8|to|TIMEOUT|TimeLimit
"""

# sacct --completion --noheader --parsable2 --format=JobIDRaw,JobName,State,ExitCode
SACCT_JOBCOMP = f"""\
1|ModA_r1_s0_p1_a1|COMPLETED|0:0
3|ModC|FAILED|3:0
4|ModD|CANCELLED|0:0
5|{LONG}|FAILED|0:9
6|bad|COMPLETED|0:0
2|ModB_r1_s0_p1_a1|CANCELLED|0:0
7|nd|NODE_FAIL|0:0
8|to|TIMEOUT|0:0
"""

# The same query against slurmdbd, in Slurm's documented form (steps appear without
# --allocations; CANCELLED carries "by UID"); not captured: the test cluster has no dbd.
SACCT_DBD = """\
12|Mod_r1_s0_p1_a1|CANCELLED by 0|0:15
12.batch|batch|CANCELLED|0:15
13|Mod_r2_s0_p1_a1|OUT_OF_MEMORY|0:125
13.batch|batch|OUT_OF_MEMORY|0:125
"""


def test_sbatch_parsable_output() -> None:
    assert parse_sbatch("1\n") == "1"
    assert parse_sbatch("4242;gasptest\n") == "4242"  # --parsable on a multi-cluster setup
    for bad in ("", "\n", "Submitted batch job 5\n", "12x\n"):
        with pytest.raises(ParseError):
            parse_sbatch(bad)


def test_squeue_output() -> None:
    jobs = {job.job_id: job for job in parse_squeue(SQUEUE)}
    assert jobs["5"] == SlurmJob("5", LONG, "FAILED", reason="JobLaunchFailure")
    assert jobs["1"].reason is None  # "None" means no reason
    expected = {
        "1": JobStatus(BackendState.FINISHED),
        "2": JobStatus(BackendState.RUNNING),
        "3": JobStatus(BackendState.FINISHED),  # the script exited 3: the report says why
        "4": JobStatus(BackendState.FAILED, "CANCELLED"),
        "5": JobStatus(BackendState.FAILED, "FAILED (JobLaunchFailure)"),  # killed by signal
        "6": JobStatus(BackendState.QUEUED),
        "7": JobStatus(BackendState.FAILED, "NODE_FAIL"),
        "8": JobStatus(BackendState.FAILED, "TIMEOUT"),
        "9": JobStatus(BackendState.QUEUED),
    }
    assert {job_id: job_status(job) for job_id, job in jobs.items()} == expected


def test_jobcomp_sacct_output_says_the_same() -> None:
    jobs = {job.job_id: job for job in parse_sacct(SACCT_JOBCOMP)}
    assert jobs["3"] == SlurmJob("3", "ModC", "FAILED", exit_code="3:0")
    assert {job_id: job_status(job).state for job_id, job in jobs.items()} == {
        "1": BackendState.FINISHED,
        "2": BackendState.FAILED,
        "3": BackendState.FINISHED,
        "4": BackendState.FAILED,
        "5": BackendState.FAILED,
        "6": BackendState.FINISHED,
        "7": BackendState.FAILED,
        "8": BackendState.FAILED,
    }
    assert job_status(jobs["5"]).reason == "FAILED (exit code 0:9)"
    assert job_status(jobs["8"]).reason == "TIMEOUT"


def test_dbd_sacct_output_skips_steps_and_reads_by_uid() -> None:
    jobs = parse_sacct(SACCT_DBD)
    assert [job.job_id for job in jobs] == ["12", "13"]
    assert job_status(jobs[0]) == JobStatus(BackendState.FAILED, "CANCELLED (exit code 0:15)")
    assert job_status(jobs[1]) == JobStatus(BackendState.FAILED, "OUT_OF_MEMORY (exit code 0:125)")


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("COMPLETING", BackendState.RUNNING),
        ("SUSPENDED", BackendState.RUNNING),
        ("REQUEUED", BackendState.QUEUED),
        ("CONFIGURING", BackendState.QUEUED),
        ("PREEMPTED", BackendState.FAILED),
        ("BOOT_FAIL", BackendState.FAILED),
        ("DEADLINE", BackendState.FAILED),
        ("SOMETHING_NEW", BackendState.UNKNOWN),  # never read as finished
        ("", BackendState.UNKNOWN),
    ],
)
def test_other_states(state: str, expected: BackendState) -> None:
    assert job_status(SlurmJob("1", "x", state)).state == expected


def test_a_name_holding_the_separator_is_still_read() -> None:
    (job,) = parse_squeue("17|odd|name|RUNNING|None\n")
    assert (job.job_id, job.name, job.state) == ("17", "odd|name", "RUNNING")
    with pytest.raises(ParseError):
        parse_squeue("17|RUNNING\n")


def test_lookups() -> None:
    jobs = parse_squeue("5|a|COMPLETED|None\n11|a|RUNNING|None\n7|b|PENDING|Priority\n")
    assert ids_by_name(jobs, ["a", "b", "c"]) == {"a": "11", "b": "7"}  # newest of a name
    assert set(by_id(jobs, ["5", "99"])) == {"5"}
    assert statuses(by_id(jobs, ["5"]), ["5", "99"], "gone") == {
        "5": JobStatus(BackendState.FINISHED),
        "99": JobStatus(BackendState.UNKNOWN, "gone"),
    }


# -- the argument lists ------------------------------------------------------------------


def test_sbatch_arguments(tmp_path: Path) -> None:
    workdir = tmp_path / "it's a job"
    options = SbatchOptions(
        partition="short", account="snoplus", time_limit="1:00:00", extra_args=("--qos=low",)
    )
    command = ("/opt/py thon/bin/python", "-m", "gasp.runner")
    argv = sbatch_argv("Mod_r1_s0_p1_a1", workdir, command, options)
    assert argv[:2] == ["sbatch", "--parsable"]
    assert "--job-name=Mod_r1_s0_p1_a1" in argv and f"--chdir={workdir}" in argv
    assert f"--output={workdir / 'runner.log'}" in argv and "--no-requeue" in argv
    for option in ("--partition=short", "--account=snoplus", "--time=1:00:00", "--qos=low"):
        assert option in argv
    assert argv[-2] == "--wrap"
    # The script line is the command exactly, however odd its paths: a shell reads it back.
    assert shlex.split(argv[-1]) == ["exec", *command, str(workdir / "spec.json")]
    bare = sbatch_argv("M_r1_s0_p1_a1", workdir, command, SbatchOptions())
    assert not [a for a in bare if a.startswith(("--partition", "--account", "--time"))]


def test_query_arguments() -> None:
    assert squeue_argv(["1", "2"]) == [
        "squeue",
        "--noheader",
        "--states=all",
        "--jobs=1,2",
        "--format=%i|%j|%T|%r",
    ]
    many = [str(n) for n in range(MAX_LIST_CHARS // 4)]  # too long for one argument
    assert "--me" in squeue_argv(many) and not any(
        a.startswith("--jobs") for a in squeue_argv(many)
    )
    assert "--name=a,b" in squeue_names_argv(["a", "b"]) and "--me" in squeue_names_argv(["a"])
    jobcomp = sacct_argv("jobcomp", ids=["3", "4"])
    assert "--completion" in jobcomp and "--jobs=3,4" in jobcomp
    dbd = sacct_argv("sacct", names=["a", "b"])
    assert "--allocations" in dbd and "--name=a,b" in dbd and "--starttime" in dbd
    assert not any(a.startswith("--name") for a in sacct_argv("jobcomp", names=["a"]))
    chunks = scancel_argvs([str(n) for n in range(2500)])
    assert [len(c) for c in chunks] == [1001, 1001, 501] and chunks[0][0] == "scancel"


@pytest.mark.parametrize("text", ["90", "1:30", "2:00:00", "1-00", "1-12:00:00", "UNLIMITED"])
def test_time_limits(text: str) -> None:
    assert is_time_limit(text)


@pytest.mark.parametrize("text", ["", "1h", "soon", "1:2:3:4", "-5", "1.5"])
def test_bad_time_limits(text: str) -> None:
    assert not is_time_limit(text)


# -- errors at the boundary, with the messages a real Slurm prints -----------------------


def _says(stderr: str, status: int) -> list[str]:
    """A command that prints ``stderr`` and exits with ``status``, as a Slurm command would."""
    code = f"import sys; sys.stderr.write({stderr!r}); sys.exit({status})"
    return [sys.executable, "-c", code]


def test_controller_down_is_unavailable() -> None:
    said = "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n"
    with pytest.raises(SlurmUnavailable, match=r"is slurmctld up\?"):
        SlurmCommands().run(_says(said, 1))


def test_disabled_accounting_names_the_option() -> None:
    with pytest.raises(SlurmError, match='accounting = "jobcomp"'):
        SlurmCommands().run(_says("Slurm accounting storage is disabled\n", 1))


def test_refused_submission_keeps_slurms_words() -> None:
    said = (
        "sbatch: error: invalid partition specified: nope\n"
        "sbatch: error: Batch job submission failed: Invalid partition name specified\n"
    )
    with pytest.raises(SlurmError, match="Invalid partition name specified") as caught:
        SlurmCommands().run(_says(said, 1))
    assert not isinstance(caught.value, SlurmUnavailable)


def test_tolerated_messages_are_not_failures() -> None:
    said = "slurm_load_jobs error: Invalid job id specified\n"
    assert SlurmCommands().run(_says(said, 1), tolerate=["Invalid job id specified"]) == ""
    with pytest.raises(SlurmError):
        SlurmCommands().run(_says(said + "something else\n", 1), tolerate=["Invalid job id"])


def test_missing_command_and_timeout() -> None:
    with pytest.raises(SlurmNotInstalled, match="apt-get install slurm-client"):
        SlurmCommands().run(["gasp-no-such-squeue"])
    slow = [sys.executable, "-c", "import time; time.sleep(5)"]
    with pytest.raises(SlurmUnavailable, match="did not answer within"):
        SlurmCommands(timeout=0.5).run(slow)


def test_slurm_conf_is_passed_to_the_commands(tmp_path: Path) -> None:
    conf = tmp_path / "slurm.conf"
    echo = [sys.executable, "-c", "import os; print(os.environ['SLURM_CONF'])"]
    assert SlurmCommands(conf).run(echo).strip() == str(conf)
