"""A real PostgreSQL server for the tests: initdb into a fresh folder, loopback TCP only.

``gasp runs import --postgres`` is tested against the server the CI machine's Debian
package provides, never a mock. PostgreSQL refuses to run as root, so when the tests run
as root the server runs as the ``postgres`` system user (else ``nobody``), in a folder
made for it outside pytest's private temporary tree. Trust authentication on 127.0.0.1
only; the folder is removed when the server stops.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "gasp"
_LOG_TAIL_LINES = 30


@dataclass(frozen=True)
class PostgresServer:
    """A running server: ``dsn`` reaches its ``postgres`` database as the superuser."""

    host: str
    port: int
    user: str

    @property
    def dsn(self) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname=postgres"


def postgres_bin_dir() -> Path | None:
    """Where ``initdb`` and ``postgres`` are: PATH, else Debian's versioned folder."""
    found = shutil.which("initdb")
    if found and shutil.which("postgres"):
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def missing_reason() -> str | None:
    if postgres_bin_dir() is None:
        return "PostgreSQL is not installed (apt-get install postgresql; scripts/test.sh does)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    return None


def _server_user() -> str | None:
    """The unprivileged user to run as when we are root; None to run as ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and neither 'postgres' nor 'nobody' exists")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _log_tail(log: Path) -> str:
    if not log.exists():
        return "(no log written)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-_LOG_TAIL_LINES:])


@contextmanager
def running_postgres_server(*, start_timeout: float = 60.0) -> Iterator[PostgresServer]:
    """initdb, start ``postgres`` on 127.0.0.1 and a free port, yield it, stop it."""
    import psycopg

    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL binaries not found")
    user = _server_user()
    folder = Path(tempfile.mkdtemp(prefix="gasp-postgres-"))
    data, log = folder / "data", folder / "postgres.log"
    as_user: dict[str, str] = {"user": user, "group": user} if user else {}
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    env = {**os.environ, "LC_ALL": "C", "HOME": str(folder)}
    process: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            cwd=folder,
            env=env,
            capture_output=True,
            check=True,
            timeout=120,
            **as_user,
        )
        port = _free_port()
        with open(os.open(log, os.O_CREAT | os.O_WRONLY, 0o644), "wb") as out:
            if user:
                os.chown(log, pwd.getpwnam(user).pw_uid, -1)
            process = subprocess.Popen(
                [
                    str(bin_dir / "postgres"),
                    "-D",
                    str(data),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-k",
                    str(folder),
                    "-c",
                    "fsync=off",
                ],
                cwd=folder,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                **as_user,
            )
        server = PostgresServer("127.0.0.1", port, SUPERUSER)
        deadline = time.monotonic() + start_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"postgres exited with {process.returncode}\n{_log_tail(log)}")
            try:
                psycopg.connect(server.dsn, connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"postgres did not answer\n{_log_tail(log)}") from None
                time.sleep(0.1)
        yield server
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"initdb failed: {exc.stderr.decode(errors='replace')}") from exc
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # "fast" shutdown: ends sessions, exits
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(folder, ignore_errors=True)
