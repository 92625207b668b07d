"""The runner's pure steps, in process: templates, command lines, output stems."""

from __future__ import annotations

import pytest

from gasp.runner.command import SETUP_SCRIPT, StemError, application_argv, output_stem
from gasp.runner.errors import TemplateError
from gasp.runner.render import render
from gasp.runner.spec import OutputSpec
from gasp.toyrat.release import executable
from tests.runner.conftest import JobMaker

MACRO = """# a comment may mention ${anything}
/generator/pos/set 0 0 0 ${radius} ${outer}
/generator/vtx/set ${isotope}
"""


def test_render_fills_command_lines_and_leaves_comments() -> None:
    text = render(MACRO, {"radius": 7250, "outer": 8300.5, "isotope": "Tl208"})
    assert text.splitlines() == [
        "# a comment may mention ${anything}",
        "/generator/pos/set 0 0 0 7250 8300.5",
        "/generator/vtx/set Tl208",
    ]


def test_render_names_every_missing_field_and_its_line() -> None:
    with pytest.raises(TemplateError) as caught:
        render(MACRO, {"radius": 1}, "mac/x.mac")
    assert str(caught.value) == (
        "mac/x.mac: the template does not fill ${outer} (line 2), ${isotope} (line 3)"
    )


def output(data_type: str, local_name: str, name: str | None = None) -> OutputSpec:
    return OutputSpec(
        data_type=data_type,
        local_name=local_name,
        name=name or local_name,
        lfn=f"x/{name or local_name}",
    )


def test_one_stem_writes_every_output() -> None:
    assert output_stem([output("ratds", "J.root"), output("ntuple", "J.ntuple.root")]) == "J"
    assert output_stem([output("other_ntuple", "out.coinc.root", "M_r1_s0_p1.coinc.root")]) == "out"
    with pytest.raises(StemError, match=r"should be STEM\.ntuple\.root"):
        output_stem([output("ntuple", "J.root")])
    with pytest.raises(StemError, match="one common stem"):
        output_stem([output("ratds", "A.root"), output("ntuple", "B.ntuple.root")])


def test_command_lines_per_event_mode(make_job: JobMaker) -> None:
    def argv(**settings: object) -> list[str]:
        job = make_job("WaterN16SourceRun", run=100200, **settings)
        return application_argv(job.spec, job.workdir / "run.mac", [])

    stem = "WaterN16SourceRun_r100200_s0_p1"
    common = ["-s", "11", "-o", stem]
    cases = {
        "run": (["-r", "100200"], {}),
        "run_number": (["-n", "100200", "-N", "5"], {"n_events": 5}),
        "time": (["-T", "60.0"], {"duration_s": 60}),
        "number": (["-N", "5"], {"n_events": 5}),
    }
    for mode, (expected, numbers) in cases.items():
        words = argv(event_mode=mode, **numbers)
        assert words[0] == executable()
        assert words[1:-1] == [*expected, *common]
        assert words[-1].endswith("run.mac")
    wrapped = argv(event_mode="run", setup=True)
    assert wrapped[:5] == ["bash", "-c", SETUP_SCRIPT, "gasp-runner", wrapped[4]]
    assert wrapped[4].endswith("env.sh") and wrapped[5] == executable()
