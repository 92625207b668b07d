"""What production and processing job specifications share: the application, the outputs.

Both kinds of subjob run a macro of a software version set up as the site configuration
says, and name their outputs by the same rule (docs/architecture.md, "Databases and
documents"); only how many events each output must hold differs, so that is the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable

from gasp.client.context import ClientContext
from gasp.errors import GaspError
from gasp.model.documents import Kind, PassDocument
from gasp.model.naming import file_name, logical_path
from gasp.runner.spec import ApplicationSpec, DataType, OutputSpec


def application_spec(ctx: ClientContext, version: str, macro: str) -> ApplicationSpec:
    """How this site runs ``macro`` of software ``version`` (executable, setup, release)."""
    software = ctx.config.software[version]
    return ApplicationSpec(
        rat_version=version,
        executable=software.executable,
        setup=software.setup,
        release_dir=software.release_dir,
        macro=macro,
    )


def claim_token(pass_doc: PassDocument) -> str:
    """The token of the claim a pass is launched under, which its jobs' reports echo."""
    lock = pass_doc["lock"]
    if lock is None:
        raise GaspError(f"pass {pass_doc['pass']} is not claimed: nothing to launch it under")
    return lock["token"]


def output_specs(
    kind: Kind,
    module: str,
    run: int,
    subrun: int,
    pass_number: int,
    data_types: Iterable[DataType],
    other_suffix: str | None,
    expected_events: int | None,
) -> list[OutputSpec]:
    """One output per data type, named and placed where the catalogue will record it."""
    outputs = []
    for data_type in data_types:
        name = file_name(module, run, subrun, pass_number, data_type, other_suffix)
        outputs.append(
            OutputSpec(
                data_type=data_type,
                local_name=name,
                name=name,
                lfn=logical_path(kind, module, run, name),
                expected_events=expected_events,
            )
        )
    return outputs
