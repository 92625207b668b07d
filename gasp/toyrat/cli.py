"""The ``toyrat`` command line, shaped like the experiment's program::

    toyrat [-r RUN | -n RUN] [-N NEV | -T SECONDS] [-s SEED] [-o STEM] [-i INPUT ...] MACRO
    toyrat daq --run RUN --subruns K --events-per-subrun M --out DIR
               [--run-type TYPE] [--seed S]
    toyrat --release-dir | --version

A production macro (one with a generator) simulates events: the event mode follows from
the options (see ``gasp.toyrat.plan``). A processing macro (``/rat/inzdab/read`` or
``/rat/inroot/read``) reads the events of the ``-i`` files instead. Outputs are
``STEM.root`` (ratds), ``STEM.ntuple.root`` (ntuple) and ``STEM.SUFFIX.root`` (other),
STEM defaulting to the macro's name in the current folder. ``-i`` takes one or more files
and may be repeated; the macro is always the last word of the command line.

Exit status: 0 done; 1 the run failed (one line on stderr says why); 2 the command line,
the macro, an input file or the environment is invalid, and nothing was written.

Environment: ``TOYRAT_MS_PER_EVENT`` (CPU milliseconds per event, default 0.2) and
``TOYRAT_FAIL`` / ``TOYRAT_FAIL_ONCE`` (failures on demand, see ``gasp.toyrat.failures``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from gasp.toyrat.errors import ToyratError, UsageError

MAX_RUN = 2**31 - 1  # run numbers are stored as 32-bit integers in the trees


class _Exit(Exception):
    """argparse wants to stop (``--help``): carry its status back to ``main``."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """An argparse parser that reports instead of calling ``sys.exit``, so ``main`` returns."""

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._print_message(message, sys.stderr)
        raise _Exit(status)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def _bounded(
    kind: Callable[[str], float], low: float, high: float, what: str
) -> Callable[[str], float]:
    def convert(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is out of range for {what}")
        return value

    return convert


RUN = _bounded(int, 0, MAX_RUN, "a run number")
COUNT = _bounded(int, 0, float("inf"), "a whole number >= 0")
SECONDS = _bounded(float, 1e-9, float("inf"), "a positive number of seconds")


def _run_parser() -> _Parser:
    parser = _Parser(
        prog="toyrat", description="Stand-in for the experiment's program.", allow_abbrev=False
    )
    runs = parser.add_mutually_exclusive_group()
    runs.add_argument(
        "-r",
        dest="run_r",
        type=RUN,
        metavar="RUN",
        help="simulate run RUN (run mode: as many events as the run lasted)",
    )
    runs.add_argument(
        "-n",
        dest="run_n",
        type=RUN,
        metavar="RUN",
        help="use run number RUN (with -N: run_number mode)",
    )
    counts = parser.add_mutually_exclusive_group()
    counts.add_argument("-N", dest="events", type=COUNT, metavar="NEV", help="simulate NEV events")
    counts.add_argument(
        "-T",
        dest="seconds",
        type=SECONDS,
        metavar="SECONDS",
        help="simulate SECONDS of detector time at the macro's rate",
    )
    parser.add_argument("-s", dest="seed", type=COUNT, metavar="SEED", help="random seed")
    parser.add_argument("-o", dest="output", metavar="STEM", help="output file stem")
    parser.add_argument(
        "-i",
        dest="inputs",
        action="extend",
        nargs="+",
        default=[],
        metavar="INPUT",
        help="input file(s) for a processing macro",
    )
    parser.add_argument(
        "--release-dir",
        action="store_true",
        help="print the folder of the shipped release and exit",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("macro", nargs="?", metavar="MACRO", help="the macro to run")
    return parser


def _daq_parser() -> _Parser:
    from gasp.toyrat.daq import RUN_TYPES

    parser = _Parser(
        prog="toyrat daq", description="Write the raw files of a detector run.", allow_abbrev=False
    )
    parser.add_argument("--run", type=COUNT, required=True)
    parser.add_argument("--subruns", type=COUNT, required=True)
    parser.add_argument("--events-per-subrun", type=COUNT, required=True)
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument("--run-type", default="Physics", help=", ".join(RUN_TYPES))
    parser.add_argument("--seed", type=COUNT, help="random seed (default: the run number)")
    return parser


def _daq(argv: Sequence[str], out: TextIO) -> int:
    from gasp.toyrat.daq import DaqRequest, write_run

    args = _daq_parser().parse_args(argv)
    request = DaqRequest(
        run=int(args.run),
        subruns=int(args.subruns),
        events_per_subrun=int(args.events_per_subrun),
        out_dir=args.out,
        run_type=args.run_type,
        seed=None if args.seed is None else int(args.seed),
    )
    write_run(request, out)
    return 0


def _split_macro(args: argparse.Namespace) -> tuple[Path, list[Path]]:
    """The macro is the last word: with ``-i a b MACRO`` argparse files it under ``-i``."""
    inputs = [Path(item) for item in args.inputs]
    if args.macro is not None:
        return Path(args.macro), inputs
    if inputs:
        return inputs[-1], inputs[:-1]
    raise UsageError("no macro given (see toyrat --help)")


def _run(argv: Sequence[str], out: TextIO) -> int:
    from gasp.toyrat.release import release_dir, version

    args = _run_parser().parse_args(argv)
    if args.version:
        print(version(), file=out)
        return 0
    if args.release_dir:
        print(release_dir(), file=out)
        return 0
    from gasp.toyrat.program import Invocation, run_macro

    macro, inputs = _split_macro(args)
    invocation = Invocation(
        macro=macro,
        inputs=inputs,
        run=args.run_r if args.run_r is not None else args.run_n,
        run_given_by="-r" if args.run_r is not None else "-n" if args.run_n is not None else None,
        events=args.events,
        seconds=args.seconds,
        seed=args.seed,
        output=None if args.output is None else Path(args.output),
    )
    run_macro(invocation, os.environ, out)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run toyrat; returns the exit status (the console script passes it to ``sys.exit``)."""
    words = sys.argv[1:] if argv is None else argv
    out = sys.stdout
    try:
        if words[:1] == ["daq"]:
            return _daq(words[1:], out)
        return _run(words, out)
    except _Exit as stop:
        return stop.status
    except ToyratError as exc:
        out.flush()
        print(f"toyrat: error: {exc}", file=sys.stderr, flush=True)
        return exc.exit_status


__all__ = ["main"]
