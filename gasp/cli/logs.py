"""``gasp logs``: the stdout/stderr a failed job left attached to its job document."""

from __future__ import annotations

import sys

import click

from gasp.cli.context import App, pass_app
from gasp.errors import InputError, NotFound
from gasp.model.ids import job_id


@click.command("logs")
@click.argument("job_or_module")
@click.argument("run", type=int, required=False)
@click.option("--pass", "pass_number", type=int, help="Which pass (default: the latest with logs).")
@click.option(
    "--kind",
    type=click.Choice(["production", "processing"]),
    default="production",
    show_default=True,
)
@pass_app
def logs_command(
    app: App, job_or_module: str, run: int | None, pass_number: int | None, kind: str
) -> None:
    """Print the logs of JOB (job:<module>:<run>) or of MODULE RUN."""
    if job_or_module.startswith("job:"):
        doc_id = job_or_module
    elif run is None:
        raise InputError("give a job id (job:<module>:<run>) or a module and a run number")
    else:
        doc_id = job_id(job_or_module, run)
    try:
        job = app.database_for(kind).get(doc_id)
    except NotFound:
        raise InputError(f"no job {doc_id}") from None
    module = str(job["module"])
    names = sorted((job.get("_attachments") or {}).keys())
    if pass_number is not None:
        names = [n for n in names if f"_p{pass_number}_" in n]
    elif names:
        latest = max(int(n.split("_p")[-1].split("_")[0]) for n in names if "_p" in n)
        names = [n for n in names if f"_p{latest}_" in n]
    if not names:
        raise InputError(
            f"{doc_id} has no logs attached" + (f" for pass {pass_number}" if pass_number else "")
        )
    db = app.database_for(kind)
    for name in names:
        sys.stdout.write(f"==> {module} {job['run']}: {name} <==\n")
        sys.stdout.write(db.get_attachment(doc_id, name).decode("utf-8", "replace"))
        sys.stdout.write("\n")
