"""A real XRootD server for the tests and the archive benchmark: Debian's ``xrootd``.

``root://`` storage elements are tested against the daemon sites run, not a fake: what the
tests pass is what an XRootD server really accepts. Everything it needs lives in one
temporary folder of its own under the system's temporary folder (pytest's folders are
private to the user running the tests, so an unprivileged server could not reach them):
its configuration, admin and pid paths, its log, and the exported data folder (``data``),
which a test may also read directly to see what the server stored. The folder is removed
when the server stops.

Choices, and why:

* **unprivileged**: xrootd refuses to run as root, and a storage daemon should not.
  Under root it runs as ``nobody`` (through ``runuser``), which then owns the folder;
  otherwise as the current user.
* **loopback only**: XRootD 5.5 has no directive to bind its listening socket to one
  address (it listens on the wildcard), so ``xrd.allow host`` admits connections from
  this host's loopback names only and refuses any other peer at accept time; ``-I v4``
  keeps it to IPv4. The port is a free one picked at start-up.
* ``xrootd.chksum adler32``: the server answers checksum queries (``xrdfs query checksum``,
  ``QueryCode.CHECKSUM``), computing adler32 next to the data, as a site's server does.
* ``ofs.persist manual hold 1``: a file opened "persist on successful close" whose writer
  vanished is deleted after one second instead of the default ten minutes (during which
  the writer may reconnect), so tests see what a killed upload leaves in the end.
* ``oss.localroot``: the exported namespace ``/`` is the ``data`` folder, so URLs are
  ``root://127.0.0.1:PORT//<path below data>``.

The daemon runs in the foreground as a child of the caller, so stopping it is terminating
a process this code started, by its pid.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "apt-get install -y xrootd-server xrootd-client (as root; the test command does it)"
UNPRIVILEGED_USER = "nobody"
_STOP_TIMEOUT_S = 15.0
_LOG_TAIL_LINES = 30


@dataclass(frozen=True)
class XRootDServer:
    """A running server: where it listens and which local folder it exports."""

    host: str
    port: int
    data: Path  # the exported folder: root://host:port//x is data/x
    folder: Path  # configuration, admin path and log
    pid: int

    @property
    def url(self) -> str:
        """The server's root URL, ``root://127.0.0.1:PORT/`` (append ``/path``)."""
        return f"root://{self.host}:{self.port}/"

    def url_for(self, path: str) -> str:
        """The URL of an absolute path in the exported namespace (``/se/x.root``)."""
        return f"{self.url}/{path.lstrip('/')}"


def xrootd_binary() -> str | None:
    return shutil.which("xrootd") or shutil.which("xrootd", path="/usr/bin:/usr/sbin")


def missing_reason() -> str | None:
    """Why a server cannot be started here, or None if it can."""
    if xrootd_binary() is None:
        return f"the XRootD server is not installed: {INSTALL_HINT}"
    try:
        import fsspec_xrootd  # noqa: F401
        from XRootD import client  # noqa: F401
    except ImportError as exc:
        return f"the XRootD Python packages are missing ({exc}): pip install -e '.[test]'"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_config(folder: Path, data: Path, port: int, checksums: bool = True) -> str:
    """The whole configuration file (see the module docstring for why each line)."""
    return "\n".join(
        [
            f"xrd.port {port}",
            "xrd.network nodnr",
            "xrd.allow host localhost",
            "xrd.allow host 127.0.0.1",
            "all.export /",
            f"oss.localroot {data}",
            "xrootd.chksum adler32" if checksums else "",
            "ofs.persist manual hold 1",
            f"all.adminpath {folder / 'admin'}",
            f"all.pidpath {folder / 'admin'}",
            "",
        ]
    )


def _log_tail(folder: Path) -> str:
    logs = sorted(folder.rglob("xrootd.log"))
    if not logs:
        return "(no log written)"
    lines = logs[0].read_text(errors="replace").splitlines()[-_LOG_TAIL_LINES:]
    return "\n".join(lines)


def _answers(port: int) -> bool:
    """Whether the server accepts a connection (it listens once initialised)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


START_ATTEMPTS = 3
"""xrootd 5.5 (Debian 12) dies of a segmentation fault (status 139) in about one start
in twenty, before it writes a line of log or listens (measured: 2 of 40 starts here).
A server that crashed before serving anything is started again, on a new folder and
port, up to this many times; one that fails any other way is reported at once."""


class _CrashedAtStart(RuntimeError):
    """xrootd exited before it listened: nothing was served, so starting again is safe."""


def _wait_until_up(
    process: subprocess.Popen[bytes], port: int, folder: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise _CrashedAtStart(
                f"xrootd exited with status {process.returncode} before listening on "
                f"port {port}\n{_log_tail(folder)}"
            )
        if _answers(port):
            return
        time.sleep(0.1)
    raise RuntimeError(
        f"xrootd did not listen on port {port} within {timeout:.0f}s\n{_log_tail(folder)}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_xrootd_server(
    *, checksums: bool = True, start_timeout: float = 30.0
) -> Iterator[XRootDServer]:
    """Run xrootd exporting a new folder on a free loopback port; stop it, remove the folder.

    ``checksums=False`` leaves ``xrootd.chksum`` out: a server that cannot answer checksum
    queries, as some sites run.
    """
    binary = xrootd_binary()
    if binary is None:
        raise RuntimeError(f"xrootd is not installed: {INSTALL_HINT}")
    for attempt in range(1, START_ATTEMPTS + 1):
        folder = Path(tempfile.mkdtemp(prefix="gasp-xrootd-"))
        try:
            with _serving(binary, folder, checksums, start_timeout) as server:
                yield server
                return
        except _CrashedAtStart:
            if attempt == START_ATTEMPTS:
                raise
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _serving(
    binary: str, folder: Path, checksums: bool, start_timeout: float
) -> Iterator[XRootDServer]:
    data = folder / "data"
    for sub in (data, folder / "admin", folder / "log"):
        sub.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    config = folder / "xrootd.cfg"
    config.write_text(server_config(folder, data, port, checksums))
    argv = [binary, "-c", str(config), "-l", str(folder / "log" / "xrootd.log"), "-I", "v4"]
    argv += ["-n", "gasptest"]
    if os.geteuid() == 0:
        # xrootd will not run as root: hand the folder to an unprivileged user.
        user = pwd.getpwnam(UNPRIVILEGED_USER)
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid)
        folder.chmod(0o755)
        argv = ["runuser", "-u", UNPRIVILEGED_USER, "--", *argv]
    with open(folder / "log" / "console.out", "wb") as console:
        process = subprocess.Popen(
            argv, cwd=folder, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_up(process, port, folder, start_timeout)
        yield XRootDServer("127.0.0.1", port, data, folder, process.pid)
    finally:
        _stop(process)


__all__ = ["XRootDServer", "missing_reason", "running_xrootd_server", "xrootd_binary"]
