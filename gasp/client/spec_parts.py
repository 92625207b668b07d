"""What a job specification takes from its kind (``SpecPart``), and production's part.

``job_spec.build_spec`` assembles the specification of both kinds; each kind supplies only
what it does its own way, read from its catalogue entry and its pass. Production's part is
here; processing's (``processing_spec.processing_part``) is beside the reading of the data
documents it takes its inputs from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gasp.catalog.model import ProductionCatalogue
from gasp.client.context import ClientContext
from gasp.errors import GaspError
from gasp.model.documents import DataType, EventMode, JobDocument, PassDocument, SubjobDocument
from gasp.runner.spec import InputSpec


@dataclass(frozen=True)
class SpecPart:
    """What one kind of subjob brings to its specification; ``build_spec`` does the rest."""

    macro: str  # the catalogue entry's macro, relative to the release folder
    data_types: Sequence[DataType]  # one output each
    other_suffix: str | None
    expected_events: int | None  # what every output must hold; None where it is not known
    event_mode: EventMode | None = None  # production
    n_events: int | None = None
    duration_s: float | None = None
    inputs: Sequence[InputSpec] = ()  # processing


def production_part(
    ctx: ClientContext, job: JobDocument, pass_doc: PassDocument, subjob: SubjobDocument
) -> SpecPart:
    """A production subjob's event mode, events or duration, from its pass and catalogue.

    Each output must hold exactly the planned events where the mode decides them (number,
    run_number); by time, or a whole run, the count is whatever the run gave.
    """
    module, version = job["module"], pass_doc["rat_version"]
    catalogue = ctx.catalogue(version)
    if not isinstance(catalogue, ProductionCatalogue) or module not in catalogue.modules:
        raise GaspError(f"{module}: no catalogue entry for software version {version}")
    entry = catalogue.modules[module]
    mode: EventMode = pass_doc.get("event_mode") or entry.event_mode
    events = subjob.get("n_events")
    return SpecPart(
        macro=entry.path,
        data_types=entry.outputs,
        other_suffix=entry.other_suffix,
        expected_events=events if events is not None and mode in ("number", "run_number") else None,
        event_mode=mode,
        n_events=events,
        duration_s=subjob.get("duration_s"),
    )


__all__ = ["SpecPart", "production_part"]
