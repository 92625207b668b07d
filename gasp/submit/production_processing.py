"""``gasp submit production-processing``: processing modules run on simulated output.

The inputs are the catalogued outputs of a production module (optionally only the passes
carrying a campaign label), read from the production database: the latest completed pass
of each run. No raw data is involved, so nothing of the detector's is checked (run
documents, raw files, calibration locks); the production outputs are checked to be
catalogued with a replica.

The passes go to the processing database, where the processing catalogue and the
processing client are. A simulated run number may also be a real detector run, so the
job is named ``<module>_<source module>`` (``job:Analysis_WaterBi214Run:100151``) and
the pass names the catalogue entry it runs (``catalogue_module``); its outputs carry the
source's label, so ``gasp exactly --label`` finds the processed campaign too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gasp.catalog.model import ProcessingCatalogue
from gasp.catalog.stored import load_processing_catalogue
from gasp.config import SubmitSection
from gasp.errors import InputError
from gasp.model.documents import DataDocument, RequestSource, data_document, job_document
from gasp.model.ids import data_id
from gasp.model.states import PassState
from gasp.progress_protocol import Progress, silent
from gasp.store import Database
from gasp.submit.lifecycle import DRY_RUN, RequestLifecycle
from gasp.submit.options import value_problems
from gasp.submit.processing import KIND, ProcessingSubmitResult, write_plan
from gasp.submit.processing_check import (
    ProcessingOptions,
    ProcessingPlan,
    option_problems,
    plan_size_problems,
)
from gasp.submit.processing_plan import (
    STREAMED_LEVELS,
    InputPlan,
    ProcessingJobPlan,
    SubjobPlan,
)
from gasp.submit.request_file import raise_problems
from gasp.submit.sensing import Selection
from gasp.values import check_name


@dataclass(frozen=True)
class SourceSpec:
    """Which production output to process."""

    module: str
    label: str | None = None
    data_type: str = "ratds"


def job_module(module: str, source: str) -> str:
    return f"{module}_{source}"


def _source_passes(production: Database, source: SourceSpec) -> dict[int, int]:
    """The latest completed pass of each run of the source module (and label)."""
    latest: dict[int, int] = {}
    if source.label is not None:
        rows = production.view(
            "passes",
            "by_label",
            startkey=[source.label, source.module],
            endkey=[source.label, source.module, {}],
        )
        for row in rows:
            if row.value == PassState.COMPLETED:
                run, number = int(row.key[2]), int(row.key[3])
                latest[run] = max(number, latest.get(run, 0))
        return latest
    rows = production.view(
        "jobs", "by_module", startkey=[source.module], endkey=[source.module, {}]
    )
    ids = [str(row.id) for row in rows]
    for start in range(0, len(ids), 1000):
        for found in production.get_many(ids[start : start + 1000]):
            if found is None:
                continue
            job = job_document(found)
            for p in job.get("passes", []):
                if p["status"] == "completed":
                    run = job["run"]
                    latest[run] = max(p["pass"], latest.get(run, 0))
    return latest


def _inputs(doc: DataDocument, stream: bool) -> list[tuple[int, InputPlan]]:
    found = []
    for entry in doc.get("files", []):
        replica = next((r for r in entry.get("replicas", []) if r.get("status") == "ok"), None)
        if replica is None:
            raise InputError(f"{doc['_id']}: {entry['name']} has no replica")
        plan = InputPlan(
            replica["url"], entry["name"], entry["size"], entry["adler32"], entry["events"], stream
        )
        found.append((entry["subrun"], plan))
    return found


def _check_modules(catalogue: ProcessingCatalogue, modules: Sequence[str]) -> list[str]:
    problems = []
    if not modules:
        problems.append("name the processing modules to run with -N")
    for name in modules:
        if name not in catalogue.modules:
            problems.append(
                f"-N {name}: no such module in the processing catalogue of "
                f"{catalogue.rat_version} (known: {', '.join(catalogue.modules)})"
            )
        elif catalogue.modules[name].raw_processor:
            problems.append(
                f"-N {name}: it reads raw detector data; production-processing runs modules "
                "that read processed output"
            )
    return problems


def source_problems(source: SourceSpec) -> list[str]:
    """``--source``, ``--label`` and ``--data-type`` are safe names."""
    return (
        value_problems("--source", source.module, check_name)
        + value_problems("--label", source.label, check_name)
        + value_problems("--data-type", source.data_type, check_name)
    )


def plan_production_processing(
    production: Database,
    processing: Database,
    source: SourceSpec,
    options: ProcessingOptions,
) -> ProcessingPlan:
    """Check everything and plan one pass per (module, source run)."""
    raise_problems(option_problems(options) + source_problems(source))
    catalogue = load_processing_catalogue(processing, options.rat_version)
    raise_problems(_check_modules(catalogue, options.modules))
    latest = _source_passes(production, source)
    which = f"{source.module}" + (f" with label {source.label}" if source.label else "")
    if not latest:
        raise InputError(f"no completed pass of {which} in the production database")
    runs = sorted(latest)
    ids = [data_id(source.module, run, latest[run], source.data_type) for run in runs]
    docs = [
        data_document(found) if found is not None else None for found in production.get_many(ids)
    ]
    missing = [i for i, d in zip(ids, docs, strict=True) if d is None]
    if missing:
        raise InputError(
            f"{len(missing)} completed passes of {which} have no {source.data_type} output "
            f"catalogued (first: {missing[0]})"
        )
    plan = ProcessingPlan(catalogue, runs=runs)
    labels = (source.label,) if source.label else ()
    for run, doc in zip(runs, docs, strict=True):
        assert doc is not None
        for name in options.modules:
            entry = catalogue.modules[name]
            files = _inputs(doc, entry.level in STREAMED_LEVELS)
            if entry.level == "sub_run":
                subjobs = tuple(SubjobPlan(s, (i,)) for s, i in files)
            else:
                subjobs = (SubjobPlan(0, tuple(i for _s, i in files)),)
            plan.jobs.append(
                ProcessingJobPlan(
                    module=job_module(name, source.module),
                    run=run,
                    run_type="production",
                    level=entry.level,
                    subjobs=subjobs,
                    catalogue_module=name,
                    labels=labels,
                    priority=options.priority,
                )
            )
    return plan


def submit_production_processing(
    production: Database,
    processing: Database,
    source: SourceSpec,
    options: ProcessingOptions,
    *,
    outlist: Path | None = None,
    dry_run: bool = False,
    limits: SubmitSection | None = None,
    progress: Progress = silent,
) -> ProcessingSubmitResult:
    """Validate, then (unless ``dry_run``) write one pass per (module, source run)."""
    plan = plan_production_processing(production, processing, source, options)
    raise_problems(plan_size_problems(plan, limits or SubmitSection()))
    lifecycle = RequestLifecycle(processing, KIND, outlist, progress)
    if dry_run:
        return ProcessingSubmitResult(DRY_RUN, plan.jobs, dry_run=True)
    spec: RequestSource = {
        "module": source.module,
        "label": source.label,
        "data_type": source.data_type,
    }
    result = write_plan(lifecycle, plan, options, source=spec)
    lifecycle.output(result.exactly)
    return result


def production_options(
    rat_version: str, modules: Sequence[str], ratdb_tag: str | None, priority: int
) -> ProcessingOptions:
    """Every submission makes new passes, like reprocessing; there is no raw data to check."""
    return ProcessingOptions(
        selection=Selection("reprocess"),
        rat_version=rat_version,
        modules=tuple(dict.fromkeys(modules)),
        ratdb_tag=ratdb_tag,
        priority=priority,
        verify_raw=False,
    )


__all__ = [
    "SourceSpec",
    "job_module",
    "plan_production_processing",
    "production_options",
    "source_problems",
    "submit_production_processing",
]
