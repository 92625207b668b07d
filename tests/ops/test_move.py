"""``gasp move`` on a campaign a real client ran: between two ``file://`` elements, onto the
real XRootD server, killed at each of its crash points and run again, and refusing (or,
with ``--skip-bad``, skipping) sources that are missing or corrupt.

Every test runs the real command in a subprocess, then compares the data documents with
what the elements' folders hold: each file has exactly the replicas it should, each
replica is a file with the catalogue's size and adler32, and no element holds a file (a
leftover temporary copy included) that no replica names.
"""

from __future__ import annotations

import signal
import uuid
import zlib
from pathlib import Path
from typing import Any

import pytest

from gasp.ops.move import (
    CRASH_AFTER_COPY,
    CRASH_AFTER_REGISTER,
    CRASH_AFTER_SOURCE,
    move_files,
    move_log,
)
from gasp.ops.move_plan import DEFAULT_STATUSES, plan_move
from gasp.passes.selection import SelectionOptions, candidates, make_selection
from gasp.storage import StorageElement
from tests.campaign import Campaign
from tests.ops.conftest import LABEL, Finished
from tests.services.xrootd_server import XRootDServer

PART = ".part-0a1b2c3d4e5f"  # the temporary name a killed copy leaves: .<name>.part-<hex>


def with_elements(campaign: Campaign, **folders: str) -> dict[str, tuple[str, Path]]:
    """Configure the site with the element ``se`` (the campaign's) and ``folders`` (name ->
    ``file://`` URL prefix of a folder of the campaign); returns every element's name ->
    (URL prefix, the folder on this machine that holds its files)."""
    elements = {"se": {"url": str(campaign.folder / "se")}}
    elements.update({name: {"url": url} for name, url in folders.items()})
    campaign.site_config(storage={"primary": "se", "elements": elements})
    se = campaign.folder / "se"
    return {"se": (se.as_uri(), se)} | {
        name: (url, campaign.folder / name) for name, url in folders.items()
    }


def catalogue(campaign: Campaign) -> dict[str, dict[str, Any]]:
    """lfn -> its file entry (with replicas), across every data document."""
    return {e["lfn"]: e for d in campaign.data_documents() for e in d["files"]}


def replicas(campaign: Campaign) -> dict[str, list[str]]:
    """lfn -> the storage elements of its replicas, in order."""
    return {lfn: [r["se"] for r in e["replicas"]] for lfn, e in catalogue(campaign).items()}


def revisions(campaign: Campaign) -> dict[str, str]:
    return {doc["_id"]: doc["_rev"] for doc in campaign.data_documents()}


def files_below(folder: Path) -> set[str]:
    """Every file below ``folder``, temporary ones included, as relative paths."""
    if not folder.exists():
        return set()
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def assert_matches_storage(campaign: Campaign, elements: dict[str, tuple[str, Path]]) -> None:
    """Each replica the documents name is its element's file with the catalogued size and
    adler32, at the element's URL; each element holds nothing else."""
    named: dict[str, set[str]] = {name: set() for name in elements}
    for lfn, entry in catalogue(campaign).items():
        for replica in entry["replicas"]:
            prefix, folder = elements[replica["se"]]
            assert replica["url"] == StorageElement(replica["se"], prefix).url_for(lfn)
            assert replica["status"] == "ok"
            data = (folder / lfn).read_bytes()
            assert (len(data), f"{zlib.adler32(data):08x}") == (entry["size"], entry["adler32"])
            named[replica["se"]].add(lfn)
    for name, (_prefix, folder) in elements.items():
        assert files_below(folder) == named[name], name


def log_lines(path: Path) -> dict[str, list[str]]:
    """url -> the outcomes the log gives it, in order (each line: time url outcome)."""
    outcomes: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        _at, url, outcome = line.split(" ", 2)
        outcomes.setdefault(url, []).append(outcome)
    return outcomes


def test_move_and_replicate_between_file_elements(finished: Finished) -> None:
    campaign = finished.campaign
    se, tape = campaign.folder / "se", campaign.folder / "tape"
    elements = with_elements(campaign, tape=tape.as_uri())
    before, revs = replicas(campaign), revisions(campaign)
    assert len(before) >= 6 and set(map(tuple, before.values())) == {("se",)}
    n16 = {lfn for lfn in before if "WaterN16SourceRun" in lfn}
    assert n16 and len(n16) < len(before)

    unknown = campaign.gasp("move", "--label", LABEL, "--to", "nowhere", "--yes")
    assert unknown.returncode == 2, unknown.stderr
    assert "--to: no storage element 'nowhere' in [storage] elements (se, tape)" in unknown.stderr
    failed = campaign.gasp("move", "--label", LABEL, "--to", "tape", "--status", "failed")
    assert failed.returncode == 2 and "no outputs to move" in failed.stderr
    dry = campaign.gasp("move", "--label", LABEL, "--to", "tape", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would move" in dry.stdout and "dry run: nothing copied" in dry.stdout
    assert "WaterPmtBetagammas" in dry.stdout and "ScintBi214" not in dry.stdout
    refused = campaign.gasp("move", "--label", LABEL, "--to", "tape", input="n\n")
    assert refused.returncode == 1 and "Aborted" in refused.stderr
    assert revisions(campaign) == revs and not tape.exists()
    assert not list(campaign.folder.glob("gasp-move-*.log"))

    log = campaign.folder / "move.log"
    copy = ("--to", "tape", "--yes", "--log", str(log))
    kept = campaign.gasp("move", "--label", LABEL, "--modules", "WaterN16*", "--keep-source", *copy)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert f"copied: {len(n16)} files" in kept.stdout
    assert replicas(campaign) == {lfn: ["se", "tape"] if lfn in n16 else ["se"] for lfn in before}
    assert_matches_storage(campaign, elements)

    moved = campaign.gasp("move", "--label", LABEL, *copy)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert f"copied: {len(before) - len(n16)} files" in moved.stdout
    assert f"already on tape: {len(n16)}" in moved.stdout
    assert f"source replicas removed: {len(before)}, already missing: 0" in moved.stdout
    assert replicas(campaign) == {lfn: ["tape"] for lfn in before}
    assert_matches_storage(campaign, elements)
    assert files_below(se) == set()
    outcomes = log_lines(log)
    tape_se = StorageElement("tape", tape.as_uri())
    for lfn in before:
        copied = outcomes[tape_se.url_for(lfn)]
        assert copied[0].startswith("copied from file://"), copied
        assert copied[1:] == (["present"] if lfn in n16 else []), copied
        assert outcomes[(se / lfn).as_uri()] == ["deleted"]

    again = campaign.gasp("move", "--label", LABEL, *copy)
    assert again.returncode == 0 and "nothing to move" in again.stdout, again.stdout
    assert replicas(campaign) == {lfn: ["tape"] for lfn in before}


@pytest.mark.parametrize("backend", ["embedded"])
def test_move_to_the_xrootd_server(finished: Finished, xrootd_server: XRootDServer) -> None:
    campaign = finished.campaign
    exported = f"move-{uuid.uuid4().hex[:8]}"
    with_elements(campaign, xrd=xrootd_server.url_for(f"/{exported}"))
    elements = {
        "se": ((campaign.folder / "se").as_uri(), campaign.folder / "se"),
        "xrd": (xrootd_server.url_for(f"/{exported}"), xrootd_server.data / exported),
    }
    before = replicas(campaign)

    moved = campaign.gasp("move", "--label", LABEL, "--to", "xrd", "--yes", "-j", "4")
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert replicas(campaign) == {lfn: ["xrd"] for lfn in before}
    assert_matches_storage(campaign, elements)  # on the server's disk, and nowhere else
    for entry in catalogue(campaign).values():  # and as the server itself reports them
        url = entry["replicas"][0]["url"]
        assert url.startswith("root://")
        StorageElement("xrd", elements["xrd"][0]).verify(url, entry["size"], entry["adler32"])
    (log,) = campaign.folder.glob("gasp-move-*.log")  # the default log, in the working folder
    assert len(log.read_text().splitlines()) == 2 * len(before)


@pytest.mark.parametrize("backend", ["embedded"])
@pytest.mark.parametrize(
    ("point", "count"),
    [(CRASH_AFTER_COPY, 2), (CRASH_AFTER_REGISTER, 1), (CRASH_AFTER_SOURCE, 2)],
)
def test_a_killed_move_finishes_when_run_again(finished: Finished, point: str, count: int) -> None:
    campaign = finished.campaign
    se, tape = campaign.folder / "se", campaign.folder / "tape"
    elements = with_elements(campaign, tape=tape.as_uri())
    before, revs = replicas(campaign), revisions(campaign)
    lfns = set(before)
    log = campaign.folder / "move.log"
    move = ("move", "--label", LABEL, "--to", "tape", "--yes", "-j", "1", "--log", str(log))

    killed = campaign.gasp(*move, env={"GASP_CRASHPOINT": f"{point}:{count}"})
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    if point == CRASH_AFTER_COPY:  # two copies published, nothing registered or removed
        assert len(files_below(tape)) == 2 and revisions(campaign) == revs
        assert files_below(se) == lfns
    elif point == CRASH_AFTER_REGISTER:  # every copy registered, no source touched
        assert replicas(campaign) == {lfn: ["se", "tape"] for lfn in lfns}
        assert files_below(se) == files_below(tape) == lfns
    else:  # two sources removed, still catalogued
        assert replicas(campaign) == {lfn: ["se", "tape"] for lfn in lfns}
        assert len(files_below(se)) == len(lfns) - 2 and files_below(tape) == lfns
    # What a copy killed half-way leaves: a temporary file beside a file not copied yet.
    for lfn in sorted(lfns - files_below(tape))[:2]:
        leftover = tape / Path(lfn).parent / f".{Path(lfn).name}{PART}"
        leftover.parent.mkdir(parents=True, exist_ok=True)
        leftover.write_bytes(b"half a copy")

    again = campaign.gasp(*move)
    assert again.returncode == 0, again.stdout + again.stderr
    assert replicas(campaign) == {lfn: ["tape"] for lfn in lfns}
    assert_matches_storage(campaign, elements)
    assert files_below(se) == set()
    outcomes = log_lines(log)
    assert all(o[-1] in ("deleted", "missing") for u, o in outcomes.items() if "/se/" in u)
    if point == CRASH_AFTER_SOURCE:  # the two removed before the kill were missing after it
        assert sum(o == ["deleted", "missing"] for o in outcomes.values()) == 2


@pytest.mark.parametrize("backend", ["embedded"])
def test_missing_or_corrupt_sources_refuse_the_move_or_are_skipped(finished: Finished) -> None:
    campaign = finished.campaign
    se, tape = campaign.folder / "se", campaign.folder / "tape"
    with_elements(campaign, tape=tape.as_uri())
    before = replicas(campaign)
    corrupt, missing, copied_by_hand = sorted(before)[:3]
    data = bytearray((se / corrupt).read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size: only the adler32 tells
    (se / corrupt).write_bytes(bytes(data))
    (se / missing).unlink()
    # A source gone, but its copy already on the target (as if published before a kill):
    # it needs no source.
    (tape / copied_by_hand).parent.mkdir(parents=True)
    (se / copied_by_hand).rename(tape / copied_by_hand)
    revs = revisions(campaign)
    log = campaign.folder / "move.log"

    for extra in ((), ("--dry-run",)):
        refused = campaign.gasp("move", "--label", LABEL, "--to", "tape", "--yes", *extra)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "2 files cannot be moved as catalogued" in refused.stderr
        assert f"{(se / corrupt).as_uri()}: checksum mismatch: adler32 " in refused.stderr
        assert f"{(se / missing).as_uri()}: no such file" in refused.stderr
        assert copied_by_hand not in refused.stderr and "Traceback" not in refused.stderr
    assert revisions(campaign) == revs and files_below(tape) == {copied_by_hand}
    assert not list(campaign.folder.glob("gasp-move-*.log"))

    dry = campaign.gasp("move", "--label", LABEL, "--to", "tape", "--skip-bad", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert f"skipped: {(se / corrupt).as_uri()}: checksum mismatch" in dry.stdout

    move = ("move", "--label", LABEL, "--to", "tape", "--yes", "--skip-bad", "--log", str(log))
    skipped = campaign.gasp(*move)
    assert skipped.returncode == 1, skipped.stdout + skipped.stderr  # not everything moved
    assert f"skipped: {(se / missing).as_uri()}: no such file" in skipped.stdout
    assert "skipped: 2" in skipped.stdout and "failed: 0" in skipped.stdout
    after = replicas(campaign)
    assert after.pop(corrupt) == after.pop(missing) == ["se"]
    assert after == {lfn: ["tape"] for lfn in before if lfn not in (corrupt, missing)}
    assert (se / corrupt).read_bytes() == bytes(data)  # the evidence stays
    on_tape = StorageElement("tape", tape.as_uri())
    outcomes = log_lines(log)
    assert outcomes[on_tape.url_for(copied_by_hand)] == ["present"]
    assert outcomes[on_tape.url_for(corrupt)][0].startswith("skipped: file://")
    assert catalogue(campaign)[missing]["replicas"] == [
        {"se": "se", "url": (se / missing).as_uri(), "status": "ok"}
    ]
    assert files_below(tape) == set(before) - {corrupt, missing}
    assert files_below(se) == {corrupt}


class RacingDatabase:
    """The test's real database, where another writer relabels every document a bulk
    write is about to write, on the bulk writes numbered in ``races``: those writes then
    meet real revision conflicts."""

    def __init__(self, db: Any, races: set[int]) -> None:
        self.db = db
        self.races = races
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)

    def bulk(self, docs: Any) -> Any:
        self.calls += 1
        if self.calls in self.races:
            for doc in docs:
                rival = self.db.get(doc["_id"])
                rival["labels"].append(f"rival-{self.calls}")
                self.db.put(rival)
        return self.db.bulk(docs)


@pytest.mark.parametrize("backend", ["embedded"])
def test_documents_changed_meanwhile_keep_both_changes(finished: Finished) -> None:
    """The new replicas' write and the sources' drop both conflict once with another
    writer: each is read again and applied to what the other wrote."""
    campaign = finished.campaign
    tape = campaign.folder / "tape"
    elements = with_elements(campaign, tape=tape.as_uri())
    before = replicas(campaign)
    selection = make_selection(SelectionOptions(label=LABEL), default_statuses=DEFAULT_STATUSES)
    keys = [row.key for row in candidates(campaign.db, selection)]
    target = StorageElement("tape", tape.as_uri())
    plan = plan_move(campaign.db, keys, selection, target, keep_source=False, streams=2)
    assert plan.total().copy == len(before) and not plan.bad

    racing = RacingDatabase(campaign.db, races={1, 3})  # register's first write, drop's first
    with move_log(campaign.folder / "move.log") as log:
        outcome = move_files(racing, plan, selection, streams=2, log=log)  # type: ignore[arg-type]
    assert racing.calls == 4  # each conflicting write done again, once
    assert (outcome.copied, outcome.registered, outcome.removed) == (len(before),) * 3
    assert outcome.dropped == len(before) and outcome.failed == []
    assert replicas(campaign) == {lfn: ["tape"] for lfn in before}
    assert_matches_storage(campaign, elements)
    for doc in campaign.data_documents():
        assert doc["labels"][-2:] == ["rival-1", "rival-3"], doc["_id"]
