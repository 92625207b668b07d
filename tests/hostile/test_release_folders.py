"""Hostile release folders against the real ``gasp catalog make``.

Each case starts from a copy of the shipped toyrat release inside the site folder and
spoils one thing. The command must exit with status 2, name the file (and the field or
line), show no traceback, and write nothing: no catalogue file appears, asked for with
``-o`` or not, and no document changes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from gasp.toyrat.release import release_dir
from tests.hostile.harness import HostileSite

PRODUCTION = Path("mac/production")


@pytest.fixture
def release(site: HostileSite) -> Path:
    """A copy of the shipped release, ``rel`` in the site folder."""
    folder = site.folder / "rel"
    shutil.copytree(release_dir(), folder)
    return folder


def make(site: HostileSite, *extra: str, mentions: list[str]) -> str:
    """``gasp catalog make rel -o out.json`` must be refused, with nothing written."""
    message = site.refuses("catalog", "make", "rel", "-o", "out.json", *extra, mentions=mentions)
    assert not (site.folder / "out.json").exists()
    return message


def set_release_json(release: Path, text: str | bytes) -> None:
    path = release / "release.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def with_info(release: Path, change: Callable[[dict[str, object]], None]) -> None:
    info = json.loads((release / "release.json").read_text())
    change(info)
    set_release_json(release, json.dumps(info))


def test_the_copy_itself_is_accepted(site: HostileSite, release: Path) -> None:
    result = site.gasp("catalog", "make", "rel", "-o", "out.json")
    assert result.returncode == 0, result.stderr
    assert json.loads((site.folder / "out.json").read_text())["rat_version"] == "1.0.0"


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("[1, 2]", ["JSON object", "not list"]),
        ('"1.0.0"', ["JSON object", "not str"]),
        ("null", ["JSON object"]),
        ('{"version": "1.0.0",\n "production_macros": }', ["line 2"]),
        ("[" * 200 + "]" * 200, ["nested more than"]),
        ('{"a": ' * 100 + "1" + "}" * 100, ["nested more than"]),
        (b'{"version": "1.0\xff"}', ["not UTF-8"]),
    ],
    ids=["list", "string", "null", "malformed", "deep-list", "deep-object", "not-utf8"],
)
def test_release_json_that_is_not_an_object(
    site: HostileSite, release: Path, text: str | bytes, mentions: list[str]
) -> None:
    set_release_json(release, text)
    make(site, mentions=["release.json", *mentions])


@pytest.mark.parametrize(
    ("field", "value", "mentions"),
    [
        ("version", None, ["version", "--version"]),
        ("version", 1.0, ["version", "valid string"]),
        ("version", "1/0", ["version", "not a safe name"]),
        ("version", "1:0", ["version", "not a safe name"]),
        ("version", "1..0", ["version", "not a safe name"]),
        ("version", "../../etc", ["version", "not a safe name"]),
        ("production_macros", "/etc", ["production_macros", "relative path"]),
        ("production_macros", "../rel/mac/production", ["production_macros", "relative path"]),
        ("production_macros", ["mac"], ["production_macros"]),
        ("internal_rate_generators", "solar", ["internal_rate_generators"]),
        ("internal_rate_generators", [["solar"]], ["internal_rate_generators[0]"]),
    ],
)
def test_release_json_fields(
    site: HostileSite, release: Path, field: str, value: object, mentions: list[str]
) -> None:
    def change(info: dict[str, object]) -> None:
        if value is None:
            del info[field]
        else:
            info[field] = value

    with_info(release, change)
    make(site, mentions=["release.json", *mentions])


@pytest.mark.parametrize("version", ["2/0", "a:b", "1..2", " 1.0", ""])
def test_a_version_option_that_is_not_a_safe_name(
    site: HostileSite, release: Path, version: str
) -> None:
    make(site, "--version", version, mentions=["software version"])


def test_a_macro_that_is_not_utf8(site: HostileSite, release: Path) -> None:
    (release / PRODUCTION / "scint" / "latin1.mac").write_bytes(
        b"# Gr\xfc\xdfe\n/rat/proc outroot\n"
    )
    make(site, mentions=["latin1.mac", "not UTF-8"])


@pytest.mark.parametrize("name", ["my-gun.mac", "2nu.mac", "with space.mac", "x.y.mac", ".mac"])
def test_macro_file_names_that_make_no_module_name(
    site: HostileSite, release: Path, name: str
) -> None:
    shutil.copy(release / PRODUCTION / "scint" / "po210.mac", release / PRODUCTION / name)
    make(site, mentions=[name, "not a module name", "rename the file"])


def test_a_folder_named_like_a_macro(site: HostileSite, release: Path) -> None:
    (release / PRODUCTION / "water" / "x.mac").mkdir()
    make(site, mentions=["x.mac", "a folder named like a macro"])


def test_two_macros_making_one_module_name(site: HostileSite, release: Path) -> None:
    shutil.copy(
        release / PRODUCTION / "scint" / "po210.mac", release / PRODUCTION / "scintPo210.mac"
    )
    make(site, mentions=["scintPo210.mac", "module name ScintPo210 is also made by", "po210.mac"])


def test_a_suffix_with_a_space(site: HostileSite, release: Path) -> None:
    macro = release / PRODUCTION / "scint" / "bipo214.mac"
    macro.write_text(macro.read_text().replace('suffix "coinc"', 'suffix "co inc"'))
    make(site, mentions=["bipo214.mac", "line 15", "one word", "'co inc'"])


def test_two_suffix_lines(site: HostileSite, release: Path) -> None:
    macro = release / PRODUCTION / "scint" / "bipo214.mac"
    text = macro.read_text().replace(
        '/rat/procset suffix "coinc"\n', '/rat/procset suffix "coinc"\n/rat/procset suffix "late"\n'
    )
    macro.write_text(text)
    make(site, mentions=["bipo214.mac", "line 16", "second suffix", "line 15"])


def test_every_problem_of_the_release_in_one_report(site: HostileSite, release: Path) -> None:
    shutil.copy(release / PRODUCTION / "scint" / "po210.mac", release / PRODUCTION / "my-gun.mac")
    (release / PRODUCTION / "water" / "x.mac").mkdir()
    (release / PRODUCTION / "scint" / "latin1.mac").write_bytes(b"/rat/proc outroot \xe9\n")
    macro = release / PRODUCTION / "scint" / "bipo214.mac"
    macro.write_text(macro.read_text().replace('suffix "coinc"', 'suffix "co inc"'))
    message = make(
        site,
        mentions=[
            "4 problems, nothing written",
            "my-gun.mac",
            "x.mac",
            "latin1.mac",
            "bipo214.mac, line 15",
        ],
    )
    assert message.index("bipo214.mac") < message.index("latin1.mac")  # in file order


def test_no_default_output_file_appears_either(site: HostileSite, release: Path) -> None:
    shutil.copy(release / PRODUCTION / "scint" / "po210.mac", release / PRODUCTION / "2nu.mac")
    site.refuses("catalog", "make", "rel", mentions=["2nu.mac"])
    assert not list(site.folder.glob("catalog-production*"))


@pytest.mark.parametrize("target", ["missing/out.json", "missing/deeper/out.json", "se/raw/x.json"])
def test_an_output_into_a_missing_folder_is_refused_before_scanning(
    site: HostileSite, release: Path, target: str
) -> None:
    # The release is spoilt too: the output is checked first, before any scanning.
    shutil.copy(release / PRODUCTION / "scint" / "po210.mac", release / PRODUCTION / "2nu.mac")
    message = site.refuses(
        "catalog", "make", "rel", "-o", target, mentions=[target, "does not exist"]
    )
    assert "2nu.mac" not in message


def test_an_output_that_is_a_folder(site: HostileSite, release: Path) -> None:
    site.refuses("catalog", "make", "rel", "-o", "se", mentions=["se"])


def test_a_release_that_is_not_there(site: HostileSite) -> None:
    site.refuses("catalog", "make", "nowhere", "-o", "out.json", mentions=["nowhere"])
