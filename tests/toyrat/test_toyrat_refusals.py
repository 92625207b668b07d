"""toyrat refuses what cannot work as asked: exit status 2, one line on stderr, no files."""

from __future__ import annotations

from pathlib import Path

import pytest

from gasp.toyrat.errors import MacroError
from gasp.toyrat.macro import parse_macro
from tests.toyrat.helpers import MacroMaker, Toyrat, visible_files

BETAGAMMAS = "mac/production/water/pmt/betagammas.mac"
PROCESSING = "mac/processing/Processing.mac"


def test_unfilled_template_is_refused(toyrat: Toyrat, macro: MacroMaker, tmp_path: Path) -> None:
    result = toyrat("-N", 10, "-o", tmp_path / "out", macro(BETAGAMMAS))
    assert result.status == 2
    assert "unfilled template ${radius} (line 17)" in result.err
    assert result.err.count("\n") == 1 and result.err.startswith("toyrat: error: macro ")
    assert visible_files(tmp_path) == ["macros"]
    assert not list(tmp_path.glob(".*"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-N", 10, "-T", 5], "not allowed with argument"),
        (["-r", 1, "-n", 2, "-N", 3], "not allowed with argument"),
        (["-N", "ten"], "'ten' is not a whole number"),
        (["-N", -1], "out of range"),
        (["-T", 100], "-T needs a rate"),
        (["-n", 5], "no number of events"),
        (["-N", 5, "-i", "x.root"], "-i is for macros that read input"),
        (["-N", 5, "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_command_lines(
    toyrat: Toyrat, macro: MacroMaker, tmp_path: Path, args: list[object], message: str
) -> None:
    result = toyrat(*args, "-o", tmp_path / "out", macro(BETAGAMMAS, radius=7000))
    assert result.status == 2
    assert message in result.err
    assert visible_files(tmp_path) == ["macros"]


def test_missing_macro_and_missing_output_folder(
    toyrat: Toyrat, macro: MacroMaker, tmp_path: Path
) -> None:
    assert "no macro given" in toyrat("-N", 5).err
    missing = toyrat("-N", 5, tmp_path / "nothere.mac")
    assert missing.status == 2 and "cannot read macro" in missing.err
    path = macro(BETAGAMMAS, radius=7000)
    result = toyrat("-N", 5, "-o", tmp_path / "no" / "such" / "stem", path)
    assert result.status == 2 and "does not exist" in result.err


def test_run_conditions_need_a_run(toyrat: Toyrat, macro: MacroMaker, tmp_path: Path) -> None:
    result = toyrat("-N", 5, "-o", tmp_path / "o", macro("mac/production/water/bi214/run.mac"))
    assert result.status == 2 and "give -r RUN or -n RUN" in result.err


def test_processing_macro_needs_inputs(toyrat: Toyrat, macro: MacroMaker, tmp_path: Path) -> None:
    result = toyrat("-o", tmp_path / "o", macro(PROCESSING))
    assert result.status == 2 and "/rat/inzdab/read): give -i INPUT" in result.err
    not_root = tmp_path / "raw.root"
    not_root.write_text("not a ROOT file")
    result = toyrat("-i", not_root, "-o", tmp_path / "o", macro(PROCESSING))
    assert result.status == 2 and "is not a readable ROOT file" in result.err


def test_bad_environment(
    toyrat: Toyrat, macro: MacroMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = macro(BETAGAMMAS, radius=7000)
    monkeypatch.setenv("TOYRAT_MS_PER_EVENT", "fast")
    assert "TOYRAT_MS_PER_EVENT='fast'" in toyrat("-N", 5, path).err
    monkeypatch.setenv("TOYRAT_MS_PER_EVENT", "0")
    monkeypatch.setenv("TOYRAT_FAIL", "explode")
    result = toyrat("-N", 5, path)
    assert result.status == 2 and "TOYRAT_FAIL='explode'" in result.err


def test_help_exits_zero(toyrat: Toyrat) -> None:
    result = toyrat("--help")
    assert result.status == 0 and "usage: toyrat" in result.out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/rat/proc outroot\nhello\n", "line 2: not a macro command"),
        (
            "/rat/proc outroot\n/generator/add combo gun:fill\n/generator/add combo gun:fill\n",
            "line 3: /generator/add already given on line 2",
        ),
        ("/generator/add combo gun:fill\n", "enables no output processor"),
        ("/rat/proc outroot\n", "has neither a /generator/add nor an input reader"),
        (
            "/rat/proc outroot\n/generator/add combo gun:fill\n/rat/proc outroot\n",
            "line 3: two output processors write one file",
        ),
        (
            '/rat/proc outntuple\n/rat/procset suffix "ntuple"\n/rat/proc outntuple\n'
            "/generator/add combo gun:fill\n",
            "two output processors write one file",
        ),
        ('/rat/proc trigger\n/rat/procset suffix "x"\n', "suffix must follow"),
        ("/rat/proc outroot\n/generator/rate/set -1\n", "rate must be positive"),
        ('/rat/proc outroot\n/rat/db/set DETECTOR geo_file "geo/vacuum.geo"\n', "no medium"),
        ('/rat/proc outroot\n/rat/db/set CONDITIONS source "yesterday"\n', 'must be "run"'),
        (
            "/rat/proc outroot\n/rat/inroot/read\n/generator/add combo gun:fill\n",
            "adds no generator",
        ),
        (
            '# ${in_comment} is fine\n/rat/proc outroot\n/rat/procset file "${out}"\n',
            "unfilled template ${out} (line 3)",
        ),
    ],
)
def test_macro_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(MacroError) as caught:
        parse_macro(text, "bad.mac")
    assert message in str(caught.value)
    assert str(caught.value).startswith("macro bad.mac")


@pytest.mark.parametrize(
    ("generator", "message"),
    [
        (
            "/generator/add combo decaychain:fill\n/generator/vtx/set U238\n",
            "decaychain takes one of",
        ),
        ("/generator/add combo decaychain:fill\n", "needs a /generator/vtx/set line"),
        (
            "/generator/add combo gun:point\n/generator/vtx/set e- 0 0 0 3\n",
            "needs a /generator/pos/set",
        ),
        (
            "/generator/add combo gun:fill\n/generator/vtx/set e- 0 0 0\n",
            "needs PARTICLE DX DY DZ MEV",
        ),
        ("/generator/add combo gun:fill\n/generator/vtx/set proton 0 0 0 3\n", "gun particle"),
        (
            "/generator/add combo decaychain:fillshell\n/generator/vtx/set K40\n"
            "/generator/pos/set 0 0 0 8000 9000\n",
            "vertices reach past",
        ),
        (
            "/generator/add combo decaychain:fillshell\n/generator/vtx/set K40\n"
            "/generator/pos/set 0 0 0 8000 7000\n",
            "R_IN <= R_OUT",
        ),
        ("/generator/add combo decaychain:cube\n/generator/vtx/set K40\n", "unknown position"),
        ("/generator/add solar hep:fill\n", "solar spectra"),
        ("/generator/add combo laser:fill\n", "unknown combo vertex 'laser'"),
        ("/generator/add combo gun:fill\n/generator/vtx/set e- 0 0 0 -2\n", "must be positive"),
        ("/generator/add vertexfile x:fill\n", "unknown generator 'vertexfile'"),
    ],
)
def test_generator_errors(toyrat: Toyrat, tmp_path: Path, generator: str, message: str) -> None:
    path = tmp_path / "gen.mac"
    path.write_text("/rat/proc outntuple\n" + generator)
    result = toyrat("-N", 3, "-o", tmp_path / "o", path)
    assert result.status == 2
    assert message in result.err
