"""Start local-backend workers detached from the client. Run as a script; stdlib only.

The client runs ``python -I -S launcher.py`` in a new session, hands it a JSON list of jobs
on standard input and waits for it. The launcher is the middle of a double fork: for each
job it forks a worker, and it exits as soon as every worker has exec'd. The workers are
then re-parented to init, which reaps them; they lead their own sessions, so neither
killing the client nor killing the client's whole process group touches them.

It runs without ``site`` and without gasp on its path (a fork-and-exec helper should start
in milliseconds), so it duplicates the few lines of ``procfs`` it needs. Forking here
rather than in the client keeps ``fork()`` out of a client that may hold threads.

Each worker, between fork and exec:

1. starts a new session, so that its process group is its own and holds all it starts;
2. claims the job: it writes its pid, start time and boot id to a temporary file and
   hard-links it to ``<spool>/jobs/<name>.pid``. ``link`` fails if the name exists, so
   however many launchers race for one job (a client killed mid-launch, then restarted),
   exactly one worker runs it and the others exit without running anything;
3. exits without running if the job was cancelled meanwhile;
4. appends its stdout and stderr to the job's log, reads /dev/null, moves to the job
   folder, restores the signals Python ignores (SIGPIPE, SIGXFSZ) and execs the command.

Standard output: one JSON line per job, ``{"name", "outcome", "error"}`` where outcome is
``started``, ``taken`` (another worker has the claim), ``cancelled`` or ``error``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from datetime import UTC, datetime
from typing import Any

EXEC_FAILED = 127


def _start_ticks() -> int:
    """This process's start time in ticks since boot (as ``procfs.parse_stat``)."""
    with open("/proc/self/stat", encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    return int(text[text.rindex(")") + 2 :].split()[19])


def _boot_id() -> str:
    with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as handle:
        return handle.read().strip()


def _claim(path: str) -> bool:
    """Hard-link a complete claim file into place; False if the job is already claimed."""
    pid = os.getpid()
    claim = {
        "pid": pid,
        "start_ticks": _start_ticks(),
        "boot_id": _boot_id(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    folder, base = os.path.split(path)
    temporary = os.path.join(folder, f".{base}.{pid}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(claim, handle)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    return True


def _cancelled(record_path: str) -> bool:
    try:
        with open(record_path, encoding="utf-8") as handle:
            return bool(json.load(handle).get("cancelled"))
    except (OSError, ValueError):
        return False  # no readable record: nothing says it was cancelled


def _become_worker(job: dict[str, Any], report_fd: int) -> int:
    """In the forked child: claim, redirect, exec. Returns an exit status only on failure."""
    os.setsid()
    if not _claim(job["claim"]):
        os.write(report_fd, b'{"outcome": "taken"}')
        return 0
    if _cancelled(job["record"]):
        os.write(report_fd, b'{"outcome": "cancelled"}')
        return 0
    log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    os.chdir(job["workdir"])
    for name in ("SIGPIPE", "SIGXFSZ"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    argv = [str(part) for part in job["argv"]]
    try:
        os.execvp(argv[0], argv)
    except OSError as exc:
        message = f"cannot execute {argv[0]!r}: {exc.strerror or exc}"
        os.write(2, f"gasp local backend: {message}\n".encode())
        os.write(report_fd, json.dumps({"outcome": "error", "error": message}).encode())
    return EXEC_FAILED


def start(job: dict[str, Any]) -> dict[str, Any]:
    """Fork one worker and wait until it has exec'd (or said why it did not)."""
    read_fd, write_fd = os.pipe()  # both close-on-exec: a successful exec closes write_fd
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(read_fd)
            status = _become_worker(job, write_fd)
        except BaseException as exc:
            error = json.dumps({"outcome": "error", "error": f"{type(exc).__name__}: {exc}"})
            os.write(write_fd, error.encode())
        finally:
            os._exit(status)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    if not chunks:
        return {"name": job["name"], "outcome": "started", "error": None}
    os.waitpid(pid, 0)  # it did not exec and is exiting now: reap it here
    result = json.loads(b"".join(chunks))
    return {"name": job["name"], "outcome": result["outcome"], "error": result.get("error")}


def main() -> int:
    jobs = json.load(sys.stdin)
    for job in jobs:
        print(json.dumps(start(job)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
