"""The shipped release: version, setup script, module naming, catalogues, every macro runs.

``catalogue_entry`` is the catalogue rule written down in ``release/README.md``, applied
with toyrat's own macro reader; the table below is the README's expected catalogue.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gasp.toyrat.daq import RUN_TYPES
from gasp.toyrat.macro import parse_macro
from gasp.toyrat.release import release_info, version
from tests.toyrat.helpers import TEMPLATE, MacroMaker, Toyrat, entries, fill_template

INTERNAL_RATE = ("solar",)
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
TEMPLATE_VALUES = {"radius": 7000, "inner_radius": 6000, "energy": 3.0}
MODE_ARGS: dict[str, list[object]] = {
    "time": ["-T", 20000],
    "number": ["-N", 40],
    "run": ["-r", 100152],
    "run_number": ["-n", 100152, "-N", 40],
}


def module_name(relative: Path) -> str:
    """The catalogue rule (README, "Catalogue rule"): each path part capitalised and joined."""
    return "".join(part.capitalize() for part in relative.with_suffix("").parts)


def catalogue_entry(text: str) -> tuple[str, list[str], list[str], str | None]:
    """The README's rule: (event_mode, outputs, template, other_suffix) of one macro."""
    lines = [line for line in text.splitlines() if not line.strip().startswith("#")]
    templates = list(dict.fromkeys(TEMPLATE.findall("\n".join(lines))))
    macro = parse_macro(fill_template(text, dict.fromkeys(templates, 1)), "scan.mac")
    assert macro.generator is not None
    rated = macro.rate_hz is not None or macro.generator.args[0] in INTERNAL_RATE
    mode = {
        (False, True): "time",
        (False, False): "number",
        (True, True): "run",
        (True, False): "run_number",
    }[(macro.run_conditions, rated)]
    outputs = [spec.catalogue_type for spec in macro.outputs]
    suffixes = [spec.suffix for spec in macro.outputs if spec.suffix is not None]
    return mode, outputs, templates, suffixes[0] if suffixes else None


def production_macros(release: Path) -> dict[str, Path]:
    folder = release / "mac" / "production"
    return {module_name(p.relative_to(folder)): p for p in sorted(folder.rglob("*.mac"))}


def test_version_is_written_once(release: Path, toyrat: Toyrat) -> None:
    assert version() == release_info()["version"] == "1.0.0"
    assert 'RAT_VERSION="1.0.0"' in (release / "env.sh").read_text()
    assert release_info()["internal_rate_generators"] == list(INTERNAL_RATE)


def test_the_catalogue_rule_gives_the_expected_modules(release: Path) -> None:
    found = {
        name: catalogue_entry(path.read_text("utf-8"))
        for name, path in production_macros(release).items()
    }
    assert found == EXPECTED


def test_the_readme_states_the_expected_catalogue(release: Path) -> None:
    rows: dict[str, list[str]] = {}
    for line in (release / "README.md").read_text("utf-8").splitlines():
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if cells and cells[0] in EXPECTED:
            rows[cells[0]] = cells
    assert set(rows) == set(EXPECTED)
    paths = production_macros(release)
    for name, (mode, outputs, templates, suffix) in EXPECTED.items():
        cells = rows[name]
        assert paths[name].relative_to(release / "mac" / "production").as_posix() == cells[1]
        assert cells[2].split(" ")[0] == mode
        assert cells[3].replace("`", "") == ", ".join(outputs) or name == "ScintSolarB8"
        if name != "ScintSolarB8":
            assert cells[4] == ", ".join(templates)
            assert cells[5] == (suffix or "")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_module_runs_in_its_catalogue_mode(
    name: str, release: Path, macro: MacroMaker, toyrat: Toyrat, tmp_path: Path
) -> None:
    mode, outputs, templates, suffix = EXPECTED[name]
    relative = production_macros(release)[name].relative_to(release).as_posix()
    values = {field: TEMPLATE_VALUES[field] for field in templates}
    stem = tmp_path / f"{name}_r1_s0_p1"
    result = toyrat(*MODE_ARGS[mode], "-s", 3, "-o", stem, macro(relative, **values))
    assert result.status == 0, result.err
    tags = {"ratds": "", "ntuple": ".ntuple", "other_ntuple": f".{suffix}"}
    trees = {"ratds": "T", "ntuple": "output", "other_ntuple": "output"}
    counts = {entries(Path(f"{stem}{tags[kind]}.root"), trees[kind]) for kind in outputs}
    assert len(counts) == 1 and counts.pop() > 0


def test_processing_catalogue_matches_its_macros(release: Path) -> None:
    catalogue: dict[str, Any] = json.loads((release / "processing_catalog.json").read_text())
    assert (catalogue["kind"], catalogue["rat_version"]) == ("processing", version())
    modules = catalogue["modules"]
    assert modules["Processing"]["level"] == "sub_run" and modules["Processing"]["raw_processor"]
    assert modules["Analysis"]["level"] == "run"
    assert modules["Analysis"]["prerequisites"] == ["Processing"]
    for name, module in modules.items():
        assert module["type"] == "macro" and module["level"] in (
            "sub_run",
            "run",
            "run_zdab",
            "run_root",
        )
        macro = parse_macro((release / module["path"]).read_text("utf-8"), name)
        assert module["raw_processor"] == (macro.input_kind == "raw")
        assert module["outputs"] == [spec.catalogue_type for spec in macro.outputs]
        assert set(module["prerequisites"]) <= set(modules) - {name}
    assert catalogue["modules_for_run_type"]["Physics"] == ["Processing", "Analysis"]
    assert set(catalogue["modules_for_run_type"]) <= set(RUN_TYPES)
    for names in catalogue["modules_for_run_type"].values():
        assert set(names) <= set(modules)


def bash(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a bash script in a clean environment (no release already set up)."""
    environ = {key: value for key, value in os.environ.items() if key != "TOYRAT_RELEASE"}
    return subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def test_env_sh_is_safe_to_source(release: Path, tmp_path: Path) -> None:
    sourced = bash(
        f'set -eu; . "{release}/env.sh"; echo "$RAT_VERSION|$RATROOT|$TOYRAT_RELEASE"; '
        "set | grep -c '^_toyrat' || true",
        tmp_path,
    )
    assert sourced.returncode == 0, sourced.stderr
    assert sourced.stdout.splitlines() == [f"1.0.0|{release}|{release}", "0"]
    executed = bash(f'bash "{release}/env.sh"; echo "status $?"', tmp_path)
    assert executed.stdout.strip() == "status 0"
    stray = tmp_path / "env.sh"
    stray.write_text((release / "env.sh").read_text())
    lost = bash('. ./env.sh; echo "still here $?"', tmp_path)
    assert lost.stdout.strip() == "still here 1"
    assert "cannot find the toyrat release folder" in lost.stderr


def test_public_names_are_pinned() -> None:
    import gasp.toyrat

    assert gasp.toyrat.__all__ == ["main", "release_dir", "version"]
