"""What one ``toyrat MACRO`` invocation does, once the command line is parsed.

Everything that can be checked is checked before the first output file is created (macro,
generator, event count, environment, inputs), so a refused run leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from gasp.toyrat.errors import UsageError
from gasp.toyrat.generators import source_for
from gasp.toyrat.inputs import READER_COMMAND, InputFile, check_inputs
from gasp.toyrat.macro import Macro, load_macro
from gasp.toyrat.output import Meta, RootOutput
from gasp.toyrat.plan import Request, plan_run
from gasp.toyrat.release import version
from gasp.toyrat.run import Settings, default_seed, execute, processed_chunks, simulated_chunks


@dataclass(frozen=True)
class Invocation:
    """The parsed command line of a macro run."""

    macro: Path
    inputs: Sequence[Path] = ()
    run: int | None = None
    run_given_by: str | None = None  # "-r" or "-n"
    events: int | None = None
    seconds: float | None = None
    seed: int | None = None
    output: Path | None = None

    @property
    def stem(self) -> Path:
        return self.output if self.output is not None else Path(self.macro.stem)


def _say(out: TextIO, message: str) -> None:
    print(f"toyrat: {message}", file=out, flush=True)


def _simulate(
    invocation: Invocation, macro: Macro, settings: Settings, out: TextIO
) -> list[RootOutput]:
    if invocation.inputs:
        raise UsageError(
            f"{macro.name} generates its events; -i is for macros that read input "
            f"({', '.join(READER_COMMAND.values())})"
        )
    info = source_for(macro)
    request = Request(
        run=invocation.run,
        run_given_by=invocation.run_given_by,
        events=invocation.events,
        seconds=invocation.seconds,
    )
    plan = plan_run(request, macro, info.internal_rate_hz)
    run = plan.conditions.run
    seed = invocation.seed if invocation.seed is not None else default_seed(macro.name, run)
    conditions = "generic" if plan.conditions.generic else "run"
    _say(out, f"version {version()}, macro {macro.name}: {plan.describe()}, {info.description}")
    _say(out, f"run {run} ({conditions} conditions), seed {seed}, {plan.events} events")
    meta = Meta(
        data_type="",
        mode=plan.mode,
        macro=macro.name,
        generator=info.description,
        run=run,
        seed=seed,
    )
    chunks = simulated_chunks(plan, info.source, macro, seed)
    return execute(chunks, macro.outputs, invocation.stem, meta, plan.events, settings, out)


def _common_subrun(inputs: Sequence[InputFile]) -> int:
    """The subrun the inputs share (a sub_run-level job), or -1 for a whole run."""
    subruns = {source.subrun for source in inputs}
    return subruns.pop() if len(subruns) == 1 else -1


def _process(
    invocation: Invocation, macro: Macro, reader: str, settings: Settings, out: TextIO
) -> list[RootOutput]:
    if invocation.events is not None or invocation.seconds is not None:
        raise UsageError("-N and -T do not apply to a macro reading input: all events are read")
    if not invocation.inputs:
        raise UsageError(f"{macro.name} reads input ({READER_COMMAND[reader]}): give -i INPUT")
    inputs = check_inputs(invocation.inputs, reader)
    run = invocation.run if invocation.run is not None else inputs[0].run
    seed = invocation.seed if invocation.seed is not None else default_seed(macro.name, run)
    total = sum(source.entries for source in inputs)
    names = tuple(source.path.name for source in inputs)
    _say(out, f"version {version()}, macro {macro.name}: processing {len(inputs)} input(s)")
    _say(out, f"run {run}, {total} events from {', '.join(names)}")
    meta = Meta(
        data_type="",
        mode="processing",
        macro=macro.name,
        generator="",
        run=run,
        seed=seed,
        subrun=_common_subrun(inputs),
        inputs=names,
    )
    chunks = processed_chunks(inputs, macro)
    return execute(chunks, macro.outputs, invocation.stem, meta, total, settings, out)


def run_macro(invocation: Invocation, environ: Mapping[str, str], out: TextIO) -> list[RootOutput]:
    """Run one macro as the command line asks; returns the published outputs."""
    settings = Settings.from_environ(environ)
    macro = load_macro(invocation.macro)
    if macro.input_kind is not None:
        return _process(invocation, macro, macro.input_kind, settings, out)
    return _simulate(invocation, macro, settings, out)


__all__ = ["Invocation", "run_macro"]
