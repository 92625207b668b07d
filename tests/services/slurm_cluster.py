"""A real single-node Slurm cluster for the tests: munged, slurmctld and slurmd on loopback.

The Slurm backend is tested against the daemons a site runs (Debian's ``slurm-wlm`` and
``munge``), not against a fake ``squeue``: what the tests pass is what Slurm really says.
Everything the cluster writes lives in one temporary folder: its own munge key and socket,
``slurm.conf``, the controller's state, slurmd's spool, logs, and the job completion file.
Nothing under ``/etc`` is read or changed, so a site's real cluster on the same machine is
never touched (its ports are free ones picked at start-up).

Choices, and why:

* one node, this host (``hostname -s``), ``CPUs=2`` at most and ``RealMemory`` a little
  under ``/proc/meminfo``'s total (a node reporting less than configured is drained);
* ``proctrack/linuxproc``, ``task/none``, ``jobacct_gather/none``: no cgroups, which a
  container or a CI machine may not delegate;
* no slurmdbd (it needs a MariaDB server): ``accounting_storage/none``, so a plain
  ``sacct`` has nothing, and ``jobcomp/filetxt``, which records every ended job in a file
  that ``sacct --completion`` reads: the backend's ``accounting = "jobcomp"`` mode;
* ``MinJobAge=2``: ended jobs leave the controller's memory (hence ``squeue``) about a
  minute after they end instead of five, so tests reach the accounting fallback;
* ``SlurmdTimeout=5``, ``KillWait=5``, ``ReturnToService=2``: a stopped slurmd makes its
  node DOWN (and its jobs NODE_FAIL) within about half a minute (the controller pings on
  its own clock), and a restarted one returns the node to service by itself;
* ``batch_sched_delay=0`` and ``OverSubscribe=FORCE:4``: the controller starts pending
  jobs at its next one-second tick instead of three seconds later, and eight tiny test
  jobs share the two CPUs instead of two at a time: 200 jobs of ``true`` run in 18 s.

Daemons run in the foreground as children of the test process (``-D``/``-F``), so
stopping them is terminating processes this code started, by their pid.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "sacct", "scancel", "sinfo", "scontrol")
INSTALL_HINT = "apt-get install -y slurm-wlm munge (as root; the test command does it)"
MAX_CPUS = 2
_STOP_TIMEOUT_S = 15.0
_LOG_TAIL_LINES = 20


def missing_reason() -> str | None:
    """Why a cluster cannot be started here, or None if it can."""
    absent = [name for name in (*DAEMONS, *CLIENTS, "munge") if _which(name) is None]
    if absent:
        return f"Slurm/munge not installed (missing {', '.join(absent)}): {INSTALL_HINT}"
    if os.geteuid() != 0:
        return "a test Slurm cluster needs root (slurmd runs jobs as their user)"
    return None


def _which(name: str) -> str | None:
    """Daemons live in /usr/sbin, which a non-login PATH may lack."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _real_memory_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(int(line.split()[1]) / 1024 * 0.9)
    raise RuntimeError("no MemTotal in /proc/meminfo")


def slurm_conf(folder: Path, node: str, ctld_port: int, slurmd_port: int, socket: Path) -> str:
    """The whole ``slurm.conf`` of the test cluster (see the module docstring for why)."""
    cpus = min(MAX_CPUS, os.cpu_count() or 1)
    lines = {
        "ClusterName": "gasptest",
        "SlurmctldHost": "localhost",
        "SlurmctldPort": ctld_port,
        "SlurmdPort": slurmd_port,
        "SlurmUser": "root",
        "SlurmdUser": "root",
        "AuthType": "auth/munge",
        "CredType": "cred/munge",
        "AuthInfo": f"socket={socket}",
        "StateSaveLocation": folder / "state",
        "SlurmdSpoolDir": folder / "spool",
        "SlurmctldPidFile": folder / "slurmctld.pid",
        "SlurmdPidFile": folder / "slurmd.pid",
        "SlurmctldLogFile": folder / "log" / "slurmctld.log",
        "SlurmdLogFile": folder / "log" / "slurmd.log",
        "ProctrackType": "proctrack/linuxproc",
        "TaskPlugin": "task/none",
        "JobAcctGatherType": "jobacct_gather/none",
        "AccountingStorageType": "accounting_storage/none",
        "JobCompType": "jobcomp/filetxt",
        "JobCompLoc": folder / "log" / "jobcomp.txt",
        "SelectType": "select/cons_tres",
        "SelectTypeParameters": "CR_CPU",
        "MpiDefault": "none",
        "ReturnToService": 2,
        "SlurmdTimeout": 5,
        "KillWait": 5,
        "MinJobAge": 2,
        "SchedulerParameters": "batch_sched_delay=0",
        "InactiveLimit": 0,
        "Waittime": 0,
    }
    text = "".join(f"{key}={value}\n" for key, value in lines.items())
    text += (
        f"NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={_real_memory_mb()}"
        " State=UNKNOWN\n"
        f"PartitionName=gasp Nodes={node} Default=YES MaxTime=INFINITE OverSubscribe=FORCE:4"
        " State=UP\n"
    )
    return text


@dataclass
class SlurmCluster:
    """A running test cluster: its configuration, its node, and control over slurmd."""

    folder: Path
    conf: Path
    node: str
    env: dict[str, str]  # the environment Slurm commands need (SLURM_CONF)
    _processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a Slurm command against this cluster."""
        return subprocess.run(
            argv, env={**os.environ, **self.env}, capture_output=True, text=True, check=check
        )

    def node_state(self) -> str:
        done = self.run("sinfo", "--noheader", "--Node", "--format=%T", f"--nodes={self.node}")
        return done.stdout.strip()

    def wait_for_node(self, state: str = "idle", timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        seen = ""
        while time.monotonic() < deadline:
            for name, process in self._processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited ({process.returncode})\n{self.logs()}")
            with contextlib.suppress(subprocess.CalledProcessError):
                seen = self.node_state()
                if seen == state:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"node {self.node} not {state} after {timeout:.0f}s ({seen!r})")

    def stop_slurmd(self) -> None:
        """Stop the node's daemon as a crash would look to the controller (jobs stay)."""
        _stop(self._processes.pop("slurmd"))

    def start_slurmd(self) -> None:
        slurmd = _which("slurmd") or "slurmd"
        self._start("slurmd", [slurmd, "-D", "-f", str(self.conf), "-N", self.node])

    def cancel_everything(self) -> None:
        """Cancel every job and wait (bounded) until none is left running."""
        self.run("scancel", "--full", "--user=root", check=False)
        deadline = time.monotonic() + _STOP_TIMEOUT_S
        while time.monotonic() < deadline:
            done = self.run("squeue", "--noheader", "--format=%i", check=False)
            if done.returncode != 0 or not done.stdout.strip():
                return
            time.sleep(0.2)

    def logs(self) -> str:
        parts = []
        for path in sorted((self.folder / "log").glob("*")):
            lines = path.read_text(errors="replace").splitlines()[-_LOG_TAIL_LINES:]
            parts.append(f"--- {path.name} ---\n" + "\n".join(lines))
        return "\n".join(parts)

    def _start(self, name: str, argv: list[str]) -> None:
        with (self.folder / "log" / f"{name}.out").open("ab") as out:
            self._processes[name] = subprocess.Popen(
                argv,
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def _stop_all(self) -> None:
        for name in reversed(list(self._processes)):  # slurmd, slurmctld, then munged
            _stop(self._processes.pop(name))


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=_STOP_TIMEOUT_S)


def _start_munged(cluster: SlurmCluster, munge_dir: Path) -> Path:
    """munged with a fresh key and its own socket, in the foreground; returns the socket."""
    munge_dir.mkdir(mode=0o755)
    key = munge_dir / "munge.key"
    descriptor = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(secrets.token_bytes(1024))
    socket_path = munge_dir / "munge.socket"
    munged = _which("munged") or "munged"
    cluster._start(
        "munged",
        [
            munged,
            "--foreground",
            "--force",  # root, and a key and socket outside /etc/munge and /run/munge
            f"--socket={socket_path}",
            f"--key-file={key}",
            f"--pid-file={munge_dir / 'munged.pid'}",
            f"--seed-file={munge_dir / 'munged.seed'}",
            f"--log-file={cluster.folder / 'log' / 'munged.log'}",
        ],
    )
    deadline = time.monotonic() + 15
    while not socket_path.exists():
        if cluster._processes["munged"].poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"munged did not start\n{cluster.logs()}")
        time.sleep(0.05)
    return socket_path


@contextmanager
def running_slurm_cluster(folder: Path, *, start_timeout: float = 60.0) -> Iterator[SlurmCluster]:
    """Start munged, slurmctld and slurmd in ``folder``; yield once the node is idle.

    Afterwards every job is cancelled and the daemons are stopped, last started first.
    """
    reason = missing_reason()
    if reason is not None:
        raise RuntimeError(reason)
    folder = folder.absolute()
    for sub in ("state", "spool", "log"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    node = socket.gethostname().split(".")[0]
    conf = folder / "slurm.conf"
    cluster = SlurmCluster(folder, conf, node, {"SLURM_CONF": str(conf)})
    try:
        munge_socket = _start_munged(cluster, folder / "munge")
        ctld_port = _free_port()
        slurmd_port = next(port for port in iter(_free_port, None) if port != ctld_port)
        conf.write_text(slurm_conf(folder, node, ctld_port, slurmd_port, munge_socket))
        slurmctld = _which("slurmctld") or "slurmctld"
        cluster._start("slurmctld", [slurmctld, "-D", "-f", str(conf)])
        cluster.start_slurmd()
        cluster.wait_for_node("idle", start_timeout)
        yield cluster
    finally:
        if "slurmctld" in cluster._processes:
            cluster.cancel_everything()
        cluster._stop_all()


# -- counting the commands this process starts (the "one query per cycle" checks) ----------

_sink: list[list[list[str]]] = []
_installed: list[bool] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _sink and event == "subprocess.Popen":
        argv = args[1]
        parts = [str(part) for part in argv] if isinstance(argv, list | tuple) else [str(argv)]
        _sink[0].append([Path(parts[0]).name, *parts[1:]])


@contextmanager
def started_commands() -> Iterator[list[list[str]]]:
    """The argument lists of every process this interpreter starts inside the block.

    Read from the interpreter's audit events on ``subprocess.Popen``, so nothing is
    patched: the backend runs its commands exactly as it would anywhere else.
    """
    if not _installed:
        sys.addaudithook(_audit)  # a hook cannot be removed: install once, switch with _sink
        _installed.append(True)
    started: list[list[str]] = []
    _sink[:] = [started]
    try:
        yield started
    finally:
        _sink.clear()


@contextmanager
def started_programs() -> Iterator[list[str]]:
    """The names of the programs started inside the block, filled in when it ends."""
    names: list[str] = []
    with started_commands() as started:
        yield names
    names.extend(argv[0] for argv in started)
