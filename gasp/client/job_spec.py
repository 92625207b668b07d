"""The runner's specification of one subjob (``gasp.runner.spec.JobSpec``), of either kind.

One builder assembles every field of the specification. What a kind does its own way is
its ``SpecPart``: production's (``spec_parts.py``) brings the event mode, the events or
duration and how many events each output must then hold; processing's
(``processing_spec.py``) brings the inputs, whose events every output must hold. Both name
the catalogue entry's macro and outputs; the rest is the same for both: the attempt's
name, the claim's token, the application as the site configuration sets it up, a seed
that depends only on (module, run, subrun, pass), each output's names and logical path
(docs/architecture.md, "Databases and documents"), and the storage elements.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from gasp.client.context import ClientContext
from gasp.client.processing_spec import Inputs, processing_part
from gasp.client.spec_parts import SpecPart, production_part
from gasp.errors import GaspError
from gasp.model.documents import JobDocument, PassDocument, SubjobDocument
from gasp.model.naming import file_name, logical_path
from gasp.runner.spec import ApplicationSpec, JobSpec, OutputSpec


def job_name(module: str, run: int, subrun: int, pass_number: int, attempt: int) -> str:
    return f"{module}_r{run}_s{subrun}_p{pass_number}_a{attempt}"


def seed_of(module: str, run: int, subrun: int, pass_number: int) -> int:
    """The same job always simulates the same events (reproducible reruns)."""
    return zlib.crc32(f"{module}:{run}:{subrun}:{pass_number}".encode()) & 0x7FFFFFFF


def build_spec(
    ctx: ClientContext,
    job: JobDocument,
    pass_doc: PassDocument,
    subjob: SubjobDocument,
    workdir: Path,
    inputs: Inputs | None = None,
) -> JobSpec:
    """The runner's whole world for one subjob, from the pass and the catalogue.

    ``inputs``: the data documents processing passes read (``input_documents``).
    """
    module, run, number = job["module"], job["run"], pass_doc["pass"]
    subrun, attempt = subjob["subrun"], pass_doc.get("attempt", 1)
    if ctx.kind == "processing":
        part = processing_part(ctx, job, pass_doc, subjob, inputs or {})
    else:
        part = production_part(ctx, job, pass_doc, subjob)
    outputs = _output_specs(ctx, module, run, subrun, number, part)
    return JobSpec(
        name=job_name(module, run, subrun, number, attempt),
        kind=ctx.kind,
        module=module,
        run=run,
        subrun=subrun,
        pass_number=number,
        attempt=attempt,
        token=_claim_token(pass_doc),
        application=_application_spec(ctx, pass_doc["rat_version"], part.macro),
        event_mode=part.event_mode,
        n_events=part.n_events,
        duration_s=part.duration_s,
        seed=seed_of(module, run, subrun, number),
        template=pass_doc.get("template") or {},
        inputs=list(part.inputs),
        outputs=outputs,
        primary=ctx.primary,
        failover=ctx.failover,
        workdir=str(workdir),
    )


def _application_spec(ctx: ClientContext, version: str, macro: str) -> ApplicationSpec:
    """How this site runs ``macro`` of software ``version`` (executable, setup, release)."""
    software = ctx.config.software[version]
    return ApplicationSpec(
        rat_version=version,
        executable=software.executable,
        setup=software.setup,
        release_dir=software.release_dir,
        macro=macro,
    )


def _claim_token(pass_doc: PassDocument) -> str:
    """The token of the claim a pass is launched under, which its jobs' reports echo."""
    lock = pass_doc["lock"]
    if lock is None:
        raise GaspError(f"pass {pass_doc['pass']} is not claimed: nothing to launch it under")
    return lock["token"]


def _output_specs(
    ctx: ClientContext, module: str, run: int, subrun: int, pass_number: int, part: SpecPart
) -> list[OutputSpec]:
    """One output per data type, named and placed where its data document will list it."""
    outputs = []
    for data_type in part.data_types:
        name = file_name(module, run, subrun, pass_number, data_type, part.other_suffix)
        outputs.append(
            OutputSpec(
                data_type=data_type,
                local_name=name,
                name=name,
                lfn=logical_path(ctx.kind, module, run, name),
                expected_events=part.expected_events,
            )
        )
    return outputs


__all__ = ["build_spec", "job_name", "seed_of"]
