"""``gasp runs register``: raw files written by the real ``toyrat daq``, checked and archived."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gasp.model.run import l2_files, raw_lfn
from gasp.storage import file_adler32
from gasp.store import Database
from tests.gasp_runner import GaspRunner
from tests.runs.conftest import Daq
from tests.runs.helpers import revisions, run_documents

OpenDb = Callable[[], Database]


def se_files(site: Path, include_temporary: bool = True) -> list[str]:
    """Every file under the site's storage element, relative to it."""
    root = site / "gasp-data" / "se"
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and (include_temporary or not p.name.startswith("."))
    )


def check_registered(site: Path, docs: dict[int, dict[str, Any]], raw: Path) -> None:
    """Every sidecar file is recorded once with a verified replica; nothing else is stored."""
    expected_lfns = []
    for sidecar_path in sorted(raw.glob("run_*.json")):
        sidecar = json.loads(sidecar_path.read_text())
        doc = docs[sidecar["run"]]
        assert doc["complete"] is True and doc["run_type"] == sidecar["run_type"]
        recorded = {f["name"]: (s["subrun"], f) for s in doc["subruns"] for f in s["files"]}
        listed = [(s["subrun"], f) for s in sidecar["subruns"] for f in s["files"]]
        assert len(recorded) == len(listed)
        for subrun, entry in listed:
            got_subrun, got = recorded[entry["name"]]
            lfn = raw_lfn(sidecar["run"], entry["name"])
            assert got_subrun == subrun and got["lfn"] == lfn
            assert (got["level"], got["size"], got["adler32"], got["events"]) == (
                entry["level"].upper(),
                entry["size"],
                entry["adler32"],
                entry["events"],
            )
            assert len(got["replicas"]) == 1 and got["replicas"][0]["se"] == "local-se"
            stored = Path(got["replicas"][0]["url"].removeprefix("file://"))
            assert file_adler32(stored) == (entry["size"], entry["adler32"])
            expected_lfns.append(lfn)
    assert se_files(site) == sorted(expected_lfns)


def test_register_records_and_archives_every_file(
    gasp: GaspRunner, site: Path, daq: Daq, processing: OpenDb
) -> None:
    raw = site / "raw"
    daq(100151, subruns=2, out=raw)
    daq(100152, subruns=3, run_type="PCA", out=raw)
    result = gasp("runs", "register", "raw")
    assert result.returncode == 0, result.stderr
    assert "run 100151 (Physics, 2 subruns): 4 files, 4 copied" in result.stdout
    assert "registered 2 runs: 10 files copied to local-se, 0 already registered" in result.stdout
    assert "copying raw files: 10/10" in result.stderr  # progress, as plain lines off a tty
    docs = run_documents(processing())
    check_registered(site, docs, raw)
    assert docs[100152]["source"] == "register" and docs[100152]["start"]
    assert [(s, f.name) for s, f in l2_files(docs[100151])] == [
        (0, "SNOP_0000100151_000.l2.zdab.root"),
        (1, "SNOP_0000100151_001.l2.zdab.root"),
    ]
    shown = gasp("runs", "show", "100152", "--json")
    assert json.loads(shown.stdout) == docs[100152]
    listed = gasp("runs", "list", "--from", "100152", "--to", "100152")
    assert listed.returncode == 0 and "100152" in listed.stdout and "100151" not in listed.stdout


def test_registering_again_copies_and_writes_nothing_new(
    gasp: GaspRunner, site: Path, daq: Daq, processing: OpenDb
) -> None:
    raw = site / "raw"
    daq(100151, out=raw)
    assert gasp("runs", "register", "raw").returncode == 0
    before = revisions(processing())
    stored = {p: p.stat().st_mtime_ns for p in (site / "gasp-data" / "se").rglob("*.root")}
    again = gasp("runs", "register", "raw")
    assert again.returncode == 0, again.stderr
    assert "0 files copied, 4 already registered, 0 run documents written" in again.stdout
    assert revisions(processing()) == before
    assert {p: p.stat().st_mtime_ns for p in stored} == stored
    daq(100160, out=raw)  # a new run arrives beside the old one
    third = gasp("runs", "register", "raw")
    assert "4 files copied to local-se, 4 already registered, 1 run documents written" in (
        third.stdout
    )
    check_registered(site, run_documents(processing()), raw)


def test_incomplete_runs_wait_for_their_sidecar(gasp: GaspRunner, site: Path, daq: Daq) -> None:
    daq(100151, out=site / "raw")
    (site / "raw" / "run_100151.json").unlink()
    result = gasp("runs", "register", "raw")
    assert result.returncode == 0
    assert "no complete run (no run_<R>.json): nothing to register" in result.stdout


def test_a_file_changed_since_registration_is_refused(
    gasp: GaspRunner, site: Path, daq: Daq, processing: OpenDb
) -> None:
    raw = site / "raw"
    daq(100151, out=raw)
    assert gasp("runs", "register", "raw").returncode == 0
    old = json.loads((raw / "run_100151.json").read_text())["subruns"][0]["files"][0]
    daq(100151, events=60, out=raw)  # the run rewritten: other files, a consistent sidecar
    daq(100152, out=raw)  # a good new run is not registered either: all or nothing
    new = json.loads((raw / "run_100151.json").read_text())["subruns"][0]["files"][0]
    before, stored = revisions(processing()), se_files(site)
    result = gasp("runs", "register", "raw")
    assert result.returncode == 2
    assert (
        f"raw/{old['name']}: checksum changed since registration: run 100151 recorded "
        f"adler32 {old['adler32']} (size {old['size']}), the file now has adler32 "
        f"{new['adler32']} (size {new['size']})"
    ) in result.stderr
    assert revisions(processing()) == before and se_files(site) == stored


def _edit_sidecar(raw: Path, run: int, change: Callable[[dict[str, Any]], None]) -> None:
    path = raw / f"run_{run}.json"
    sidecar = json.loads(path.read_text())
    change(sidecar)
    path.write_text(json.dumps(sidecar, indent=2))


def _wrong_checksum(sidecar: dict[str, Any]) -> None:
    sidecar["subruns"][1]["files"][1]["adler32"] = "00000001"


def _wrong_size(sidecar: dict[str, Any]) -> None:
    sidecar["subruns"][0]["files"][0]["size"] += 1


def _unknown_type(sidecar: dict[str, Any]) -> None:
    sidecar["run_type"] = "Cosmics"


def _no_files(sidecar: dict[str, Any]) -> None:
    sidecar["subruns"] = []


def _text_run(sidecar: dict[str, Any]) -> None:
    sidecar["run"] = "100151"


def _missing_file(sidecar: dict[str, Any]) -> None:
    sidecar["subruns"][0]["files"][0]["name"] = "SNOP_0000100151_009.l1.zdab.root"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_wrong_checksum, "raw/SNOP_0000100151_001.l2.zdab.root: run_100151.json says size {size}, "
         "adler32 00000001; the file has size {size}, adler32 {adler32}"),
        (_wrong_size, "raw/SNOP_0000100151_000.l1.zdab.root: run_100151.json says size"),
        (_unknown_type, "raw/run_100151.json: run_type: unknown run type 'Cosmics'"),
        (_no_files, "raw/run_100151.json: run 100151 has no raw files"),
        (_text_run, "raw/run_100151.json: run: Input should be a valid integer"),
        (_missing_file, "raw/SNOP_0000100151_009.l1.zdab.root: listed in run_100151.json but "
         "missing"),
    ],
)  # fmt: skip
def test_bad_sidecars_register_nothing(
    gasp: GaspRunner,
    site: Path,
    daq: Daq,
    processing: OpenDb,
    change: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    raw = site / "raw"
    daq(100151, out=raw)
    target = json.loads((raw / "run_100151.json").read_text())["subruns"][1]["files"][1]
    _edit_sidecar(raw, 100151, change)
    before = revisions(processing())
    result = gasp("runs", "register", "raw")
    assert result.returncode == 2
    expected = message.format(size=target["size"], adler32=target["adler32"])
    error = result.stderr[result.stderr.find("gasp: error: ") :]  # after any progress lines
    assert error.startswith(f"gasp: error: {expected}"), result.stderr
    assert len(error.strip().splitlines()) == 1
    assert revisions(processing()) == before and se_files(site) == []


def test_malformed_sidecar_and_missing_folder(gasp: GaspRunner, site: Path, daq: Daq) -> None:
    raw = site / "raw"
    daq(100151, out=raw)
    (raw / "run_100151.json").write_text('{"run": 100151,\n  "run_type": }\n')
    result = gasp("runs", "register", "raw")
    assert result.returncode == 2
    assert "raw/run_100151.json: malformed JSON at line 2, column 15" in result.stderr
    missing = gasp("runs", "register", "nowhere")
    assert missing.returncode == 2
    assert missing.stderr.strip() == "gasp: error: nowhere: does not exist"
    assert se_files(site) == []


def test_every_problem_is_listed(gasp: GaspRunner, site: Path, daq: Daq) -> None:
    raw = site / "raw"
    daq(100151, out=raw)
    daq(100152, out=raw)
    _edit_sidecar(raw, 100151, _unknown_type)
    _edit_sidecar(raw, 100152, _wrong_checksum)
    result = gasp("runs", "register", "raw")
    assert result.returncode == 2
    assert "raw: nothing registered, 2 problem(s):" in result.stderr
    assert "unknown run type 'Cosmics'" in result.stderr and "adler32 00000001" in result.stderr


def test_failover_element_when_the_primary_fails(
    gasp: GaspRunner, tmp_path: Path, daq: Daq, processing: OpenDb
) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the primary's folder should be")
    (tmp_path / "site.toml").write_text(
        '[database]\nurl = "sqlite:gasp-data"\n'
        '[storage]\nprimary = "broken"\nfailover = "backup"\n'
        '[storage.elements.broken]\nurl = "not-a-folder/se"\n'
        '[storage.elements.backup]\nurl = "backup-se"\n'
    )
    assert gasp("-c", "site.toml", "db", "init").returncode == 0
    daq(100151, out=tmp_path / "raw")
    result = gasp("-c", "site.toml", "runs", "register", "raw")
    assert result.returncode == 0, result.stderr
    assert "copy to broken failed" in result.stdout
    assert "4 files copied to backup" in result.stdout
    doc = run_documents(processing())[100151]
    replicas = [r for s in doc["subruns"] for f in s["files"] for r in f["replicas"]]
    assert {r["se"] for r in replicas} == {"backup"} and len(replicas) == 4
    assert all(Path(r["url"].removeprefix("file://")).is_file() for r in replicas)


def _register_process(site: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gasp", "runs", "register", "raw"],
        cwd=site,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    "point", ["runs-register-copied:1", "runs-register-copied:6", "runs-register-written"]
)
def test_killed_registration_recovers_on_rerun(
    gasp: GaspRunner, site: Path, daq: Daq, processing: OpenDb, point: str
) -> None:
    raw = site / "raw"
    daq(100151, out=raw)
    daq(100152, out=raw)
    env = {"PATH": "/usr/bin:/bin", "GASP_CRASHPOINT": point}
    killed = _register_process(site, env)
    killed.communicate(timeout=120)
    assert killed.returncode == -9
    partial = run_documents(processing())
    for doc in partial.values():  # a document is written only with all its files stored
        assert len([f for s in doc["subruns"] for f in s["files"]]) == 4
    again = gasp("runs", "register", "raw")
    assert again.returncode == 0, again.stderr
    check_registered(site, run_documents(processing()), raw)


def test_kill_minus_nine_at_any_moment(
    gasp: GaspRunner, site: Path, daq: Daq, processing: OpenDb
) -> None:
    """Killed from outside while copying (no crash point): the re-run still ends right."""
    raw = site / "raw"
    for run in (100151, 100152, 100153):
        daq(run, subruns=3, events=400, out=raw)
    process = _register_process(site, {"PATH": "/usr/bin:/bin"})
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("copying raw files"):
            break
    process.kill()
    process.communicate(timeout=60)
    again = gasp("runs", "register", "raw")
    assert again.returncode == 0, again.stderr
    check_registered(site, run_documents(processing()), raw)
    assert se_files(site) == se_files(site, include_temporary=False)
