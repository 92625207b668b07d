"""The request path every submit command shares (``gasp.submit.lifecycle``), on its own.

The commands' tests cover it end to end; these pin what the three submitters rely on: the
fields every request document carries, progress used as a context manager passed in, a
closed request read back and not written again, the close retried on a conflict, and the
history cap.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gasp.errors import InputError
from gasp.model.job import HISTORY_LIMIT
from gasp.progress_protocol import Advance
from gasp.store import Database
from gasp.submit.lifecycle import PassesWritten, RequestLifecycle

KIND = "production"


@dataclass(frozen=True)
class Job:
    subjobs: tuple[int, ...]


@dataclass
class Recorder:
    """A progress that remembers how it was used."""

    events: list[str] = field(default_factory=list)

    @contextmanager
    def __call__(self, description: str, total: int) -> Iterator[Advance]:
        self.events.append(f"enter {description} {total}")
        yield lambda n: self.events.append(f"advance {n}")
        self.events.append("exit")


def written(advance: Advance) -> PassesWritten:
    advance(2)
    return PassesWritten([("Mod", 1, 1), ("Mod", 2, 1)], 2, 0)


def test_open_complete_and_output(db: Database, tmp_path: Path) -> None:
    outlist = tmp_path / "out.exactly"
    recorder = Recorder()
    lifecycle = RequestLifecycle(db, KIND, outlist, recorder)
    doc = lifecycle.open({"rat_version": "1.0.0", "n_jobs": 2})
    fields = [name for name in doc if name != "_rev"]  # in the order written
    assert fields == [
        *("_id", "type", "kind", "name", "status", "requester", "created"),
        *("rat_version", "n_jobs", "exactly", "history"),
    ]
    stored = db.get(doc["_id"])
    assert sorted(stored) == sorted(doc)
    assert stored["status"] == "approved" and stored["kind"] == KIND
    assert stored["_id"] == f"request:{stored['name']}"

    done = lifecycle.complete(doc, [Job((1, 2)), Job((3,))], written)
    assert recorder.events == ["enter writing passes 2", "advance 2", "exit"]
    assert (done.written, done.present) == (2, 0)
    closed = db.get(doc["_id"])
    assert closed["status"] == "submitted"
    assert (closed["n_jobs"], closed["n_subjobs"]) == (2, 3)
    assert [h["status"] for h in closed["history"]] == ["approved", "submitted"]
    assert not outlist.exists()
    lifecycle.output(done.exactly)
    assert outlist.read_text() == "Mod 1 1\nMod 2 1\n"


def test_a_closed_request_is_read_back_not_written(db: Database) -> None:
    lifecycle = RequestLifecycle(db, KIND, None)
    doc = lifecycle.open({"spec": {"a": 1}})
    lifecycle.complete(doc, [Job((1,)), Job((1,))], written)
    again = lifecycle.resume(doc["name"], {"a": 1})
    rev = again["_rev"]

    def must_not_write(_advance: Advance) -> PassesWritten:
        raise AssertionError("a closed request wrote passes again")

    done = lifecycle.complete(again, [Job((1,)), Job((1,))], must_not_write)
    assert (done.exactly, done.written, done.present) == ([("Mod", 1, 1), ("Mod", 2, 1)], 0, 2)
    assert db.get(doc["_id"])["_rev"] == rev


def test_resume_refuses_an_unknown_or_different_request(db: Database) -> None:
    lifecycle = RequestLifecycle(db, KIND, None)
    with pytest.raises(InputError, match="no such request"):
        lifecycle.resume("20260101-000000-abcdef", {})
    doc = lifecycle.open({"spec": {"a": 1}})
    with pytest.raises(InputError, match="made from a different file"):
        lifecycle.resume(doc["name"], {"a": 2})


def test_close_is_retried_on_a_conflict_and_keeps_the_other_write(db: Database) -> None:
    lifecycle = RequestLifecycle(db, KIND, None)
    doc = lifecycle.open({})
    other = db.get(doc["_id"])
    other["note"] = "written meanwhile"
    db.put(other)
    lifecycle.complete(doc, [Job((1,))], written)
    closed = db.get(doc["_id"])
    assert closed["status"] == "submitted" and closed["note"] == "written meanwhile"


def test_history_is_capped(db: Database) -> None:
    lifecycle = RequestLifecycle(db, KIND, None)
    doc = lifecycle.open({})
    doc["history"] = [{"at": str(i), "status": "approved"} for i in range(HISTORY_LIMIT + 5)]
    db.put(doc)
    lifecycle.complete(doc, [Job((1,))], written)
    history = db.get(doc["_id"])["history"]
    assert len(history) == HISTORY_LIMIT and history[-1]["status"] == "submitted"


def test_output_is_checked_before_anything_is_written(db: Database, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder"):
        RequestLifecycle(db, KIND, tmp_path)
    assert list(db.all_docs(startkey="request:", endkey="request:\ufff0")) == []


def test_the_domain_layers_load_no_rich() -> None:
    """``gasp.submit`` and ``gasp.runs`` get their progress passed in: rich stays unloaded."""
    code = (
        "import pkgutil, importlib, sys\n"
        "import gasp.submit, gasp.runs\n"
        "for package in (gasp.submit, gasp.runs):\n"
        "    for info in pkgutil.iter_modules(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.'))\n"
        "assert not loaded, loaded\n"
        "assert 'gasp.progress' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
