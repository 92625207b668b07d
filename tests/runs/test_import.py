"""``gasp runs import``: run tables from JSON, CSV and a real PostgreSQL server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from gasp.store import Database
from tests.gasp_runner import GaspRunner
from tests.runs.conftest import Daq
from tests.runs.helpers import revisions, run_documents
from tests.services.postgres_server import PostgresServer

OpenDb = Callable[[], Database]
TABLE = [
    {"run": 100151, "run_type": "Physics", "start": "2024-03-01T10:00:00Z",
     "end": "2024-03-01T11:00:00+00:00", "complete": True},
    {"run": 100152, "run_type": "PCA", "start": "2024-03-01T11:00:00Z", "end": None,
     "complete": False},
]  # fmt: skip


def test_json_import_creates_runs_and_is_idempotent(
    gasp: GaspRunner, site: Path, processing: OpenDb
) -> None:
    (site / "runs.json").write_text(json.dumps(TABLE))
    first = gasp("runs", "import", "runs.json")
    assert first.returncode == 0, first.stderr
    assert "imported 2 runs from import:runs.json: 2 new, 0 updated, 0 unchanged" in first.stdout
    docs = run_documents(processing())
    # listed complete, but no raw file is registered: kept incomplete, and said so
    assert docs[100151]["end"] == "2024-03-01T11:00:00Z" and docs[100151]["complete"] is False
    assert "1 runs listed complete have no raw files yet: kept incomplete" in first.stdout
    assert docs[100152]["run_type"] == "PCA" and docs[100152]["end"] is None
    assert docs[100152]["source"] == "import:runs.json" and docs[100152]["subruns"] == []
    again = gasp("runs", "import", "runs.json")
    assert "0 new, 0 updated, 2 unchanged" in again.stdout


def test_csv_import_keeps_registered_files(
    gasp: GaspRunner, site: Path, daq: Daq, processing: OpenDb
) -> None:
    daq(100151, out=site / "raw")
    assert gasp("runs", "register", "raw").returncode == 0
    registered = run_documents(processing())[100151]
    (site / "runs.csv").write_text(
        "run,run_type,start,end,complete\n"
        "100151,DeployedSource,2024-03-01T10:00:00Z,2024-03-01T11:00:00Z,yes\n"
        "\n"
        "100153,ECA,,,false\n"
    )
    result = gasp("runs", "import", "runs.csv")
    assert result.returncode == 0, result.stderr
    assert "1 new, 1 updated" in result.stdout
    docs = run_documents(processing())
    assert docs[100151]["subruns"] == registered["subruns"]
    assert docs[100151]["run_type"] == "DeployedSource" and docs[100151]["complete"] is True
    assert docs[100151]["source"] == "import:runs.csv"
    assert docs[100153]["complete"] is False and docs[100153]["start"] is None
    # the table's type replaced the sidecar's: stored, and reported
    assert (
        "run 100151: run type changed from Physics (from register) to DeployedSource: "
        "the run table is the authority on run types"
    ) in result.stdout
    assert "no raw files yet" not in result.stdout  # 100153 is not listed complete
    # registering again keeps the imported metadata, copies nothing, and reports the sidecar
    again = gasp("runs", "register", "raw")
    assert again.returncode == 0 and "0 files copied" in again.stdout
    assert (
        "run 100151: raw/run_100151.json says run type Physics, the run "
        "document says DeployedSource (from import:runs.csv): kept DeployedSource"
    ) in again.stdout
    assert "1 runs whose sidecar gives another run type" in again.stdout
    assert run_documents(processing())[100151] == docs[100151]


def complete_runs(db: Database) -> list[int]:
    """The runs processing's sensing would offer (the view it reads)."""
    return [int(row.key) for row in db.view("runs", "complete_by_number")]


def test_complete_without_raw_files_stays_incomplete_until_registered(
    gasp: GaspRunner, site: Path, daq: Daq, processing: OpenDb
) -> None:
    """A run table cannot make processing offer a run with nothing to process."""
    (site / "runs.csv").write_text(
        "run,run_type,complete\n100151,Physics,true\n100152,PCA,true\n100153,ECA,false\n"
    )
    first = gasp("runs", "import", "runs.csv")
    assert first.returncode == 0, first.stderr
    assert (
        "2 runs listed complete have no raw files yet: kept incomplete (they become complete "
        "when their files are registered: gasp runs register): 100151, 100152"
    ) in first.stdout
    docs = run_documents(processing())
    assert [docs[r]["complete"] for r in (100151, 100152, 100153)] == [False, False, False]
    assert complete_runs(processing()) == []
    # the files of 100151 are registered: it becomes complete, and keeps the table's metadata
    daq(100151, out=site / "raw")
    registered = gasp("runs", "register", "raw")
    assert registered.returncode == 0, registered.stderr
    assert "says run type" not in registered.stdout  # sidecar and table agree
    docs = run_documents(processing())
    assert docs[100151]["complete"] is True and docs[100151]["source"] == "import:runs.csv"
    assert complete_runs(processing()) == [100151]
    # the same table again: 100151 now has files and stays complete; 100152 is still held
    again = gasp("runs", "import", "runs.csv")
    assert again.returncode == 0, again.stderr
    # (100151 is updated: the table has no start/end and replaces the sidecar's)
    assert "0 new, 1 updated, 2 unchanged" in again.stdout
    assert run_documents(processing())[100151]["complete"] is True
    assert "1 runs listed complete have no raw files yet" in again.stdout
    assert again.stdout.rstrip().endswith(": 100152")
    assert complete_runs(processing()) == [100151]


def test_an_old_complete_run_without_files_is_repaired(
    gasp: GaspRunner, site: Path, processing: OpenDb
) -> None:
    """A document an older gasp stored complete without files is set incomplete on import."""
    processing().put({"_id": "run:100151", "type": "run", "run": 100151, "run_type": "Physics",
                      "source": "postgres", "complete": True, "subruns": []})  # fmt: skip
    (site / "runs.json").write_text(json.dumps(TABLE[:1]))
    result = gasp("runs", "import", "runs.json")
    assert result.returncode == 0, result.stderr
    assert "0 new, 1 updated" in result.stdout and "no raw files yet" in result.stdout
    assert run_documents(processing())[100151]["complete"] is False
    assert complete_runs(processing()) == []


def test_register_reports_a_sidecar_type_the_table_contradicts(
    gasp: GaspRunner, site: Path, daq: Daq, processing: OpenDb
) -> None:
    """Table first, then a sidecar of another type: the table's type is kept, and said so."""
    (site / "runs.csv").write_text("run,run_type,complete\n100151,TELLIE,true\n")
    assert gasp("runs", "import", "runs.csv").returncode == 0
    daq(100151, run_type="Physics", out=site / "raw")
    result = gasp("runs", "register", "raw")
    assert result.returncode == 0, result.stderr
    assert (
        "run 100151: raw/run_100151.json says run type Physics, the run "
        "document says TELLIE (from import:runs.csv): kept TELLIE (the run table is the "
        "authority on run types: gasp runs import)"
    ) in result.stdout
    doc = run_documents(processing())[100151]
    assert doc["run_type"] == "TELLIE" and doc["complete"] is True and doc["subruns"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("runs.json", '[{"run": 1, "run_type": "Physics"},\n {"run": 2,, }]',
         "runs.json: malformed JSON at line 2, column 12"),
        ("runs.json", '[{"run": 1, "run_type": "Bogus"}]',
         "runs.json: [0]: run_type: unknown run type 'Bogus'"),
        ("runs.json", '[{"run": "12a", "run_type": "Physics"}]',
         "runs.json: [0]: run: not a run number: '12a'"),
        ("runs.json", '[{"run": 1, "run_type": "PCA", "colour": "red"}]',
         "runs.json: [0]: unknown field 'colour'"),
        ("runs.json", '{"run": 1}', "runs.json: expected a JSON list of run objects"),
        ("runs.csv", "run,run_type\n1,Physics\n2.5,Physics\n",
         "runs.csv: line 3: run: not a run number: '2.5'"),
        ("runs.csv", "run,run_type\n1,Physics\n2,TELLIE\n1,PCA\n",
         "runs.csv: line 4: run 1 is listed twice (first at runs.csv: line 2)"),
        ("runs.csv", "run,run_type\n1,Physics\n2,Physics,extra\n",
         "runs.csv: line 3: 3 fields, the header has 2"),
        ("runs.csv", "run,kind\n1,Physics\n", "runs.csv: line 1: header 'run,kind'"),
        ("runs.csv", "run,run_type,start\n1,Physics,yesterday\n",
         "runs.csv: line 2: start: not an ISO 8601 time: 'yesterday'"),
        ("runs.csv", "run,run_type,complete\n1,Physics,maybe\n",
         "runs.csv: line 2: complete: 'maybe' is not true or false"),
        ("runs.txt", "1 Physics\n", "runs.txt: expected a .json or .csv run table"),
    ],
)  # fmt: skip
def test_bad_tables_write_nothing(
    gasp: GaspRunner, site: Path, processing: OpenDb, name: str, content: str, message: str
) -> None:
    (site / name).write_text(content)
    before = revisions(processing())
    result = gasp("runs", "import", name)
    assert result.returncode == 2
    assert result.stderr.startswith(f"gasp: error: {message}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert revisions(processing()) == before


def test_missing_table_file(gasp: GaspRunner, site: Path) -> None:
    result = gasp("runs", "import", "nowhere.csv")
    assert result.returncode == 2 and "nowhere.csv: cannot read" in result.stderr


def _table(server: PostgresServer, rows: list[tuple[object, ...]], run_sql: str = "bigint") -> str:
    """A fresh run table on the real server holding ``rows``; returns its name."""
    import psycopg  # the test extra's driver; the fixture reported it missing before this

    name = f"runs_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.dsn, autocommit=True) as connection:
        connection.execute(
            f"CREATE TABLE {name} (run {run_sql} PRIMARY KEY, run_type text NOT NULL,"
            ' start timestamptz, "end" timestamptz, complete boolean, operator text)'
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                f'INSERT INTO {name} (run, run_type, start, "end", complete) '
                "VALUES (%s, %s, %s, %s, %s)",
                rows,
            )
    return name


def test_postgres_import(
    gasp: GaspRunner, site: Path, processing: OpenDb, postgres_server: PostgresServer
) -> None:
    table = _table(
        postgres_server,
        [
            (100152, "PCA", "2024-03-01 12:00:00+01", "2024-03-01 13:00:00+01", True),
            (100151, "Physics", "2024-03-01 10:00:00+00", None, False),
        ],
    )
    result = gasp("runs", "import", "--postgres", postgres_server.dsn, "--table", table)
    assert result.returncode == 0, result.stderr
    assert "imported 2 runs from postgres: 2 new" in result.stdout
    docs = run_documents(processing())
    assert docs[100152]["start"] == "2024-03-01T11:00:00Z"
    # listed complete but without raw files: kept incomplete and reported
    assert docs[100152]["complete"] is False and docs[100152]["source"] == "postgres"
    assert "1 runs listed complete have no raw files yet" in result.stdout
    assert docs[100151]["end"] is None and docs[100151]["complete"] is False
    listed = gasp("runs", "list", "--json", "--type", "PCA")
    assert [json.loads(line)["run"] for line in listed.stdout.splitlines()] == [100152]


@pytest.mark.parametrize(
    ("rows", "run_sql", "message"),
    [
        ([(1, "Physics", None, None, True), (2, "Bogus", None, None, True)], "bigint",
         "run 2: run_type: unknown run type 'Bogus'"),
        ([("7x", "Physics", None, None, True)], "text", "run 7x: run: not a run number: '7x'"),
        ([], "bigint", "holds no runs"),
    ],
)  # fmt: skip
def test_bad_postgres_rows_write_nothing(
    gasp: GaspRunner,
    site: Path,
    processing: OpenDb,
    postgres_server: PostgresServer,
    rows: list[tuple[object, ...]],
    run_sql: str,
    message: str,
) -> None:
    table = _table(postgres_server, rows, run_sql)
    before = revisions(processing())
    result = gasp("runs", "import", "--postgres", postgres_server.dsn, "--table", table)
    assert result.returncode == 2
    assert result.stderr.strip() == f"gasp: error: postgres table {table}: {message}" or (
        message in result.stderr and f"postgres table {table}" in result.stderr
    ), result.stderr
    assert revisions(processing()) == before


def test_postgres_missing_table_and_options(
    gasp: GaspRunner, site: Path, postgres_server: PostgresServer
) -> None:
    missing = gasp("runs", "import", "--postgres", postgres_server.dsn, "--table", "nope")
    assert missing.returncode == 2
    assert 'postgres table nope: relation "nope" does not exist' in missing.stderr
    bad_name = gasp("runs", "import", "--postgres", postgres_server.dsn, "--table", "x;drop")
    assert bad_name.returncode == 2 and "--table 'x;drop'" in bad_name.stderr
    no_table = gasp("runs", "import", "--postgres", postgres_server.dsn)
    assert no_table.returncode == 2 and "needs --table NAME" in no_table.stderr


def test_an_invalid_stored_run_is_named_not_a_traceback(
    gasp: GaspRunner, site: Path, processing: OpenDb
) -> None:
    """A run document written by hand (run 0, no longer a run number) cannot hide the others."""
    (site / "runs.json").write_text(json.dumps(TABLE))
    assert gasp("runs", "import", "runs.json").returncode == 0
    processing().put({"_id": "run:0", "type": "run", "run": 0, "run_type": "Physics",
                      "source": "register", "subruns": []})  # fmt: skip
    listed = gasp("runs", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [json.loads(line)["run"] for line in listed.stdout.splitlines()] == [100151, 100152]
    assert "gasp: warning: document run:0: run: run numbers go from 1" in listed.stderr
    shown = gasp("runs", "show", "0")
    assert shown.returncode == 2 and "Traceback" not in shown.stderr
    assert "document run:0: run: run numbers go from 1 to 9999999999, not 0" in shown.stderr
