"""Reading ``spec.json``: the schema (pydantic, in ``spec``) plus what the schema cannot say.

The runner trusts nothing it is handed. The schema holds the rules for each value (plain
file names, paths inside their folders, template values that stay on their macro line,
finite numbers in range); beyond them a specification must be consistent before anything
runs: an event mode with the numbers it needs, distinct file names in the work folder
that are not the runner's own, output names that one ``-o STEM`` can produce, and a macro
that really lies inside the release once symbolic links are followed. Every problem is
listed in one ``SpecError``; the text is parsed by ``gasp.parsing``, so malformed, non-UTF-8
or absurdly nested files are refused with the file named, never with a traceback.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import ValidationError

from gasp.jobfolder import REPORT_FILE, SPEC_FILE
from gasp.parsing import parse_json
from gasp.runner.command import StemError, output_stem
from gasp.runner.errors import SpecError
from gasp.runner.render import macro_source
from gasp.runner.spec import JobSpec
from gasp.validation import describe_validation_error


def load_spec(path: Path) -> JobSpec:
    """The validated specification in ``path``; ``SpecError`` naming every problem if not."""
    data = _read_json(path)
    if not isinstance(data, dict):
        raise SpecError(f"{path}: expected a JSON object (the job specification)")
    try:
        spec = JobSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(describe_validation_error(exc, str(path))) from None
    problems = consistency_problems(spec)
    if problems:
        lines = "\n".join(f"  {problem}" for problem in problems)
        raise SpecError(f"{path}: {len(problems)} problem(s):\n{lines}")
    return spec


def _read_json(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the job specification: {exc}") from exc
    return parse_json(raw, str(path), error=SpecError)


def identity(path: Path) -> tuple[str, str]:
    """The job name and token of a specification, as far as they can be read at all.

    A report for a rejected specification still carries them, so the client can match it.
    """
    try:
        data = _read_json(path)
    except SpecError:
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    name, token = data.get("name"), data.get("token")
    return (name if isinstance(name, str) else ""), (token if isinstance(token, str) else "")


def consistency_problems(spec: JobSpec) -> list[str]:
    """What is wrong with a specification that has the right shape."""
    problems = _event_problems(spec)
    problems += _name_problems(spec)
    try:
        output_stem(spec.outputs)
    except StemError as exc:
        problems.append(f"outputs: {exc}")
    try:
        macro_source(Path(spec.application.release_dir), spec.application.macro)
    except SpecError as exc:
        problems.append(str(exc))
    return problems


def _event_problems(spec: JobSpec) -> list[str]:
    """The numbers each event mode needs (their ranges are the schema's)."""
    if spec.kind == "processing":
        problems = [] if spec.inputs else ["inputs: a processing job needs at least one input"]
        if spec.event_mode is not None:
            problems.append("event_mode: only production jobs have one")
        return problems
    mode = spec.event_mode
    if mode is None:
        return ["event_mode: a production job needs one (time, number, run, run_number)"]
    if mode in ("number", "run_number") and spec.n_events is None:
        return [f"n_events: event mode {mode} needs a number of events"]
    if mode == "time" and spec.duration_s is None:
        return ["duration_s: event mode time needs a duration in seconds"]
    return []


RESERVED = {SPEC_FILE, REPORT_FILE, "stdout.txt", "stderr.txt"}  # the runner's own files


def _name_problems(spec: JobSpec) -> list[str]:
    """Every file the job puts in the work folder has a name of its own."""
    named = [("application.macro", PurePosixPath(spec.application.macro).name)]
    named += [("inputs", item.name) for item in spec.inputs]
    named += [("outputs", item.local_name) for item in spec.outputs]
    reserved = [(field, name) for field, name in named if name in RESERVED]
    problems = [f"{field}: {name!r} is a file the runner writes" for field, name in reserved]
    first: dict[str, str] = {}
    for field, name in named:
        if name in first:
            problems.append(f"{field}: {name!r} is used more than once (also in {first[name]})")
        first.setdefault(name, field)
    return problems


__all__ = ["consistency_problems", "identity", "load_spec"]
