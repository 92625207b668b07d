"""Reading ``spec.json``: the schema (pydantic, in ``spec``) plus what the schema cannot say.

The runner trusts nothing it is handed. Beyond field types, a specification must be
consistent before anything runs: an event mode with the numbers it needs, plain and
distinct file names inside the work folder, and output names that one ``-o STEM`` can
produce. Every problem is listed in one ``SpecError``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gasp.runner.command import StemError, output_stem
from gasp.runner.errors import SpecError
from gasp.runner.spec import REPORT_FILE, SPEC_FILE, JobSpec
from gasp.validation import describe_validation_error, json_error_location


def load_spec(path: Path) -> JobSpec:
    """The validated specification in ``path``; ``SpecError`` naming every problem if not."""
    data = _read_json(path)
    try:
        spec = JobSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(describe_validation_error(exc, str(path))) from exc
    problems = consistency_problems(spec)
    if problems:
        lines = "\n".join(f"  {problem}" for problem in problems)
        raise SpecError(f"{path}: {len(problems)} problem(s):\n{lines}")
    return spec


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read the job specification: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: {json_error_location(exc)}") from exc


def identity(path: Path) -> tuple[str, str]:
    """The job name and token of a specification, as far as they can be read at all.

    A report for a rejected specification still carries them, so the client can match it.
    """
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    name, token = data.get("name"), data.get("token")
    return (name if isinstance(name, str) else ""), (token if isinstance(token, str) else "")


def consistency_problems(spec: JobSpec) -> list[str]:
    """What is wrong with a specification that has the right shape."""
    problems = _event_problems(spec)
    problems += _name_problems("inputs", [i.name for i in spec.inputs])
    problems += _name_problems("outputs", [o.local_name for o in spec.outputs])
    try:
        output_stem(spec.outputs)
    except StemError as exc:
        problems.append(f"outputs: {exc}")
    return problems


def _event_problems(spec: JobSpec) -> list[str]:
    if spec.kind == "processing":
        problems = [] if spec.inputs else ["inputs: a processing job needs at least one input"]
        if spec.event_mode is not None:
            problems.append("event_mode: only production jobs have one")
        return problems
    mode = spec.event_mode
    if mode is None:
        return ["event_mode: a production job needs one (time, number, run, run_number)"]
    if mode in ("number", "run_number") and (spec.n_events is None or spec.n_events < 0):
        return [f"n_events: event mode {mode} needs a number of events >= 0"]
    if mode == "time" and (spec.duration_s is None or spec.duration_s <= 0):
        return ["duration_s: event mode time needs a positive duration in seconds"]
    return []


RESERVED = {SPEC_FILE, REPORT_FILE, "stdout.txt", "stderr.txt"}  # the runner's own files


def _name_problems(field: str, names: list[str]) -> list[str]:
    problems = [
        f"{field}: {name!r} is not a plain file name"
        for name in names
        if not name or "/" in name or "\\" in name or name in (".", "..")
    ]
    problems += [f"{field}: {name!r} is a file the runner writes" for name in RESERVED & set(names)]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    problems += [f"{field}: {name!r} is used more than once" for name in duplicates]
    return problems


__all__ = ["consistency_problems", "identity", "load_spec"]
