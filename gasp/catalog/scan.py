"""Generate a production catalogue by scanning a release's production macros.

The rule (also written in the toyrat release's README): the module name is the macro's
path below the production macro folder, each part capitalised and joined; templates are
the ``${name}`` fields of command lines; outputs come from the output processors the macro
enables; the event mode from whether the macro sets an event rate (time/run) and whether
it simulates real-run conditions (run/run_number).

Nothing is guessed or dropped: a macro line the rule cannot read exactly (a suffix of two
words, a second suffix, a template that is no field name) is a problem naming the file
and line, a file name that makes no module name is a problem naming the file, and every
problem of the release is reported together, before anything is written.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from gasp.catalog.model import (
    IDENTIFIER,
    DataType,
    EventMode,
    ProductionCatalogue,
    ProductionModule,
    check_module_name,
)
from gasp.catalog.release import read_macro, read_release_info
from gasp.errors import InputError
from gasp.validation import validation_problems
from gasp.values import check_name

_TEMPLATE = re.compile(r"\$\{([^}]*)\}")  # any ${...}: the runner fills every one it sees
_FIELD = re.compile(IDENTIFIER)
_OUTPUT_PROCESSORS: dict[str, DataType] = {
    "outroot": "ratds",
    "outntuple": "ntuple",
    "outsoc": "soc",
}
_SUFFIXABLE: dict[DataType, DataType] = {"ratds": "other_ratds", "ntuple": "other_ntuple"}
_SUFFIX = re.compile(r"[A-Za-z0-9_]+")
_REAL_RUN = re.compile(r'^/rat/db/set\s+CONDITIONS\s+source\s+"?run"?\s*$')


def module_name(relative: Path) -> str:
    """``water/n16/source/run.mac`` -> ``WaterN16SourceRun``."""
    parts = [*relative.parent.parts, relative.stem]
    return "".join(part[:1].upper() + part[1:] for part in parts)


class _MacroScan:
    """The facts of one macro gathered line by line, with a problem for each unclear line."""

    def __init__(self, source: str, internal_rate: set[str]) -> None:
        self.source = source
        self.internal_rate = internal_rate
        self.found: list[tuple[int, str]] = []  # line (0: the whole file), problem
        self.templates: list[str] = []
        self.outputs: list[tuple[DataType, int]] = []  # data type, line
        self.last_processor: str | None = None
        self.suffix: tuple[str, int] | None = None  # suffix, line
        self.unclear: set[int] = set()  # lines of outputs whose suffix line was refused
        self.rated = False
        self.real_run = False

    def problem(self, line: int | None, message: str) -> None:
        where = f"{self.source}, line {line}" if line else self.source
        self.found.append((line or 0, f"{where}: {message}"))

    @property
    def problems(self) -> list[str]:
        """Every problem, in line order (those of the whole file first)."""
        return [text for _line, text in sorted(self.found, key=lambda found: found[0])]

    def take(self, number: int, line: str) -> None:
        for field in _TEMPLATE.findall(line):
            if not _FIELD.fullmatch(field):
                self.problem(number, f"${{{field}}} is not a template field name ({IDENTIFIER})")
            elif field not in self.templates:
                self.templates.append(field)
        words = line.split()
        if words[0] == "/rat/proc" and len(words) > 1:
            self.last_processor = words[1]
            if words[1] in _OUTPUT_PROCESSORS:
                self.outputs.append((_OUTPUT_PROCESSORS[words[1]], number))
        elif words[:2] == ["/rat/procset", "suffix"]:
            self.take_suffix(number, line)
        elif words[0] == "/generator/rate/set" or (
            words[0] == "/generator/add" and len(words) > 1 and words[1] in self.internal_rate
        ):
            self.rated = True
        elif _REAL_RUN.match(line):
            self.real_run = True

    def take_suffix(self, number: int, line: str) -> None:
        """``/rat/procset suffix "TAG"`` right after an outroot/outntuple: at most one."""
        if self.suffix is not None:
            self.problem(
                number,
                f"a second suffix (the first is on line {self.suffix[1]}); "
                "a macro may suffix one output only",
            )
            return
        last = self.outputs[-1] if self.outputs else None
        if last is None or self.last_processor not in ("outroot", "outntuple"):
            self.problem(number, "the suffix must come right after /rat/proc outroot or outntuple")
            return
        self.unclear.add(last[1])  # until the suffix is known good: no follow-on problems
        try:
            arguments = shlex.split(line)[2:]
        except ValueError as exc:
            self.problem(number, f"cannot split the suffix line into words: {exc}")
            return
        if len(arguments) != 1 or not _SUFFIX.fullmatch(arguments[0]):
            shown = " ".join(arguments) or "nothing"
            self.problem(
                number, f"the suffix must be one word of letters, digits and _, not {shown!r}"
            )
            return
        self.unclear.discard(last[1])
        self.suffix = (arguments[0], number)
        self.outputs[-1] = (_SUFFIXABLE[last[0]], last[1])

    def module(self, relative_path: str) -> ProductionModule | None:
        """The catalogue entry, or None when a problem was found."""
        seen: dict[str, int] = {}
        for data_type, number in self.outputs:
            if number in self.unclear:
                continue
            if data_type in seen:
                self.problem(
                    number,
                    f"a second {data_type} output (the first is on line "
                    f"{seen[data_type]}): both would write one file",
                )
            seen.setdefault(data_type, number)
        if not self.outputs:
            self.problem(None, "the macro enables no output processor")
        if self.found:
            return None
        mode: EventMode = (
            ("run" if self.rated else "run_number")
            if self.real_run
            else ("time" if self.rated else "number")
        )
        try:
            return ProductionModule(
                event_mode=mode,
                path=relative_path,
                outputs=[data_type for data_type, _line in self.outputs],
                template=self.templates,
                other_suffix=self.suffix[0] if self.suffix else None,
            )
        except ValidationError as exc:
            for problem in validation_problems(exc):
                self.problem(None, problem)
            return None


def scan_macro(
    text: str, *, relative_path: str, internal_rate: Iterable[str], source: str | None = None
) -> tuple[ProductionModule | None, list[str]]:
    """The catalogue entry of one production macro, or the problems of its lines."""
    scan = _MacroScan(source or relative_path, set(internal_rate))
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            scan.take(number, line)
    return scan.module(relative_path), scan.problems


def make_production_catalogue(
    release: Path, *, internal_rate: Iterable[str] = (), version: str | None = None
) -> ProductionCatalogue:
    """Scan ``release``'s production macros into a catalogue; every problem in one error.

    The version and the macro folder come from the release's ``release.json`` when it has
    one; generators that set their own rate are those named by ``internal_rate``, or when
    none are named, those the release declares in ``internal_rate_generators``.
    """
    if not release.is_dir():
        raise InputError(f"release folder {release} does not exist")
    if version is not None:
        try:
            check_name(version)
        except ValueError as exc:
            raise InputError(f"software version: {exc}") from None
    info = read_release_info(release)
    rat_version = version or info.version
    if not rat_version:
        raise InputError(
            f"{release}: release.json gives no version; add one there or give --version"
        )
    macro_root = release / info.production_macros
    if not macro_root.is_dir():
        raise InputError(f"{release}: no production macro folder {macro_root}")
    generators = set(internal_rate) or set(info.internal_rate_generators)
    modules, problems = _scan_macros(release, macro_root, generators)
    if problems:
        raise InputError(_report(release, problems))
    if not modules:
        raise InputError(f"{macro_root} holds no .mac file")
    try:
        return ProductionCatalogue(rat_version=rat_version, modules=modules)
    except ValidationError as exc:  # the checks above should leave nothing for this
        raise InputError(_report(release, validation_problems(exc))) from None


def _scan_macros(
    release: Path, macro_root: Path, internal_rate: set[str]
) -> tuple[dict[str, ProductionModule], list[str]]:
    """Every macro below ``macro_root``, in name order: the modules, and every problem."""
    problems: list[str] = []
    modules: dict[str, ProductionModule] = {}
    made_by: dict[str, Path] = {}
    for macro in sorted(macro_root.rglob("*.mac")):
        text, unreadable = read_macro(macro)
        if text is None:
            problems.append(str(unreadable))
            continue
        name = module_name(macro.relative_to(macro_root))
        try:
            check_module_name(name)
        except ValueError as exc:
            problems.append(f"{macro}: {exc}; rename the file (the name comes from its path)")
        if name in made_by:
            problems.append(f"{macro}: module name {name} is also made by {made_by[name]}")
        made_by.setdefault(name, macro)
        module, found = scan_macro(
            text,
            relative_path=macro.relative_to(release).as_posix(),
            internal_rate=internal_rate,
            source=str(macro),
        )
        problems += found
        if module is not None:
            modules[name] = module
    return modules, problems


def _report(release: Path, problems: list[str]) -> str:
    if len(problems) == 1:
        return f"{problems[0]} (nothing written)"
    listed = "\n".join(f"  {p}" for p in problems)
    return f"release {release}: {len(problems)} problems, nothing written:\n{listed}"


__all__ = ["make_production_catalogue", "module_name", "scan_macro"]
