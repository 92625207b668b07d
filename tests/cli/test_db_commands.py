"""``gasp db init`` / ``gasp db info`` on both backends, and the configuration resolution."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from gasp import __version__
from gasp.store import open_server
from gasp.toyrat.release import executable as toyrat_executable
from gasp.views import design_documents
from tests.gasp_runner import GaspRunner


def test_version(gasp: GaspRunner) -> None:
    result = gasp("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_init_and_info_on_the_embedded_default(gasp: GaspRunner, tmp_path: Path) -> None:
    first = gasp("db", "init")
    assert first.returncode == 0, first.stderr
    assert "production" in first.stdout and "processing" in first.stdout
    assert sorted(p.name for p in (tmp_path / "gasp-data").glob("*.sqlite")) == [
        "processing.sqlite",
        "production.sqlite",
    ]
    again = gasp("db", "init")
    assert again.returncode == 0 and "design documents current" in again.stdout
    info = gasp("db", "info")
    assert info.returncode == 0, info.stderr
    assert "passes: " in info.stdout and "data: " in info.stdout
    server = open_server(f"sqlite:{tmp_path / 'gasp-data'}")
    db = server.database("production")
    expected = {d["_id"]: sorted(d["views"]) for d in design_documents()}
    assert db.info().design_docs == expected
    server.close()


def test_config_resolution_order(gasp: GaspRunner, tmp_path: Path) -> None:
    (tmp_path / "gasp.toml").write_text('[database]\nurl = "sqlite:from-local"\n')
    (tmp_path / "env.toml").write_text('[database]\nurl = "sqlite:from-env"\n')
    (tmp_path / "explicit.toml").write_text('[database]\nurl = "sqlite:from-option"\n')
    assert gasp("db", "init").returncode == 0
    assert (tmp_path / "from-local" / "production.sqlite").exists()
    assert gasp("db", "init", env={"GASP_CONFIG": "env.toml"}).returncode == 0
    assert (tmp_path / "from-env" / "production.sqlite").exists()
    result = gasp("-c", "explicit.toml", "db", "init", env={"GASP_CONFIG": "env.toml"})
    assert result.returncode == 0
    assert (tmp_path / "from-option" / "production.sqlite").exists()
    assert not (tmp_path / "gasp-data").exists()


def test_init_and_info_on_couchdb(gasp: GaspRunner, tmp_path: Path, couchdb_url: str) -> None:
    names = 'production = "cli_prod"\nprocessing = "cli_proc"\n'
    (tmp_path / "site.toml").write_text(f'[database]\nurl = "{couchdb_url}"\n{names}')
    result = gasp("-c", "site.toml", "db", "init")
    assert result.returncode == 0, result.stderr
    info = gasp("-c", "site.toml", "db", "info")
    assert info.returncode == 0, info.stderr
    assert "cli_prod" in info.stdout and "passes: " in info.stdout
    server = open_server(couchdb_url)
    try:
        assert {"cli_prod", "cli_proc"} <= set(server.list_databases())
        ddocs = server.database("cli_prod").info().design_docs
        assert set(ddocs) == {d["_id"] for d in design_documents()}
    finally:
        for name in ("cli_prod", "cli_proc"):
            server.delete_database(name)
        server.close()


def test_init_with_a_config_file_says_how_to_load_catalogues(
    gasp: GaspRunner, tmp_path: Path
) -> None:
    (tmp_path / "site.toml").write_text('[database]\nurl = "sqlite:data"\n')
    first = gasp("-c", "site.toml", "db", "init")
    assert first.returncode == 0, first.stderr
    hints = re.findall(
        r"no (\w+) catalogue is stored yet; .*the shipped toyrat release: (.*)\)", first.stdout
    )
    assert [kind for kind, _command in hints] == ["production", "processing"], first.stdout
    assert "gasp -c site.toml catalog make RELEASE_FOLDER -o FILE" in first.stdout
    # The commands as printed work: pasted into a shell that finds gasp and toyrat.
    folders = [Path(sys.executable).parent, Path(toyrat_executable()).parent, "/usr/bin", "/bin"]
    for _kind, command in hints:
        shell = command.replace("gasp -c", f"{shlex.quote(sys.executable)} -m gasp -c")
        done = subprocess.run(
            ["bash", "-c", shell],
            cwd=tmp_path,
            env={"PATH": ":".join(map(str, folders)), "COLUMNS": "200"},
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{shell}\n{done.stdout}\n{done.stderr}"
    again = gasp("-c", "site.toml", "db", "init")
    assert "catalogue is stored yet" not in again.stdout
    shown = gasp("-c", "site.toml", "catalog", "show", "--kind", "processing")
    assert "Analysis" in shown.stdout


def test_init_says_nothing_of_catalogues_when_the_embedded_default_loads_them(
    gasp: GaspRunner,
) -> None:
    result = gasp("db", "init")
    assert result.returncode == 0 and "catalogue is stored yet" not in result.stdout
