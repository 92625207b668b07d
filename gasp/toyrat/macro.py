"""Reading a macro: the text file of ``/rat/...`` and ``/generator/...`` commands.

A macro is Geant4-style: one command per line, ``#`` starts a comment line, arguments are
shell-like words (quotes allowed). toyrat interprets the commands below and accepts any
other ``/...`` command silently, as the real program accepts the many Geant4 commands it
does not need to be told about. The full conventions are in ``release/README.md``.

====================================  =====================================================
``/rat/proc outroot``                 write the event tree (data type ``ratds``)
``/rat/proc outntuple``               write the flat ntuple (data type ``ntuple``)
``/rat/procset suffix "TAG"``         the output processor just above writes ``STEM.TAG.root``
                                      instead (data type ``other_ratds``/``other_ntuple``)
``/rat/proc classifier``              add the ``itr`` timing classifier to the outputs
``/rat/db/set DETECTOR geo_file "F"`` the medium: a file name containing ``scint`` or
                                      ``water`` (default water)
``/rat/db/set CONDITIONS source "run"`` simulate under the real conditions of the run given
                                      with ``-r``/``-n`` (``"default"``: generic conditions)
``/generator/add NAME SPEC``          the event generator (exactly one in a production macro)
``/generator/vtx/set ...``            what the generator emits
``/generator/pos/set ...``            where it emits it
``/generator/rate/set HZ``            events per second of detector time
``/rat/inzdab/read``                  a processing macro reading raw files given with ``-i``
``/rat/inroot/read``                  a processing macro reading event-tree files (``-i``)
``/rat/run/start [NEV]``              start; NEV is used when the command line gives no count
====================================  =====================================================

Parsing is a pure function of the text, so it is tested without files; an unfilled
``${field}`` template on a command line is refused, since running it would silently use a
literal ``${radius}`` where a number was meant.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from gasp.toyrat.detector import MEDIA
from gasp.toyrat.errors import MacroError, UsageError

TEMPLATE = re.compile(r"\$\{([^}]*)\}")
OUTPUT_PROCESSORS = {"outroot": "ratds", "outntuple": "ntuple"}
INPUT_COMMANDS = {"/rat/inzdab/read": "raw", "/rat/inroot/read": "root"}
SUFFIX = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class Command:
    """One macro command: where it is, its path (``/generator/add``) and its arguments."""

    line: int
    path: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class OutputSpec:
    """One enabled output processor and the file it writes for an output stem."""

    data_type: str  # "ratds" (event tree) or "ntuple" (flat tree): the file's layout
    suffix: str | None
    line: int

    @property
    def catalogue_type(self) -> str:
        """The data type gasp records: ``ratds``, ``ntuple``, ``other_ratds``, ``other_ntuple``."""
        return self.data_type if self.suffix is None else f"other_{self.data_type}"

    def file_name(self, stem: str) -> str:
        """``STEM.root`` (ratds), ``STEM.ntuple.root`` (ntuple), ``STEM.SUFFIX.root`` (other)."""
        if self.suffix is not None:
            return f"{stem}.{self.suffix}.root"
        return f"{stem}.root" if self.data_type == "ratds" else f"{stem}.ntuple.root"


@dataclass(frozen=True)
class Macro:
    """What toyrat needs to know from a macro, with the lines it came from."""

    name: str
    processors: tuple[str, ...]
    outputs: tuple[OutputSpec, ...]
    generator: Command | None
    vertex: Command | None
    position: Command | None
    rate_hz: float | None
    run_conditions: bool
    medium: str
    input_kind: str | None  # "raw" or "root" for processing macros
    start_events: int | None

    @property
    def classifier(self) -> bool:
        return "classifier" in self.processors


def _split(name: str, number: int, text: str) -> Command:
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise MacroError(name, number, f"cannot split the command into words: {exc}") from exc
    return Command(number, words[0], tuple(words[1:]))


def _commands(name: str, text: str) -> list[Command]:
    commands: list[Command] = []
    unfilled: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        unfilled += [f"${{{field}}} (line {number})" for field in TEMPLATE.findall(line)]
        if not line.startswith("/"):
            raise MacroError(name, number, f"not a macro command: {line!r}")
        commands.append(_split(name, number, line))
    if unfilled:
        raise MacroError(
            name, None, "unfilled template " + ", ".join(unfilled) + ": fill it before running"
        )
    return commands


def _number(name: str, command: Command, index: int, what: str) -> float:
    try:
        return float(command.args[index])
    except (IndexError, ValueError):
        raise MacroError(name, command.line, f"{command.path} needs {what}") from None


def _medium(name: str, command: Command) -> str:
    geo = command.args[2] if len(command.args) > 2 else ""
    found = [medium for medium in MEDIA if medium in geo.lower()]
    if len(found) != 1:
        raise MacroError(name, command.line, f"geo_file {geo!r} names no medium of {sorted(MEDIA)}")
    return found[0]


class _Builder:
    """Accumulates the interpreted commands of one macro, checking each as it comes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.processors: list[str] = []
        self.outputs: list[OutputSpec] = []
        self.singles: dict[str, Command] = {}
        self.rate_hz: float | None = None
        self.run_conditions = False
        self.medium = "water"
        self.input_kind: str | None = None
        self.start_events: int | None = None

    def fail(self, command: Command, message: str) -> MacroError:
        return MacroError(self.name, command.line, message)

    def once(self, command: Command) -> None:
        if command.path in self.singles:
            earlier = self.singles[command.path].line
            raise self.fail(command, f"{command.path} already given on line {earlier}")
        self.singles[command.path] = command

    def take(self, command: Command) -> None:
        path, args = command.path, command.args
        if path == "/rat/proc":
            self.proc(command)
        elif path == "/rat/procset" and args and args[0] == "suffix":
            self.suffix(command)
        elif path == "/rat/db/set" and args[:2] == ("DETECTOR", "geo_file"):
            self.medium = _medium(self.name, command)
        elif path == "/rat/db/set" and args[:2] == ("CONDITIONS", "source"):
            if args[2:] not in (("run",), ("default",)):
                raise self.fail(command, 'CONDITIONS source must be "run" or "default"')
            self.run_conditions = args[2] == "run"
        elif path in ("/generator/add", "/generator/vtx/set", "/generator/pos/set"):
            self.once(command)
        elif path == "/generator/rate/set":
            self.once(command)
            self.rate_hz = _number(self.name, command, 0, "a rate in Hz")
            if not self.rate_hz > 0:
                raise self.fail(command, "the rate must be positive")
        elif path in INPUT_COMMANDS:
            self.once(command)
            self.input_kind = INPUT_COMMANDS[path]
        elif path == "/rat/run/start" and args:
            value = _number(self.name, command, 0, "a whole number of events")
            if value < 0 or value != int(value):
                raise self.fail(command, "the number of events must be a whole number >= 0")
            self.start_events = int(value)

    def proc(self, command: Command) -> None:
        if len(command.args) != 1:
            raise self.fail(command, "/rat/proc takes one processor name")
        processor = command.args[0]
        self.processors.append(processor)
        if processor in OUTPUT_PROCESSORS:
            self.outputs.append(OutputSpec(OUTPUT_PROCESSORS[processor], None, command.line))

    def suffix(self, command: Command) -> None:
        last = self.processors[-1] if self.processors else None
        if last not in OUTPUT_PROCESSORS or self.outputs[-1].suffix is not None:
            raise self.fail(command, "suffix must follow its own /rat/proc outroot|outntuple")
        if len(command.args) != 2 or not SUFFIX.match(command.args[1]):
            raise self.fail(command, "suffix takes one word of letters, digits or _")
        previous = self.outputs.pop()
        self.outputs.append(OutputSpec(previous.data_type, command.args[1], previous.line))

    def build(self) -> Macro:
        generator = self.singles.get("/generator/add")
        written: set[str] = set()
        for spec in self.outputs:
            if spec.file_name("STEM") in written:
                raise MacroError(self.name, spec.line, "two output processors write one file")
            written.add(spec.file_name("STEM"))
        suffixed = [spec for spec in self.outputs if spec.suffix is not None]
        if len(suffixed) > 1:
            raise MacroError(self.name, suffixed[1].line, "only one output may carry a suffix")
        if not self.outputs:
            raise MacroError(self.name, None, "enables no output processor (outroot/outntuple)")
        if self.input_kind is None and generator is None:
            raise MacroError(self.name, None, "has neither a /generator/add nor an input reader")
        if self.input_kind is not None and generator is not None:
            raise MacroError(self.name, generator.line, "a macro reading input adds no generator")
        return Macro(
            name=self.name,
            processors=tuple(self.processors),
            outputs=tuple(self.outputs),
            generator=generator,
            vertex=self.singles.get("/generator/vtx/set"),
            position=self.singles.get("/generator/pos/set"),
            rate_hz=self.rate_hz,
            run_conditions=self.run_conditions,
            medium=self.medium,
            input_kind=self.input_kind,
            start_events=self.start_events,
        )


def parse_macro(text: str, name: str) -> Macro:
    """Interpret a macro's text; ``name`` is only used in error messages and metadata."""
    builder = _Builder(name)
    for command in _commands(name, text):
        builder.take(command)
    return builder.build()


def load_macro(path: Path) -> Macro:
    """Read and interpret a macro file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read macro {path}: {exc}") from exc
    return parse_macro(text, path.name)


__all__ = ["Command", "Macro", "OutputSpec", "load_macro", "parse_macro"]
