"""The application's command line, built from the specification.

docs/architecture.md, "On the worker", says where it fits in a job.

Always an argument list: values from a specification never pass through a shell string.
When the software version has a setup script, the list is run as
``bash -c 'source "$1" && shift && exec "$@"' gasp-runner SETUP EXE ARGS...``: the script
is sourced in the shell that then becomes the application (``exec``), so the application
is the runner's direct child and its CPU time and exit status are its own.

Event-mode arguments, as the experiment's program takes them:

==============  =================
``run``         ``-r RUN``
``run_number``  ``-n RUN -N NEV``
``time``        ``-T SECONDS``
``number``      ``-N NEV``
processing      ``-i INPUT ...``
==============  =================

plus ``-s SEED`` and ``-o STEM``, the macro last.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gasp.runner.spec import JobSpec, OutputSpec

SETUP_SCRIPT = 'source "$1" && shift && exec "$@"'

# The file name an application writes for each data type, after ``STEM``. The other_*
# types take the module's suffix, which the specification carries in the output's name.
FIXED_TAGS = {"ratds": "", "ntuple": ".ntuple", "soc": ".soc"}


class StemError(ValueError):
    """The outputs' local names cannot all come from one ``-o STEM``."""


def output_tag(output: OutputSpec) -> str:
    """What the application adds to STEM before ``.root`` for this output."""
    if output.data_type in FIXED_TAGS:
        return FIXED_TAGS[output.data_type]
    base = output.name.removesuffix(".root")
    suffix = base.rpartition(".")[2] if "." in base else ""
    if not suffix:
        raise StemError(f"{output.name!r}: an {output.data_type} name needs the module's suffix")
    return f".{suffix}"


def output_stem(outputs: Sequence[OutputSpec]) -> str:
    """The ``-o STEM`` that makes the application write every output's ``local_name``."""
    stems = set()
    for output in outputs:
        ending = output_tag(output) + ".root"
        if not output.local_name.endswith(ending) or output.local_name == ending:
            raise StemError(f"{output.local_name!r} ({output.data_type}) should be STEM{ending}")
        stems.add(output.local_name.removesuffix(ending))
    if len(stems) != 1:
        raise StemError(f"local names need one common stem, not {sorted(stems)}")
    return stems.pop()


def event_arguments(spec: JobSpec) -> list[str]:
    """The arguments that choose how many events the application makes."""
    mode = spec.event_mode
    if spec.kind == "processing" or mode is None:
        return []
    if mode == "run":
        return ["-r", str(spec.run)]
    if mode == "run_number":
        return ["-n", str(spec.run), "-N", str(spec.n_events)]
    if mode == "time":
        return ["-T", repr(float(spec.duration_s or 0))]
    return ["-N", str(spec.n_events)]


def application_argv(spec: JobSpec, macro: Path, inputs: Sequence[str]) -> list[str]:
    """The full argument list, with the setup wrapper when the version has a setup script."""
    argv = [spec.application.executable, *event_arguments(spec), "-s", str(spec.seed)]
    argv += ["-o", output_stem(spec.outputs)]
    if inputs:
        argv += ["-i", *inputs]
    argv.append(str(macro))
    setup = spec.application.setup
    if setup:
        return ["bash", "-c", SETUP_SCRIPT, "gasp-runner", setup, *argv]
    return argv


__all__ = [
    "SETUP_SCRIPT",
    "StemError",
    "application_argv",
    "event_arguments",
    "output_stem",
    "output_tag",
]
