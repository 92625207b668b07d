"""A real CouchDB-compatible server for the tests: pouchdb-server, in memory, on loopback.

The store's HTTP backend is tested against a server that speaks CouchDB's API rather than
against a mock, so that what the tests pass is what a real server accepts. The npm package
is installed by ``npm install --prefix .tools pouchdb-server@4.2.0`` in the repository.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
INSTALL_HINT = "npm install --prefix .tools pouchdb-server@4.2.0"
_LOG_TAIL_LINES = 30


def pouchdb_server_binary() -> Path | None:
    """``$GASP_POUCHDB_SERVER``, else the repository's ``.tools`` install, else PATH."""
    configured = os.environ.get("GASP_POUCHDB_SERVER")
    if configured:
        return Path(configured)
    local = REPO / ".tools" / "node_modules" / ".bin" / "pouchdb-server"
    if local.exists():
        return local
    found = shutil.which("pouchdb-server")
    return Path(found) if found else None


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _log_tail(workdir: Path) -> str:
    parts = []
    for name in ("pouchdb-server.out", "log.txt"):
        path = workdir / name
        if path.exists():
            lines = path.read_text(errors="replace").splitlines()[-_LOG_TAIL_LINES:]
            parts.append(f"--- {name} ---\n" + "\n".join(lines))
    return "\n".join(parts) or "(no log written)"


def _wait_until_up(
    url: str, process: subprocess.Popen[bytes], workdir: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"pouchdb-server exited with status {process.returncode} before answering "
                f"on {url}\n{_log_tail(workdir)}"
            )
        try:
            if httpx.get(url + "/", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"pouchdb-server did not answer on {url} within {timeout:.0f}s\n{_log_tail(workdir)}"
    )


@contextmanager
def running_pouchdb_server(workdir: Path, *, start_timeout: float = 60.0) -> Iterator[str]:
    """Run pouchdb-server in memory on a free loopback port; yields ``http://127.0.0.1:P``.

    Its config file, log file and console output all go into ``workdir`` (it writes
    ``./log.txt`` relative to its working directory), so a test run leaves nothing behind.
    """
    binary = pouchdb_server_binary()
    if binary is None:
        raise RuntimeError(f"pouchdb-server is not installed; run: {INSTALL_HINT}")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_loopback_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(binary),
        "--in-memory",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--config", str(workdir / "config.json"),
        "--no-stdout-logs",
        "--no-color",
    ]  # fmt: skip
    with (workdir / "pouchdb-server.out").open("wb") as out:
        process = subprocess.Popen(
            command, cwd=workdir, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_up(url, process, workdir, start_timeout)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
