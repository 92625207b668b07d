"""Fixtures shared by every test: real services, started by the tests themselves.

Under ``CI=true`` a service that cannot be started fails the test instead of skipping it:
a green CI run must mean every backend was exercised.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gasp.store import Database, Server, open_server
from tests.gasp_runner import GaspRunner, gasp_runner

if TYPE_CHECKING:
    from tests.services.postgres_server import PostgresServer
    from tests.services.slurm_cluster import SlurmCluster
    from tests.services.xrootd_server import XRootDServer

IN_CI = os.environ.get("CI", "").lower() == "true"

# Tests of one service run in one pytest-xdist worker (``--dist loadgroup``), so that each
# service starts once per run rather than once per worker; the Slurm cluster in particular
# is one node's daemons, and two clusters would share the machine's cgroups.
SERVICE_GROUPS = {
    "slurm_cluster": "slurm",
    "xrootd_server": "xrootd",
    "postgres_server": "postgres",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, group in SERVICE_GROUPS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(group))
                break


BACKENDS = ("embedded", "couchdb")


def missing_service(reason: str) -> None:
    """Skip a test that needs an absent service, except in CI where that is a failure."""
    if IN_CI:
        pytest.fail(f"required service missing under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def couchdb_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real CouchDB-compatible server (pouchdb-server, in memory) on a loopback port."""
    from tests.services.pouchdb_server import pouchdb_server_binary, running_pouchdb_server

    if pouchdb_server_binary() is None:
        missing_service("pouchdb-server is not installed (run the README's test command)")
    with running_pouchdb_server(tmp_path_factory.mktemp("pouchdb")) as url:
        yield url


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlurmCluster]:
    """A real single-node Slurm cluster (munged, slurmctld, slurmd), for the whole session."""
    from tests.services.slurm_cluster import missing_reason, running_slurm_cluster

    reason = missing_reason()
    if reason is not None:
        missing_service(reason)
    with contextlib.ExitStack() as stack:
        try:
            cluster = stack.enter_context(running_slurm_cluster(tmp_path_factory.mktemp("slurm")))
        except RuntimeError as exc:
            missing_service(f"the test Slurm cluster did not start: {exc}")
        yield cluster


@pytest.fixture(scope="session")
def xrootd_server() -> Iterator[XRootDServer]:
    """A real XRootD server (unprivileged, loopback, adler32 checksums), for the whole session."""
    from tests.services.xrootd_server import missing_reason, running_xrootd_server

    reason = missing_reason()
    if reason is not None:
        missing_service(reason)
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(running_xrootd_server())
        except RuntimeError as exc:
            missing_service(f"the test XRootD server did not start: {exc}")
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server (initdb'd for the session, unprivileged, loopback only)."""
    from tests.services.postgres_server import missing_reason, running_postgres_server

    reason = missing_reason()
    if reason is not None:
        missing_service(reason)
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(running_postgres_server())
        except RuntimeError as exc:
            missing_service(f"the test PostgreSQL server did not start: {exc}")
        yield server


@pytest.fixture
def gasp(tmp_path: Path) -> GaspRunner:
    """Run the real ``gasp`` command in the test's own folder."""
    return gasp_runner(tmp_path)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of a fresh server of the backend under test (what a site config would hold)."""
    if backend == "couchdb":
        return str(request.getfixturevalue("couchdb_url"))
    return f"sqlite:{tmp_path / 'data'}"


@pytest.fixture
def server(store_url: str) -> Iterator[Server]:
    srv = open_server(store_url)
    yield srv
    srv.close()


@pytest.fixture
def db(server: Server) -> Iterator[Database]:
    """A new, empty database on the backend under test; deleted afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    database = server.create_database(name, revs_limit=10)
    yield database
    server.delete_database(name)
