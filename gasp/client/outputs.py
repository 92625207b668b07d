"""The outputs a subjob must deliver: file names and logical paths, from the naming rules.

Production and processing subjobs name their outputs by the same rule (DESIGN section 4,
data documents); only how many events each must hold differs, so that is the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable

from gasp.model.naming import file_name, logical_path
from gasp.runner.spec import DataType, OutputSpec


def output_specs(
    kind: str,
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
