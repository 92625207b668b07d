"""Where a grabbed file goes on the local disk, and what a copy already there is worth.

``-o DIR`` keeps the catalogue's logical folders (``DIR/production/<module>/...``);
``--flat`` puts every file in ``DIR`` itself, which two files of the same name would
collide in: that is refused before anything is fetched.

A file already at its place is judged against the catalogue:

* a different size: not the catalogued file; it is replaced;
* the right size, written after the file was catalogued (its modification time is later
  than the entry's ``catalogued`` time): taken as the file without reading it (the fast
  path: a second grab of a campaign touches no byte);
* otherwise (or always with ``--verify``): read and hashed; kept if its adler32 matches,
  replaced if not.

A partial copy (``.<name>.part``, left by an interrupted grab) is not judged here: the
download continues it and checks the whole.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from gasp.errors import InputError
from gasp.grab.wanted import WantedFile
from gasp.storage.adler32 import file_adler32


class Present(Enum):
    """What a local file at a wanted file's place is."""

    ABSENT = "absent"
    SAME_SIZE_NEWER = "kept: size matches, written after it was catalogued"
    VERIFIED = "kept: adler32 matches"
    DIFFERENT = "replaced: it differs from the catalogued file"


@dataclass(frozen=True)
class Placement:
    """How files are laid out below the output folder."""

    root: Path
    flat: bool = False

    def target(self, wanted: WantedFile) -> Path:
        return self.root / (wanted.name if self.flat else wanted.lfn)


def check_placement(placement: Placement, files: Sequence[WantedFile]) -> None:
    """Refuse a layout in which two different files would land on one path."""
    targets = Counter(placement.target(f) for f in {f.lfn: f for f in files}.values())
    clashes = sorted(str(path.name) for path, count in targets.items() if count > 1)
    if clashes:
        shown = ", ".join(clashes[:5]) + (
            f" and {len(clashes) - 5} more" if len(clashes) > 5 else ""
        )
        raise InputError(
            f"--flat: {len(clashes)} file names occur more than once ({shown}); "
            "drop --flat to keep the logical folders"
        )


def judge(path: Path, wanted: WantedFile, verify: bool) -> Present:
    """What the local file at ``path`` is, as the module docstring says."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return Present.ABSENT
    if info.st_size != wanted.size:
        return Present.DIFFERENT
    if not verify and wanted.catalogued is not None:
        written = datetime.fromtimestamp(info.st_mtime, UTC)
        if written > wanted.catalogued:
            return Present.SAME_SIZE_NEWER
    _size, adler32 = file_adler32(path)
    return Present.VERIFIED if adler32 == wanted.adler32 else Present.DIFFERENT


__all__ = ["Placement", "Present", "check_placement", "judge"]
