"""Bad configuration and unreachable or refusing stores: one line, exit 2, nothing written."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gasp_runner import GaspRunner


def _assert_one_clear_line(result: object, *fragments: str) -> None:
    stderr = result.stderr  # type: ignore[attr-defined]
    assert result.returncode == 2, stderr  # type: ignore[attr-defined]
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def _nothing_written(folder: Path, *allowed: str) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(allowed)


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ('colour = "blue"\n', ["bad.toml", "colour", "unknown key"]),
        ("[database]\nurl = 5\n", ["bad.toml", "database.url", "string"]),
        ('[database]\nurl = "ftp://x"\n', ["bad.toml", "database.url", "sqlite:"]),
        ("[database]\nrevs_limit = 0\n", ["bad.toml", "database.revs_limit"]),
        ('[site]\nname = "has space"\n', ["bad.toml", "site.name"]),
        (
            '[storage]\nprimary = "x"\n[storage.elements.x]\nurl = "nosuch://host/se"\n',
            ["bad.toml", "storage.elements.x.url", "nosuch:// is not a storage URL scheme"],
        ),
        ("[database\n", ["bad.toml", "malformed TOML", "line 1"]),
        ('[database]\nurl = "sqlite:x"\nurl = "sqlite:y"\n', ["bad.toml", "malformed TOML"]),
    ],
)
def test_malformed_config(
    gasp: GaspRunner, tmp_path: Path, content: str, fragments: list[str]
) -> None:
    (tmp_path / "bad.toml").write_text(content)
    _assert_one_clear_line(gasp("-c", "bad.toml", "db", "init"), *fragments)
    _nothing_written(tmp_path, "bad.toml")


def test_unreadable_config(gasp: GaspRunner, tmp_path: Path) -> None:
    _assert_one_clear_line(gasp("-c", "missing.toml", "db", "init"), "missing.toml", "cannot read")
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00garbage")
    _assert_one_clear_line(gasp("-c", "binary.toml", "db", "init"), "binary.toml")
    _nothing_written(tmp_path, "binary.toml")


def test_bad_config_from_environment(gasp: GaspRunner, tmp_path: Path) -> None:
    (tmp_path / "env.toml").write_text("[nope]\n")
    result = gasp("db", "info", env={"GASP_CONFIG": "env.toml"})
    _assert_one_clear_line(result, "env.toml", "nope")


def test_database_name_refused(gasp: GaspRunner, tmp_path: Path) -> None:
    (tmp_path / "site.toml").write_text('[database]\nproduction = "Bad Name"\n')
    _assert_one_clear_line(gasp("-c", "site.toml", "db", "init"), "illegal database name")
    _nothing_written(tmp_path, "site.toml")


def test_database_name_refused_by_couchdb(
    gasp: GaspRunner, tmp_path: Path, couchdb_url: str
) -> None:
    (tmp_path / "site.toml").write_text(
        f'[database]\nurl = "{couchdb_url}"\nprocessing = "_users_not_allowed"\n'
    )
    _assert_one_clear_line(gasp("-c", "site.toml", "db", "init"), "illegal database name")


def test_unreachable_couchdb(gasp: GaspRunner, tmp_path: Path) -> None:
    (tmp_path / "site.toml").write_text('[database]\nurl = "http://127.0.0.1:9"\n')
    _assert_one_clear_line(gasp("-c", "site.toml", "db", "init"), "127.0.0.1:9")
    _nothing_written(tmp_path, "site.toml")


class _RefusingHandler(http.server.BaseHTTPRequestHandler):
    """A CouchDB that refuses every request as unauthorised, as a secured server does."""

    def _refuse(self) -> None:
        body = b'{"error":"unauthorized","reason":"Name or password is incorrect."}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _refuse  # noqa: N815 (stdlib names)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def refusing_server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RefusingHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_wrong_credentials_are_reported_and_never_printed(
    gasp: GaspRunner, tmp_path: Path, refusing_server: str
) -> None:
    (tmp_path / "site.toml").write_text(
        f'[database]\nurl = "{refusing_server}"\nusername = "operator"\n'
    )
    result = gasp("-c", "site.toml", "db", "init", env={"GASP_DB_PASSWORD": "s3cr3t-pw"})
    _assert_one_clear_line(result, "credentials")
    assert "s3cr3t-pw" not in result.stderr + result.stdout
    with_url = refusing_server.replace("http://", "http://operator:s3cr3t-pw@")
    (tmp_path / "url.toml").write_text(f'[database]\nurl = "{with_url}"\n')
    result = gasp("-c", "url.toml", "db", "info")
    assert result.returncode == 2
    assert "s3cr3t-pw" not in result.stderr + result.stdout


def test_debug_shows_the_traceback(gasp: GaspRunner, tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("x = 1\n")
    result = gasp("--debug", "-c", "bad.toml", "db", "init")
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "ConfigError" in result.stderr


def test_info_before_init(gasp: GaspRunner, tmp_path: Path) -> None:
    _assert_one_clear_line(gasp("db", "info"), "gasp db init")
    _nothing_written(tmp_path)


def test_unknown_command_and_option(gasp: GaspRunner) -> None:
    assert gasp("db", "frobnicate").returncode == 2
    assert gasp("--no-such-option", "db", "info").returncode == 2
