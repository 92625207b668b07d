"""Hostile input against the real ``gasp`` command, and proof that nothing was written.

The contract every command keeps with bad input: exit status 2, one message on standard
error naming the file and the field or line, no traceback, and nothing written. "Nothing"
is checked, not assumed: every database on the server (its documents with their revisions
and attachment digests, so a counter moved or a log attached shows up), and every file in
the site's folder (storage element included) are snapshotted before the command and
compared after it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gasp.store import open_server

Snapshot = dict[str, Any]
Change = Callable[[dict[str, Any]], None]  # an edit of a parsed JSON file, in place


def setting(*path: str | int, value: Any) -> Change:
    """An edit that sets the value at ``path`` (keys and list indexes) of a JSON document."""

    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


@dataclass
class HostileSite:
    """A site folder with a config file, initialised databases and a storage element."""

    folder: Path
    store_url: str
    database_folder: Path | None  # the embedded store's files, compared as documents
    config_name: str = "site.toml"
    env: dict[str, str] = field(default_factory=dict)

    @property
    def config(self) -> Path:
        return self.folder / self.config_name

    @property
    def storage(self) -> Path:
        return self.folder / "se"

    def gasp(
        self, *args: str, env: dict[str, str] | None = None, config: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run ``gasp [-c site.toml] ARGS...`` in the site folder, as a user would."""
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("GASP_", "COLUMNS"))
        }
        environment["COLUMNS"] = "200"
        environment.update(self.env)
        environment.update(env or {})
        prefix = ["-c", str(self.config)] if config else []
        return subprocess.run(
            [sys.executable, "-m", "gasp", *prefix, *args],
            cwd=self.folder,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def snapshot(self) -> Snapshot:
        """Every document and file of the site, in a form that compares exactly."""
        server = open_server(self.store_url)
        try:
            databases: dict[str, dict[str, Any]] = {}
            for name in server.list_databases():
                db = server.database(name)
                databases[name] = {row.id: row.doc for row in db.all_docs(include_docs=True)}
        finally:
            server.close()
        files: dict[str, str] = {}
        for path in sorted(self.folder.rglob("*")):
            if self.database_folder is not None and path.is_relative_to(self.database_folder):
                continue
            relative = str(path.relative_to(self.folder))
            if path.is_dir():
                files[relative + "/"] = ""
            elif path.is_file():
                files[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
        return {"databases": databases, "files": files}

    def refuses(
        self,
        *args: str,
        mentions: Sequence[str],
        env: dict[str, str] | None = None,
        config: bool = True,
    ) -> str:
        """Run a command that must refuse its input; returns the message for more checks."""
        before = self.snapshot()
        result = self.gasp(*args, env=env, config=config)
        assert_refused(result, mentions)
        after = self.snapshot()
        assert_unchanged(before, after)
        return result.stderr


def assert_refused(result: subprocess.CompletedProcess[str], mentions: Sequence[str]) -> None:
    """Exit status 2, a message naming what was wrong, and no traceback."""
    shown = f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 2, shown
    assert "Traceback" not in result.stderr + result.stdout, shown
    message = result.stderr.strip()
    assert message, shown
    for fragment in mentions:
        assert fragment in message, f"{fragment!r} not in the message:\n{shown}"


def assert_unchanged(before: Snapshot, after: Snapshot) -> None:
    """The same databases, documents, revisions, attachments and files."""
    assert sorted(after["databases"]) == sorted(before["databases"]), "a database was created"
    for name, docs in before["databases"].items():
        now = after["databases"][name]
        added = sorted(set(now) - set(docs))
        removed = sorted(set(docs) - set(now))
        changed = sorted(i for i in set(docs) & set(now) if docs[i] != now[i])
        assert (added, removed, changed) == ([], [], []), (
            f"database {name}: added {added}, removed {removed}, changed {changed}"
        )
    added_files = sorted(set(after["files"]) - set(before["files"]))
    removed_files = sorted(set(before["files"]) - set(after["files"]))
    changed_files = sorted(
        p
        for p in set(before["files"]) & set(after["files"])
        if before["files"][p] != after["files"][p]
    )
    assert (added_files, removed_files, changed_files) == ([], [], []), (
        f"files: added {added_files}, removed {removed_files}, changed {changed_files}"
    )
