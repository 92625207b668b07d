"""Storing the checked outputs: the primary element, else the failover element.

Once the primary has failed for one output, the rest of the job's outputs go straight to
the failover: an element that refused one file a moment ago will most likely refuse the
next, and a job's outputs are easier to manage in one place.

If an output can be stored nowhere, the outputs this job already stored are deleted again
(they would be uncatalogued files: the job is reported failed); any that cannot be deleted
are named in the error, so that nothing is left on storage without a record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gasp.runner.checks import CheckedOutput
from gasp.runner.errors import UploadFailed
from gasp.runner.spec import OutputReport
from gasp.storage import StorageElement, StorageError, StoredFile
from gasp.storage.transfer import delete

Say = Callable[[str], None]


def store_outputs(
    outputs: Sequence[CheckedOutput],
    primary: StorageElement,
    failover: StorageElement | None,
    say: Say,
) -> list[OutputReport]:
    """Upload every output; their report entries, or ``UploadFailed`` with nothing left."""
    elements = [primary] + ([failover] if failover is not None else [])
    stored: list[StoredFile] = []
    reports = []
    try:
        for output in outputs:
            element, copy = _store_one(output, elements, say)
            stored.append(copy)
            reports.append(
                OutputReport(
                    data_type=output.spec.data_type,
                    name=output.spec.name,
                    lfn=output.spec.lfn,
                    size=copy.size,
                    adler32=copy.adler32,
                    events=output.events,
                    se=element.name,
                    url=copy.url,
                )
            )
    except UploadFailed as exc:
        left = _remove(stored, say)
        if left:
            raise UploadFailed(f"{exc}; left on storage: {', '.join(left)}") from exc
        raise
    return reports


def _store_one(
    output: CheckedOutput, elements: list[StorageElement], say: Say
) -> tuple[StorageElement, StoredFile]:
    """Try the elements in order; the ones that fail are dropped for the rest of the job."""
    errors = []
    while elements:
        element = elements[0]
        say(f"uploading {output.spec.local_name} to {element.name}: {output.spec.lfn}")
        try:
            copy = element.upload(output.path, output.spec.lfn)
        except StorageError as exc:
            say(f"upload to {element.name} failed: {exc}")
            errors.append(f"{element.name}: {exc}")
            elements.pop(0)
            continue
        say(f"stored {copy.url} ({copy.size} bytes, adler32 {copy.adler32})")
        return element, copy
    raise UploadFailed(f"output {output.spec.local_name} could not be stored: {'; '.join(errors)}")


def _remove(stored: Sequence[StoredFile], say: Say) -> list[str]:
    """Delete what this job stored; the URLs that could not be deleted."""
    left = []
    for copy in stored:
        try:
            delete(copy.url)
            say(f"removed {copy.url}: the job failed, it will not be catalogued")
        except StorageError as exc:
            say(f"could not remove {copy.url}: {exc}")
            left.append(copy.url)
    return left


__all__ = ["store_outputs"]
