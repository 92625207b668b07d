"""Staging inputs (processing): download with checksum check, or pass a URL to stream.

A downloaded input lands in the work folder under its name, verified against the size and
adler32 the catalogue recorded; a partial download left by an earlier attempt in the same
folder is resumed. A streamed input is handed to the application as it is (a local path
when the storage is a local disk); it is only checked to exist with the recorded size,
since hashing it would read it twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from gasp.runner.errors import StagingError
from gasp.runner.spec import InputSpec
from gasp.storage import StorageError
from gasp.storage.access import access_for
from gasp.storage.transfer import download, stat

Say = Callable[[str], None]


def stage_inputs(inputs: Sequence[InputSpec], workdir: Path, say: Say) -> list[str]:
    """What to pass with ``-i``, one entry per input, in order."""
    staged = []
    for item in inputs:
        try:
            staged.append(_stream(item) if item.stream else _download(item, workdir, say))
        except StorageError as exc:
            raise StagingError(f"input {item.name}: {exc}") from exc
    return staged


def _download(item: InputSpec, workdir: Path, say: Say) -> str:
    if item.adler32 is None:
        say(f"input {item.name}: no adler32 recorded, the copy cannot be verified")
    copy = download(item.url, workdir / item.name, item.size, item.adler32)
    if copy.already_present:
        how = "already here"
    elif copy.resumed_from:
        how = f"downloaded, resumed at byte {copy.resumed_from}"
    else:
        how = "downloaded"
    say(f"input {item.name}: {how}, {copy.size} bytes, adler32 {copy.adler32}")
    return str(copy.path.resolve())


def _stream(item: InputSpec) -> str:
    size = stat(item.url)
    if size is None:
        raise StagingError(f"input {item.name}: {item.url}: no such file to stream")
    if item.size is not None and size != item.size:
        raise StagingError(
            f"input {item.name}: {item.url} has {size} bytes, the catalogue says {item.size}"
        )
    access, path = access_for(item.url)
    return access.local_path(path) or item.url


def remove_staged(inputs: Sequence[InputSpec], workdir: Path) -> None:
    """Delete downloaded inputs once the job is done with them (worker disks are small)."""
    for item in inputs:
        if not item.stream:
            (workdir / item.name).unlink(missing_ok=True)


__all__ = ["remove_staged", "stage_inputs"]
