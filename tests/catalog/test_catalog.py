"""``gasp catalog make/upload/show`` on the shipped toyrat release, and bad catalogue files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gasp.catalog.scan import make_production_catalogue, module_name
from gasp.toyrat.release import release_dir
from tests.gasp_runner import GaspRunner

# The table of the release's README: module -> (event mode, outputs, template, other_suffix).
EXPECTED = {
    "ScintBi214": ("time", ["ratds", "ntuple"], [], None),
    "ScintBipo214": ("time", ["ntuple", "other_ntuple"], [], "coinc"),
    "ScintPo210": ("time", ["ntuple"], [], None),
    "ScintSolarB8": ("time", ["ntuple"], [], None),
    "WaterBi214Run": ("run", ["ratds", "ntuple"], [], None),
    "WaterExternalTl208": ("number", ["ratds", "ntuple"], ["inner_radius"], None),
    "WaterGunElectron": ("number", ["ratds"], ["energy"], None),
    "WaterN16SourceRun": ("run_number", ["ratds", "ntuple"], [], None),
    "WaterPmtBetagammas": ("number", ["ratds", "ntuple"], ["radius"], None),
    "WaterTl208Run": ("run", ["ratds", "ntuple"], [], None),
}


def test_module_names_follow_the_folder_rule() -> None:
    assert module_name(Path("water/n16/source/run.mac")) == "WaterN16SourceRun"
    assert module_name(Path("scint/bi214.mac")) == "ScintBi214"


def test_make_scans_the_release_into_the_expected_catalogue() -> None:
    catalogue = make_production_catalogue(release_dir())
    assert catalogue.rat_version == "1.0.0"
    found = {
        name: (m.event_mode, list(m.outputs), list(m.template), m.other_suffix)
        for name, m in catalogue.modules.items()
    }
    assert found == EXPECTED
    for module in catalogue.modules.values():
        assert (release_dir() / module.path).is_file()


def test_internal_rate_option_decides_solar_generators() -> None:
    without = make_production_catalogue(release_dir(), internal_rate=["other"])
    assert without.modules["ScintSolarB8"].event_mode == "number"
    with_it = make_production_catalogue(release_dir(), internal_rate=["solar"])
    assert with_it.modules["ScintSolarB8"].event_mode == "time"


def test_make_upload_show_through_the_command(gasp: GaspRunner, tmp_path: Path) -> None:
    (tmp_path / "site.toml").write_text('[database]\nurl = "sqlite:data"\n')
    assert gasp("-c", "site.toml", "db", "init").returncode == 0
    made = gasp("catalog", "make", str(release_dir()), "--internal-rate", "none", "-o", "cat.json")
    assert made.returncode == 0, made.stderr
    written = json.loads((tmp_path / "cat.json").read_text())
    assert written["modules"]["ScintSolarB8"]["event_mode"] == "number"
    uploaded = gasp("-c", "site.toml", "catalog", "upload", "cat.json")
    assert uploaded.returncode == 0 and "uploaded" in uploaded.stdout
    again = gasp("-c", "site.toml", "catalog", "upload", "cat.json")
    assert "already current" in again.stdout
    processing = gasp(
        "-c", "site.toml", "catalog", "upload", str(release_dir() / "processing_catalog.json")
    )
    assert processing.returncode == 0, processing.stderr
    shown = gasp("-c", "site.toml", "catalog", "show", "--version", "1.0.0")
    assert (
        shown.returncode == 0
        and "WaterN16SourceRun" in shown.stdout
        and "run_number" in shown.stdout
    )
    shown = gasp("-c", "site.toml", "catalog", "show", "--kind", "processing")
    assert "Analysis" in shown.stdout and "Processing" in shown.stdout
    unknown = gasp("-c", "site.toml", "catalog", "show", "--version", "2.0.0")
    assert unknown.returncode == 2 and "known: 1.0.0" in unknown.stderr


def test_embedded_default_init_loads_the_toyrat_catalogues(gasp: GaspRunner) -> None:
    result = gasp("db", "init")
    assert result.returncode == 0, result.stderr
    assert "production catalogue: loaded" in result.stdout
    shown = gasp("catalog", "show", "--kind", "processing")
    assert "Analysis" in shown.stdout


def _processing(**changes: Any) -> dict[str, Any]:
    catalogue = json.loads((release_dir() / "processing_catalog.json").read_text())
    catalogue.update(changes)
    return catalogue


BAD = [
    (
        {
            "kind": "production",
            "rat_version": "1",
            "modules": {
                "M": {"event_mode": "time", "path": "x", "outputs": ["ntuple"], "colour": 1}
            },
        },
        ["modules.M.colour", "unknown field"],
    ),
    (
        {
            "kind": "production",
            "rat_version": "1",
            "modules": {"M": {"event_mode": "often", "path": "x", "outputs": ["ntuple"]}},
        },
        ["modules.M.event_mode"],
    ),
    (
        {
            "kind": "production",
            "rat_version": "1",
            "modules": {"M": {"event_mode": "time", "path": "x", "outputs": ["other_ntuple"]}},
        },
        ["other_suffix"],
    ),
    (
        {
            "kind": "production",
            "rat_version": "1",
            "modules": {"M": {"event_mode": "time", "path": "x", "outputs": []}},
        },
        ["modules.M.outputs"],
    ),
    ({"kind": "recipes", "rat_version": "1", "modules": {}}, ["kind"]),
    (
        _processing(modules_for_run_type={"Physics": ["Nope"]}),
        ["modules_for_run_type.Physics[0]: unknown module 'Nope'"],
    ),
    (
        _processing(
            modules={
                "A": {
                    "type": "macro",
                    "level": "run",
                    "path": "x",
                    "outputs": ["ntuple"],
                    "raw_processor": False,
                    "prerequisites": ["Z"],
                }
            },
            modules_for_run_type={},
        ),
        ["modules.A.prerequisites[0]: unknown module 'Z'"],
    ),
]


@pytest.mark.parametrize(("content", "fragments"), BAD)
def test_bad_catalogue_files(
    gasp: GaspRunner, tmp_path: Path, content: dict[str, Any], fragments: list[str]
) -> None:
    (tmp_path / "site.toml").write_text('[database]\nurl = "sqlite:data"\n')
    assert gasp("-c", "site.toml", "db", "init").returncode == 0
    (tmp_path / "bad.json").write_text(json.dumps(content))
    result = gasp("-c", "site.toml", "catalog", "upload", "bad.json")
    assert result.returncode == 2, result.stdout
    for fragment in ["bad.json", *fragments]:
        assert fragment in result.stderr, result.stderr
    assert gasp("-c", "site.toml", "catalog", "show").stdout.startswith("no production catalogue")


def test_malformed_catalogue_json(gasp: GaspRunner, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"kind": "production",\n "modules": }')
    result = gasp("catalog", "upload", "bad.json")
    assert result.returncode == 2 and "line 2, column" in result.stderr


def test_make_on_a_folder_without_macros(gasp: GaspRunner, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = gasp("catalog", "make", "empty")
    assert result.returncode == 2 and "release.json" in result.stderr
