"""Generate a production catalogue by scanning a release's production macros.

The rule (also written in the toyrat release's README): the module name is the macro's
path below the production macro folder, each part capitalised and joined; templates are
the ``${name}`` fields of command lines; outputs come from the output processors the macro
enables; the event mode from whether the macro sets an event rate (time/run) and whether
it simulates real-run conditions (run/run_number).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from gasp.catalog.model import EventMode, ProductionCatalogue, ProductionModule
from gasp.errors import InputError

_TEMPLATE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_OUTPUT_PROCESSORS = {"outroot": "ratds", "outntuple": "ntuple", "outsoc": "soc"}
_REAL_RUN = re.compile(r'^/rat/db/set\s+CONDITIONS\s+source\s+"?run"?\s*$')


def module_name(relative: Path) -> str:
    """``water/n16/source/run.mac`` -> ``WaterN16SourceRun``."""
    parts = [*relative.parent.parts, relative.stem]
    return "".join(part[:1].upper() + part[1:] for part in parts)


def scan_macro(text: str, *, relative_path: str, internal_rate: Iterable[str]) -> ProductionModule:
    """The catalogue entry of one production macro."""
    templates: list[str] = []
    outputs: list[str] = []
    other_suffix: str | None = None
    rated = False
    real_run = False
    internal = set(internal_rate)
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        for field in _TEMPLATE.findall(line):
            if field not in templates:
                templates.append(field)
        words = line.split()
        if words[0] == "/rat/proc" and len(words) > 1 and words[1] in _OUTPUT_PROCESSORS:
            outputs.append(_OUTPUT_PROCESSORS[words[1]])
        elif words[:2] == ["/rat/procset", "suffix"] and len(words) > 2 and outputs:
            if outputs[-1] in ("ratds", "ntuple"):
                outputs[-1] = f"other_{outputs[-1]}"
                other_suffix = words[2].strip('"')
        elif words[0] == "/generator/rate/set" or (
            words[0] == "/generator/add" and len(words) > 1 and words[1] in internal
        ):
            rated = True
        elif _REAL_RUN.match(line):
            real_run = True
    if not outputs:
        raise InputError(f"{relative_path}: the macro enables no output processor")
    mode: EventMode = (
        ("run" if rated else "run_number") if real_run else ("time" if rated else "number")
    )
    return ProductionModule(
        event_mode=mode,
        path=relative_path,
        outputs=outputs,  # type: ignore[arg-type]
        template=templates,
        other_suffix=other_suffix,
    )


def make_production_catalogue(
    release: Path, *, internal_rate: Iterable[str] = (), version: str | None = None
) -> ProductionCatalogue:
    """Scan ``release``'s production macros into a catalogue.

    The version and the macro folder come from the release's ``release.json`` when it has
    one; generators that set their own rate are those named by ``internal_rate``, or when
    none are named, those the release declares in ``internal_rate_generators``.
    """
    if not release.is_dir():
        raise InputError(f"release folder {release} does not exist")
    info: dict[str, object] = {}
    info_file = release / "release.json"
    if info_file.is_file():
        try:
            info = json.loads(info_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"{info_file}: not readable JSON: {exc}") from exc
    rat_version = version or str(info.get("version") or "")
    if not rat_version:
        raise InputError(f"{release}: no release.json version; give the version explicitly")
    macro_root = release / str(info.get("production_macros") or "mac/production")
    if not macro_root.is_dir():
        raise InputError(f"{release}: no production macro folder {macro_root}")
    generators = list(internal_rate) or [str(g) for g in info.get("internal_rate_generators") or []]  # type: ignore[attr-defined]
    modules: dict[str, ProductionModule] = {}
    for macro in sorted(macro_root.rglob("*.mac")):
        relative = macro.relative_to(macro_root)
        name = module_name(relative)
        if name in modules:
            raise InputError(f"{macro}: module name {name} is produced by two macros")
        modules[name] = scan_macro(
            macro.read_text(encoding="utf-8"),
            relative_path=str(macro.relative_to(release)),
            internal_rate=generators,
        )
    if not modules:
        raise InputError(f"{macro_root} holds no .mac file")
    return ProductionCatalogue(rat_version=rat_version, modules=modules)
