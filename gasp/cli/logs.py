"""``gasp logs``: the stdout/stderr a failed job left attached to its job document.

A run number given here follows the rule of every run number (``gasp.values.parse_run``),
and attachment names are read with one pattern, so an odd name is skipped, not a crash.
"""

from __future__ import annotations

import sys

import click

from gasp.cli.context import App, pass_app
from gasp.errors import InputError, NotFound
from gasp.model.documents import KINDS, Kind
from gasp.model.ids import job_id
from gasp.model.naming import pass_of_log
from gasp.values import parse_run


def _run(_ctx: click.Context, _param: click.Parameter, run: str | None) -> int | None:
    if run is None:
        return None
    try:
        return parse_run(run)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("logs")
@click.argument("job_or_module")
@click.argument("run", required=False, callback=_run)
@click.option(
    "--pass",
    "pass_number",
    type=click.IntRange(min=1),
    help="Which pass (default: the latest with logs).",
)
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default="production",
    show_default=True,
)
@pass_app
def logs_command(
    app: App, job_or_module: str, run: int | None, pass_number: int | None, kind: Kind
) -> None:
    """Print the logs of JOB (job:<module>:<run>) or of MODULE RUN."""
    if job_or_module.startswith("job:"):
        doc_id = job_or_module
    elif run is None:
        raise InputError("give a job id (job:<module>:<run>) or a module and a run number")
    else:
        doc_id = job_id(job_or_module, run)
    db = app.database_for(kind)
    try:
        job = db.get(doc_id)
    except NotFound:
        raise InputError(f"no job {doc_id}") from None
    module = str(job.get("module", "?"))
    names = sorted((job.get("_attachments") or {}).keys())
    passes = {name: pass_of_log(name) for name in names}
    wanted = pass_number
    if wanted is None:
        wanted = max((number for number in passes.values() if number is not None), default=None)
    if wanted is not None:
        names = [name for name in names if passes[name] == wanted]
    if not names:
        raise InputError(
            f"{doc_id} has no logs attached" + (f" for pass {pass_number}" if pass_number else "")
        )
    for name in names:
        sys.stdout.write(f"==> {module} {job.get('run', '?')}: {name} <==\n")
        sys.stdout.write(db.get_attachment(doc_id, name).decode("utf-8", "replace"))
        sys.stdout.write("\n")
