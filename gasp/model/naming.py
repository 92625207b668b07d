"""Output file names and logical paths (docs/architecture.md, "Databases and documents").

``<module>_r<run>_s<subrun>_p<pass>[.<tag>].root``: ratds has no tag, ntuple ``.ntuple``,
the other_* types the module's ``other_suffix``. Logical path:
``<kind>/<module>/r<run rounded down to 100>/<file name>``.
"""

from __future__ import annotations

import re
from typing import get_args

from gasp.model.documents import DataType, Kind

DATA_TYPES: tuple[DataType, ...] = get_args(DataType)


def type_tag(data_type: str, other_suffix: str | None = None) -> str | None:
    """The tag a data type adds to the file name, or None for ratds."""
    if data_type == "ratds":
        return None
    if data_type in ("other_ratds", "other_ntuple"):
        if not other_suffix:
            raise ValueError(f"{data_type} needs the module's other_suffix")
        return other_suffix
    return data_type


def file_name(
    module: str,
    run: int,
    subrun: int,
    pass_number: int,
    data_type: str,
    other_suffix: str | None = None,
) -> str:
    tag = type_tag(data_type, other_suffix)
    stem = f"{module}_r{run}_s{subrun}_p{pass_number}"
    return f"{stem}.{tag}.root" if tag else f"{stem}.root"


def logical_path(kind: Kind, module: str, run: int, name: str) -> str:
    return f"{kind}/{module}/r{run // 100 * 100}/{name}"


_PASS_IN_NAME = re.compile(r"_p(\d+)_")


def pass_of_log(name: str) -> int | None:
    """The pass a log attachment belongs to: subjob names are
    ``<module>_r<run>_s<subrun>_p<pass>_a<attempt>``, and logs ``<name>.<stream>.txt``."""
    found = _PASS_IN_NAME.findall(name)
    return int(found[-1]) if found else None
