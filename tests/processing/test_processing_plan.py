"""Subjobs and inputs by level, and module order: the pure planning rules."""

from __future__ import annotations

from gasp.catalog.model import ProcessingCatalogue, ProcessingModule
from gasp.model.run import RawFile, RawReplica
from gasp.submit.processing_plan import modules_in_order, plan_run, plan_subjobs


def _raw(subrun: int) -> tuple[int, RawFile]:
    name = f"SNOP_0000000007_{subrun:03d}.l2.zdab.root"
    return subrun, RawFile(
        level="L2",
        name=name,
        lfn=f"raw/r0/{name}",
        size=100 + subrun,
        adler32="0000000a",
        events=10 + subrun,
        replicas=[RawReplica(se="se", url=f"file:///se/raw/r0/{name}")],
    )


def _module(level: str, raw: bool, prerequisites: list[str] | None = None) -> ProcessingModule:
    return ProcessingModule(
        type="macro",
        level=level,  # type: ignore[arg-type]
        path="mac/x.mac",
        outputs=["ntuple"],
        prerequisites=prerequisites or [],
        raw_processor=raw,
    )


RAW = [_raw(0), _raw(1), _raw(2)]


def test_sub_run_raw_module_reads_each_subfile_downloaded() -> None:
    subjobs = plan_subjobs(_module("sub_run", True), RAW)
    assert [s.subrun for s in subjobs] == [0, 1, 2]
    for subjob, (_n, file) in zip(subjobs, RAW, strict=True):
        assert subjob.inputs is not None
        (only,) = subjob.inputs
        assert (only.name, only.size, only.events, only.stream) == (
            file.name,
            file.size,
            file.events,
            False,
        )


def test_run_levels_make_one_subjob_streamed_or_downloaded() -> None:
    (streamed,) = plan_subjobs(_module("run", True), RAW)
    assert streamed.inputs is not None and all(i.stream for i in streamed.inputs)
    assert len(streamed.inputs) == 3
    for level in ("run_zdab", "run_root"):
        (downloaded,) = plan_subjobs(_module(level, True), RAW)
        assert downloaded.inputs is not None and not any(i.stream for i in downloaded.inputs)


def test_later_modules_read_their_prerequisite_at_launch() -> None:
    assert [(s.subrun, s.inputs) for s in plan_subjobs(_module("sub_run", False), RAW)] == [
        (0, None),
        (1, None),
        (2, None),
    ]
    assert [(s.subrun, s.inputs) for s in plan_subjobs(_module("run", False), RAW)] == [(0, None)]


def test_prerequisites_first_and_which_pass_they_read() -> None:
    catalogue = ProcessingCatalogue(
        rat_version="1",
        modules={
            "Analysis": _module("run", False, ["Processing"]),
            "Processing": _module("sub_run", True),
        },
    )
    assert modules_in_order(catalogue, ["Analysis", "Processing"]) == ["Processing", "Analysis"]
    together = plan_run(catalogue, ["Analysis", "Processing"], 7, "Physics", RAW, {})
    assert [j.module for j in together] == ["Processing", "Analysis"]
    assert together[1].prerequisites[0].pass_number is None  # the pass created alongside
    alone = plan_run(catalogue, ["Analysis"], 7, "Physics", RAW, {"Processing": 2})
    assert alone[0].prerequisites[0].pass_number == 2
    forced = plan_run(
        catalogue, ["Processing", "Analysis"], 7, "Physics", RAW, {}, forced={"Processing": 1}
    )
    assert forced[1].prerequisites[0].pass_number == 1
