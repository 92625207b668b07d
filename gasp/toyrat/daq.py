"""``toyrat daq``: the raw files of a detector run, for processing demos and tests.

For each subrun K of run R it writes two files into the output folder:

* ``SNOP_<R, 10 digits>_<K, 3 digits>.l1.zdab.root``: every triggered event (level 1);
* ``SNOP_<R, 10 digits>_<K, 3 digits>.l2.zdab.root``: the events passing the level-2
  filter (at least ``L2_MIN_NHITS`` hits), a subset of level 1. Processing reads these.

Both hold a tree ``raw`` (``runID``, ``subrunID``, ``eventID``, ``eventTime``, ``nhits``,
``hits_pmt``, ``hits_time``, ``hits_charge``) and a ``meta`` tree. The names echo the
experiment's ``SNOP_0000100151_000.l2.zdab``; ``.root`` says what the file really is.

Last, it writes ``run_<R>.json``: run number, run type, start and end (UTC ISO-8601, from
the run's conditions), seed, and per subrun its files with level, events, size and adler32.
The sidecar is written last and atomically, so its presence means the run is complete.
Contents are fixed by the seed (the ROOT files' own timestamps are not).
"""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

import awkward as ak
import numpy as np

from gasp.toyrat.conditions import Conditions, iso_utc, run_conditions
from gasp.toyrat.detector import MEDIA
from gasp.toyrat.errors import RunFailure, UsageError
from gasp.toyrat.events import GTID_MODULUS, Clock, chunk_sizes, simulate_chunk
from gasp.toyrat.generators import background_mixture
from gasp.toyrat.output import Meta, RootOutput, temporary_name
from gasp.toyrat.release import version

RUN_TYPES = (
    "Physics",
    "DeployedSource",
    "ExternalSource",
    "TELLIE",
    "SMELLIE",
    "AMELLIE",
    "PCA",
    "ECA",
)
LEVELS = ("l1", "l2")
L2_MIN_NHITS = 8
MAX_RUN = 9_999_999_999
MAX_SUBRUNS = 1000
MEDIUM = "water"


@dataclass(frozen=True)
class DaqRequest:
    """One ``toyrat daq`` command line."""

    run: int
    subruns: int
    events_per_subrun: int
    out_dir: Path
    run_type: str = "Physics"
    seed: int | None = None

    def check(self) -> None:
        if not 0 <= self.run <= MAX_RUN:
            raise UsageError(f"--run {self.run}: expected 0 to {MAX_RUN}")
        if not 1 <= self.subruns <= MAX_SUBRUNS:
            raise UsageError(f"--subruns {self.subruns}: expected 1 to {MAX_SUBRUNS}")
        if self.events_per_subrun < 0:
            raise UsageError(f"--events-per-subrun {self.events_per_subrun}: expected >= 0")
        if self.run_type not in RUN_TYPES:
            raise UsageError(f"--run-type {self.run_type!r}: expected one of {RUN_TYPES}")


def raw_file_name(run: int, subrun: int, level: str) -> str:
    """``SNOP_0000100151_000.l2.zdab.root`` for run 100151, subrun 0, level ``l2``."""
    return f"SNOP_{run:010d}_{subrun:03d}.{level}.zdab.root"


def sidecar_name(run: int) -> str:
    return f"run_{run}.json"


def adler32_of(path: Path) -> str:
    """Eight lower-case hex digits, as gasp records checksums."""
    value = 1
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            value = zlib.adler32(block, value)
    return f"{value:08x}"


def _write_subrun(
    request: DaqRequest, subrun: int, seed: int, conditions: Conditions, clock: Clock
) -> list[RootOutput]:
    """Both files of one subrun, written together chunk by chunk and published together."""
    medium = MEDIA[MEDIUM]
    source = background_mixture()
    outputs: list[RootOutput] = []
    try:
        for level in LEVELS:
            final = request.out_dir / raw_file_name(request.run, subrun, level)
            outputs.append(RootOutput(final, "raw", "raw"))
        level1, level2 = outputs
        for index, size in enumerate(chunk_sizes(request.events_per_subrun)):
            rng = np.random.default_rng([seed, subrun, index])
            chunk = simulate_chunk(rng, size, source, conditions, medium, clock, subrun)
            level1.extend(chunk)
            nhits = np.asarray(ak.num(chunk.hits, axis=1), dtype=np.int64)
            level2.extend(chunk.subset(nhits >= L2_MIN_NHITS))
        base = Meta(
            data_type="raw",
            mode="daq",
            macro="",
            generator="background mixture",
            run=request.run,
            seed=seed,
            subrun=subrun,
            run_type=request.run_type,
        )
        for level, output in zip(LEVELS, outputs, strict=True):
            output.finish(replace(base, level=level))
        for output in outputs:
            output.publish()
    except BaseException:
        for output in outputs:
            output.abandon(remove=True)
        raise
    return outputs


def _file_entry(output: RootOutput, level: str) -> dict[str, Any]:
    return {
        "level": level,
        "name": output.final.name,
        "events": output.entries,
        "size": output.final.stat().st_size,
        "adler32": adler32_of(output.final),
    }


def write_run(request: DaqRequest, out: TextIO) -> Path:
    """Write every raw file of the run, then its sidecar; return the sidecar's path."""
    request.check()
    seed = request.seed if request.seed is not None else request.run
    conditions = run_conditions(request.run)
    try:
        request.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {request.out_dir}: cannot create the folder: {exc}") from exc
    total = request.subruns * request.events_per_subrun
    spacing = conditions.duration_s / total if total else conditions.duration_s
    first_gtid = int(np.random.default_rng([seed, 2**31]).integers(GTID_MODULUS))
    clock = Clock(first_gtid, 0.0, spacing)
    print(
        f"toyrat daq: run {request.run} ({request.run_type}), {request.subruns} subruns "
        f"of {request.events_per_subrun} events, seed {seed}",
        file=out,
        flush=True,
    )
    subruns = []
    try:
        for subrun in range(request.subruns):
            outputs = _write_subrun(request, subrun, seed, conditions, clock)
            files = [_file_entry(o, level) for level, o in zip(LEVELS, outputs, strict=True)]
            subruns.append({"subrun": subrun, "files": files})
            names = ", ".join(f"{f['name']} ({f['events']} events)" for f in files)
            print(f"toyrat daq: wrote {names}", file=out, flush=True)
    except OSError as exc:
        raise RunFailure(f"cannot write raw files: {exc}") from exc
    sidecar = {
        "type": "toyrat_run",
        "toyrat_version": version(),
        "run": request.run,
        "run_type": request.run_type,
        "start": iso_utc(conditions.start),
        "end": iso_utc(conditions.end),
        "duration_s": conditions.duration_s,
        "seed": seed,
        "complete": True,
        "subruns": subruns,
    }
    path = request.out_dir / sidecar_name(request.run)
    temp = temporary_name(path)
    temp.write_text(json.dumps(sidecar, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, path)
    print(f"toyrat daq: wrote {path}", file=out, flush=True)
    return path


__all__ = [
    "L2_MIN_NHITS",
    "RUN_TYPES",
    "DaqRequest",
    "adler32_of",
    "raw_file_name",
    "sidecar_name",
    "write_run",
]
