"""``gasp delete`` on campaigns a real client ran: ``file://`` storage on both stores, the
real XRootD server, a file that cannot be removed, and a process killed part-way."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path
from typing import Any

import pytest

from gasp.ops.delete import CRASH_AFTER_DOCUMENTS
from gasp.ops.removal import CRASH_AFTER_FILE
from gasp.storage.transfer import upload
from tests.campaign import Campaign
from tests.ops.conftest import COMPLETES, LABEL, Finished, run_until_done
from tests.services.xrootd_server import XRootDServer

OPERATOR = {"GASP_OPERATOR": "shifter@control-room"}
PassKey = tuple[str, int, int]


def replica_paths(campaign: Campaign, folder: Path) -> dict[str, Path]:
    """url -> where that replica's bytes are on this machine, for every replica catalogued
    on the element whose files live in ``folder``."""
    found = {}
    for doc in campaign.data_documents():
        for entry in doc["files"]:
            for replica in entry["replicas"]:
                found[replica["url"]] = folder / entry["lfn"]
    return found


def files_below(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def log_lines(path: Path) -> dict[str, list[str]]:
    """url -> the outcomes the log gives it, in order (each line: time url outcome)."""
    outcomes: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        _at, url, outcome = line.split(" ", 2)
        outcomes.setdefault(url, []).append(outcome)
    return outcomes


def assert_deleted(campaign: Campaign, keys: list[PassKey], untouched: dict[PassKey, Any]) -> None:
    """The passes are ``deleted`` by the operator, with no data document left; the others
    are as they were."""
    assert campaign.data_documents() == []
    passes = campaign.passes()
    for key in keys:
        last = passes[key]["history"][-1]
        assert passes[key]["status"] == "deleted", key
        assert (last["to"], last["by"]) == ("deleted", OPERATOR["GASP_OPERATOR"]), key
        assert [h["to"] for h in passes[key]["history"]].count("deleted") == 1, key
    for key, before in untouched.items():
        assert passes[key] == before, key


def test_delete_on_file_storage(finished: Finished) -> None:
    campaign = finished.campaign
    se = campaign.folder / "se"
    paths = replica_paths(campaign, se)
    assert len(paths) >= 6 and all(p.is_file() for p in paths.values())
    doomed = [*finished.completed, finished.part_failed]
    untouched = {finished.failed: campaign.passes()[finished.failed]}
    data_before = campaign.data_documents()

    dry = campaign.gasp("delete", "--label", LABEL, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "WaterPmtBetagammas" in dry.stdout and "WaterN16SourceRun" in dry.stdout
    assert "dry run" in dry.stdout and "ScintBi214" not in dry.stdout
    refused = campaign.gasp("delete", "--label", LABEL, input="n\n")
    assert refused.returncode == 1 and "Aborted" in refused.stderr
    assert campaign.data_documents() == data_before and all(p.is_file() for p in paths.values())

    # One file already gone (counts as deleted), one that cannot be removed (a folder now).
    urls = sorted(paths)
    missing = next(u for u in urls if "WaterPmtBetagammas" in u)
    paths[missing].unlink()
    stuck = next(u for u in urls if "WaterN16SourceRun" in u)
    paths[stuck].unlink()
    (paths[stuck] / "inside").mkdir(parents=True)
    log = campaign.folder / "delete.log"
    first = campaign.gasp("delete", "--label", LABEL, "--yes", "--log", str(log), env=OPERATOR)
    assert first.returncode == 1, first.stderr
    assert str(log) in first.stdout and "not deleted" in first.stdout
    outcomes = log_lines(log)
    assert set(outcomes) == set(paths)
    assert outcomes[missing] == ["missing"] and outcomes[stuck][0].startswith("failed: ")
    assert all(o == ["deleted"] for u, o in outcomes.items() if u not in (missing, stuck))
    left = campaign.data_documents()
    assert [f["replicas"][0]["url"] for d in left for f in d["files"]] == [stuck]
    passes = campaign.passes()
    assert passes[finished.part_failed]["status"] == "partFail"
    assert {passes[k]["status"] for k in finished.completed} == {"deleted"}

    paths[stuck].joinpath("inside").rmdir()
    paths[stuck].rmdir()
    second = campaign.gasp("delete", "--label", LABEL, "--yes", "--log", str(log), env=OPERATOR)
    assert second.returncode == 0, second.stderr
    assert "passes marked deleted: 1" in second.stdout
    assert log_lines(log)[stuck][-1] == "missing"
    assert files_below(se) == []
    assert_deleted(campaign, doomed, untouched)

    third = campaign.gasp("delete", "--label", LABEL, "--yes", "--log", str(log), env=OPERATOR)
    assert third.returncode == 0 and "nothing to delete" in third.stdout
    bad = campaign.gasp("delete", "--label", LABEL, "--status", "failed", "--yes")
    assert bad.returncode == 2 and "cannot be deleted" in bad.stderr


@pytest.mark.parametrize("backend", ["embedded"])
def test_delete_from_xrootd_and_a_second_element(
    campaign: Campaign, toyrat_env: None, xrootd_server: XRootDServer
) -> None:
    """Outputs stored on XRootD by the runner, each also copied to a ``file://`` element
    and catalogued there: both replicas of every file go."""
    exported = f"delete-{uuid.uuid4().hex[:8]}"
    elements = {
        "xrd": {"url": xrootd_server.url_for(f"/{exported}")},
        "copy": {"url": str(campaign.folder / "copy")},
    }
    config = campaign.site_config(
        storage={"primary": "xrd", "elements": elements}, retry={"max_attempts": 1}
    )
    keys = campaign.submit(COMPLETES)
    run_until_done(campaign.client(config))
    server_folder = xrootd_server.data / exported
    for doc in campaign.data_documents():
        for entry in doc["files"]:
            copy = (campaign.folder / "copy" / entry["lfn"]).as_uri()
            upload(server_folder / entry["lfn"], copy, expected=entry["adler32"])
            entry["replicas"].append({"se": "copy", "url": copy, "status": "ok"})
        campaign.db.put(doc)
    on_xrootd, copies = files_below(server_folder), files_below(campaign.folder / "copy")
    assert len(on_xrootd) == len(copies) >= 3

    log = campaign.folder / "xrootd.log"
    result = campaign.gasp("delete", "--label", LABEL, "--yes", "--log", str(log), env=OPERATOR)
    assert result.returncode == 0, result.stderr
    outcomes = log_lines(log)
    assert len(outcomes) == 2 * len(on_xrootd)
    assert {tuple(o) for o in outcomes.values()} == {("deleted",)}
    assert sum(url.startswith("root://") for url in outcomes) == len(on_xrootd)
    assert files_below(server_folder) == [] and files_below(campaign.folder / "copy") == []
    assert_deleted(campaign, keys, {})


@pytest.mark.parametrize("backend", ["embedded"])
def test_killed_delete_finishes_when_run_again(finished: Finished) -> None:
    campaign = finished.campaign
    campaign.site_config(ops={"delete_streams": 1})  # one file at a time: the kill is mid-way
    se = campaign.folder / "se"
    stored = files_below(se)
    data_before = campaign.data_documents()
    doomed = [*finished.completed, finished.part_failed]
    untouched = {finished.failed: campaign.passes()[finished.failed]}
    log = campaign.folder / "delete.log"

    def delete(**env: str) -> int:
        done = campaign.gasp("delete", "--label", LABEL, "--yes", "--log", str(log), env=env)
        assert done.returncode in (0, -signal.SIGKILL), done.stderr
        return done.returncode

    assert delete(GASP_CRASHPOINT=f"{CRASH_AFTER_FILE}:2", **OPERATOR) == -signal.SIGKILL
    remaining = files_below(se)
    assert 0 < len(remaining) <= len(stored) - 2, "the kill did not land between two files"
    assert campaign.data_documents() == data_before
    assert len(log.read_text().splitlines()) == 2

    assert delete(GASP_CRASHPOINT=CRASH_AFTER_DOCUMENTS, **OPERATOR) == -signal.SIGKILL
    assert files_below(se) == [] and campaign.data_documents() == []
    passes = campaign.passes()
    assert {passes[k]["status"] for k in doomed} == {"completed", "partFail"}

    assert delete(**OPERATOR) == 0
    assert_deleted(campaign, doomed, untouched)
    assert set(log_lines(log)) == set(replica_paths_of(data_before))


def replica_paths_of(docs: list[dict[str, Any]]) -> list[str]:
    return [r["url"] for d in docs for f in d["files"] for r in f["replicas"]]


@pytest.mark.parametrize("backend", ["embedded"])
def test_a_log_that_cannot_be_written_stops_delete_before_anything(finished: Finished) -> None:
    campaign = finished.campaign
    stored = files_below(campaign.folder / "se")
    data_before = campaign.data_documents()
    blocker = campaign.folder / "not-a-folder"
    blocker.write_text("a file where the log's folder should be\n")
    for bad in (blocker / "delete.log", campaign.folder / "se"):
        done = campaign.gasp("delete", "--label", LABEL, "--yes", "--log", str(bad))
        assert done.returncode == 2 and str(bad) in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert files_below(campaign.folder / "se") == stored
    assert campaign.data_documents() == data_before
    assert not (campaign.folder / "gasp-delete").exists()
