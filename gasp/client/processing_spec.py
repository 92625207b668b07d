"""Processing's part of a subjob's specification (``SpecPart``): its inputs and events.

Raw inputs were written on the subjob at submission (from the run document: URL, size,
adler32, events). A later module reads the outputs of its prerequisite pass, known only
once that pass completed: they are read here from its data documents, for every pass
being launched in one bulk read. The event-tree output (``ratds``) is what a later module
reads when the prerequisite writes one.

Every output must hold exactly the events of the inputs: processing reads all of them.
Streamed or downloaded follows the level: ``run`` streams; ``sub_run``, ``run_zdab`` and
``run_root`` download first, with the adler32 checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gasp.catalog.model import ProcessingCatalogue
from gasp.client.context import ClientContext
from gasp.client.spec_parts import SpecPart
from gasp.errors import GaspError
from gasp.model.documents import (
    DataDocument,
    DataType,
    InputFile,
    JobDocument,
    PassDocument,
    SubjobDocument,
    data_document,
)
from gasp.model.ids import data_id
from gasp.runner.spec import InputSpec

Inputs = Mapping[str, DataDocument | None]  # data documents by id
STREAMED_LEVELS = ("run",)


def catalogue_module(job: JobDocument, pass_doc: PassDocument) -> str:
    """The catalogue entry a pass runs (its own module unless the pass says otherwise)."""
    return pass_doc.get("catalogue_module") or job["module"]


def _input_type(catalogue: ProcessingCatalogue, module: str) -> DataType:
    outputs = list(catalogue.modules[module].outputs)
    return "ratds" if "ratds" in outputs else outputs[0]


def input_documents(
    ctx: ClientContext, passes: Sequence[tuple[JobDocument, PassDocument]]
) -> Inputs:
    """The data documents every (job, pass) here reads from its prerequisites: one read."""
    ids: list[str] = []
    for job, pass_doc in passes:
        catalogue = ctx.catalogue(pass_doc["rat_version"])
        if not isinstance(catalogue, ProcessingCatalogue):
            continue
        for item in pass_doc.get("prerequisites") or []:
            if item["module"] in catalogue.modules:
                data_type = _input_type(catalogue, item["module"])
                ids.append(data_id(item["module"], job["run"], item["pass"], data_type))
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    docs = ctx.db.get_many(ids)
    return {i: data_document(d) if d is not None else None for i, d in zip(ids, docs, strict=True)}


def _from_prerequisites(
    catalogue: ProcessingCatalogue,
    job: JobDocument,
    pass_doc: PassDocument,
    subjob: SubjobDocument,
    documents: Inputs,
    level: str,
) -> list[InputFile]:
    found: list[InputFile] = []
    for item in pass_doc.get("prerequisites") or []:
        doc_id = data_id(
            item["module"], job["run"], item["pass"], _input_type(catalogue, item["module"])
        )
        doc = documents.get(doc_id)
        if doc is None:
            raise GaspError(f"{doc_id}: the prerequisite's output is not catalogued")
        for entry in doc.get("files", []):
            if level == "sub_run" and entry["subrun"] != subjob["subrun"]:
                continue
            replica = next((r for r in entry["replicas"] if r.get("status") == "ok"), None)
            if replica is None:
                raise GaspError(f"{doc_id}: {entry['name']} has no good replica to read")
            found.append(
                {
                    "url": replica["url"],
                    "name": entry["name"],
                    "size": entry["size"],
                    "adler32": entry["adler32"],
                    "events": entry["events"],
                    "stream": level in STREAMED_LEVELS,
                }
            )
    return found


def processing_part(
    ctx: ClientContext,
    job: JobDocument,
    pass_doc: PassDocument,
    subjob: SubjobDocument,
    documents: Inputs,
) -> SpecPart:
    """A processing subjob's inputs, whose events every output must hold."""
    version = pass_doc["rat_version"]
    catalogue = ctx.catalogue(version)
    entry_name = catalogue_module(job, pass_doc)
    if not isinstance(catalogue, ProcessingCatalogue) or entry_name not in catalogue.modules:
        raise GaspError(f"{entry_name}: no processing catalogue entry for version {version}")
    entry = catalogue.modules[entry_name]
    level = pass_doc.get("level") or entry.level
    inputs = subjob.get("inputs")
    if inputs is None:
        inputs = _from_prerequisites(catalogue, job, pass_doc, subjob, documents, level)
    return SpecPart(
        macro=entry.path,
        data_types=entry.outputs,
        other_suffix=entry.other_suffix,
        expected_events=sum(i["events"] for i in inputs),
        inputs=[
            InputSpec(
                url=i["url"],
                name=i["name"],
                size=i["size"],
                adler32=i["adler32"],
                stream=i.get("stream", False),
            )
            for i in inputs
        ],
    )


__all__ = ["Inputs", "catalogue_module", "input_documents", "processing_part"]
