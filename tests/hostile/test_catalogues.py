"""Hostile catalogue files against the real ``gasp catalog upload``, and what submitters say
about catalogues that are missing or broken.

A catalogue that cannot work (a prerequisite cycle, a name that resolves to nothing, a
macro path outside the release, a version that is no safe name) is refused at upload with
every problem at its field path, exit status 2, no traceback and nothing written. One that
reached the database some other way is refused by the submitter before its first write,
never half-way through (``KeyError``).
"""

from __future__ import annotations

import json
import tomllib
from copy import deepcopy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gasp.model.run import RUN_TYPES
from gasp.store import open_server
from gasp.toyrat.release import release_dir
from tests.hostile.conftest import FIXTURES
from tests.hostile.harness import HostileSite

PROCESSING: dict[str, Any] = json.loads((release_dir() / "processing_catalog.json").read_text())
PRODUCTION: dict[str, Any] = {
    "kind": "production",
    "rat_version": "2.0.0",
    "modules": {
        "Gun": {"event_mode": "number", "path": "mac/production/gun.mac", "outputs": ["ratds"]}
    },
}


def processing(**changes: Any) -> dict[str, Any]:
    catalogue = deepcopy(PROCESSING)
    catalogue["rat_version"] = "2.0.0"
    catalogue.update(changes)
    return catalogue


def with_module(base: dict[str, Any], name: str, **changes: Any) -> dict[str, Any]:
    catalogue = deepcopy(base)
    catalogue["modules"][name].update(changes)
    return catalogue


def upload(site: HostileSite, content: Any, mentions: list[str], name: str = "bad.json") -> str:
    """``gasp catalog upload`` must refuse the file: the file and each fragment named."""
    path = site.folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content)
    else:
        path.write_text(json.dumps(content))
    return site.refuses("catalog", "upload", name, mentions=[name, *mentions])


def test_a_good_catalogue_is_accepted(site: HostileSite) -> None:
    (site.folder / "good.json").write_text(json.dumps(processing()))
    result = site.gasp("catalog", "upload", "good.json")
    assert result.returncode == 0 and "uploaded" in result.stdout, result.stderr


@pytest.mark.parametrize(
    ("name", "content", "mentions"),
    [
        ("bad.json", "[]", ["kind"]),
        ("bad.json", '{"kind": "processing",\n "modules": }', ["line 2"]),
        ("bad.json", "[" * 500 + "]" * 500, ["nested more than"]),
        ("bad.json", b'{"kind": "production", "rat_version": "\xff"}', ["not UTF-8"]),
        ("bad.toml", 'kind = "production"\nmodules = [', ["malformed TOML"]),
        ("bad.toml", "x = " + "[" * 500 + "]" * 500, ["nested more than"]),
        ("bad.toml", b'kind = "production"\nrat_version = "\xff"', ["not UTF-8"]),
    ],
    ids=["list", "malformed", "deep", "not-utf8", "toml", "deep-toml", "not-utf8-toml"],
)
def test_files_that_do_not_parse(
    site: HostileSite, name: str, content: str | bytes, mentions: list[str]
) -> None:
    upload(site, content, mentions, name=name)


@pytest.mark.parametrize("path", ["/etc/hostname", "../../etc/hostname", "mac/../../x.mac", ""])
def test_macro_paths_outside_the_release(site: HostileSite, path: str) -> None:
    upload(site, with_module(PRODUCTION, "Gun", path=path), ["modules.Gun.path"])
    spoilt = with_module(processing(), "Analysis", path=path)
    upload(site, spoilt, ["modules.Analysis.path"])


@pytest.mark.parametrize("version", ["2/0", "2:0", "..", "1..0", "a b", "x" * 101, ""])
def test_versions_that_are_not_safe_names(site: HostileSite, version: str) -> None:
    upload(site, {**PRODUCTION, "rat_version": version}, ["rat_version"])
    upload(site, processing(rat_version=version), ["rat_version"])


def test_a_module_name_that_is_no_identifier(site: HostileSite) -> None:
    catalogue = deepcopy(PRODUCTION)
    catalogue["modules"]["my-gun"] = catalogue["modules"].pop("Gun")
    upload(site, catalogue, ["modules.my-gun", "not a module name"])


@pytest.mark.parametrize(
    ("change", "mentions"),
    [
        ({"outputs": ["ntuple", "root"]}, ["modules.Analysis.outputs[1]"]),
        ({"db_outputs": ["calibration"]}, ["modules.Analysis.db_outputs[0]"]),
        ({"outputs": ["ntuple", "ntuple"]}, ["modules.Analysis", "listed twice"]),
    ],
)
def test_unknown_data_types(site: HostileSite, change: dict[str, Any], mentions: list[str]) -> None:
    upload(site, with_module(processing(), "Analysis", **change), mentions)


def test_a_module_that_is_its_own_prerequisite(site: HostileSite) -> None:
    spoilt = with_module(processing(), "Processing", prerequisites=["Processing"])
    upload(site, spoilt, ["modules.Processing.prerequisites[0]", "the module itself"])


def test_a_prerequisite_cycle(site: HostileSite) -> None:
    spoilt = with_module(processing(), "Processing", prerequisites=["Analysis"])
    upload(
        site,
        spoilt,
        ["modules.Analysis.prerequisites", "prerequisite cycle Analysis -> Processing -> Analysis"],
    )


def test_an_unknown_prerequisite(site: HostileSite) -> None:
    spoilt = with_module(processing(), "Analysis", prerequisites=["Processing", "Fitting"])
    upload(site, spoilt, ["modules.Analysis.prerequisites[1]", "unknown module 'Fitting'"])


def test_run_types_that_do_not_exist(site: HostileSite) -> None:
    spoilt = processing(modules_for_run_type={"Physics": ["Processing"], "Cosmic": ["Analysis"]})
    upload(site, spoilt, ["modules_for_run_type.Cosmic", "unknown run type 'Cosmic'", "Physics,"])


def test_run_types_naming_unknown_modules(site: HostileSite) -> None:
    spoilt = processing(modules_for_run_type={"Physics": ["Processing", "Fitting"]})
    upload(site, spoilt, ["modules_for_run_type.Physics[1]", "unknown module 'Fitting'"])


def test_every_problem_is_reported_with_its_field_path(site: HostileSite) -> None:
    spoilt = processing(
        modules_for_run_type={"Physics": ["Processing", "Nope"], "Cosmic": ["Processing"]}
    )
    spoilt = with_module(spoilt, "Processing", prerequisites=["Analysis", "Processing"])
    message = upload(
        site,
        spoilt,
        [
            "4 problems",
            "modules.Processing.prerequisites[1]: 'Processing' is the module itself",
            "modules_for_run_type.Physics[1]: unknown module 'Nope'",
            "modules_for_run_type.Cosmic: unknown run type 'Cosmic'",
            "modules.Analysis.prerequisites: prerequisite cycle",
        ],
    )
    assert "Traceback" not in message


@st.composite
def cyclic_catalogues(draw: st.DrawFn) -> dict[str, Any]:
    """A processing catalogue of 2-6 modules, each needing the next, the last the first,
    plus drawn extra links and run-type defaults."""
    size = draw(st.integers(min_value=2, max_value=6))
    names = [f"M{i}" for i in range(size)]
    module = {"type": "macro", "level": "run", "path": "mac/x.mac", "outputs": ["ntuple"]}
    modules = {}
    for i, name in enumerate(names):
        extra = draw(st.lists(st.sampled_from(names[:i]), unique=True)) if i else []
        needed = [names[(i + 1) % size], *(p for p in extra if p != names[(i + 1) % size])]
        modules[name] = {**module, "prerequisites": needed, "raw_processor": False}
    run_types = draw(st.lists(st.sampled_from(RUN_TYPES), unique=True, max_size=3))
    return {
        "kind": "processing",
        "rat_version": "3.0.0",
        "modules": modules,
        "modules_for_run_type": {t: names for t in run_types},
    }


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(catalogue=cyclic_catalogues())
def test_generated_cycles_are_refused_at_upload(
    site: HostileSite, catalogue: dict[str, Any]
) -> None:
    upload(site, catalogue, ["prerequisite cycle", "modules.M"])


def _store_directly(site: HostileSite, kind: str, catalogue: dict[str, Any]) -> None:
    """A broken catalogue in the database, as an older gasp or another tool left it."""
    config = tomllib.loads(site.config.read_text())
    server = open_server(site.store_url)
    try:
        db = server.database(config["database"][kind])
        db.put(
            {"_id": f"modules:{kind}:{catalogue['rat_version']}", "type": "modules", **catalogue}
        )
    finally:
        server.close()


def test_a_stored_cyclic_catalogue_stops_submission_before_any_write(site: HostileSite) -> None:
    spoilt = with_module(processing(), "Processing", prerequisites=["Analysis"])
    _store_directly(site, "processing", spoilt)
    site.refuses(
        "submit",
        "processing",
        "--rat-v",
        "2.0.0",
        "--runs",
        "100151",
        mentions=["modules:processing:2.0.0", "prerequisite cycle"],
    )


def test_a_stored_catalogue_of_the_wrong_kind_is_refused(site: HostileSite) -> None:
    _store_directly(site, "processing", {**PRODUCTION, "rat_version": "2.0.0"})
    site.refuses(
        "submit",
        "processing",
        "--rat-v",
        "2.0.0",
        "--runs",
        "100151",
        mentions=["modules:processing:2.0.0", "kind: 'production'"],
    )


def test_a_missing_production_catalogue_names_the_commands_that_load_one(
    site: HostileSite,
) -> None:
    request = json.loads((FIXTURES / "time_mode.json").read_text())
    (site.folder / "request.json").write_text(json.dumps({**request, "rat_v": "9.9.9"}))
    site.refuses(
        "submit",
        "production",
        "request.json",
        mentions=[
            "request.json",
            "rat_v",
            "no production catalogue for software version '9.9.9' (known: 1.0.0)",
            "gasp catalog make RELEASE_FOLDER -o FILE",
            "gasp catalog upload FILE",
            'gasp catalog make "$(toyrat --release-dir)"',
        ],
    )


def test_a_missing_processing_catalogue_names_the_command_that_loads_one(
    site: HostileSite,
) -> None:
    site.refuses(
        "submit",
        "processing",
        "--rat-v",
        "9.9.9",
        "--runs",
        "100151",
        mentions=["no processing catalogue for software version '9.9.9'", "gasp catalog upload"],
    )
