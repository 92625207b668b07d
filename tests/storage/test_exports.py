"""The storage layer's public names are pinned: changing them is deliberate."""

from __future__ import annotations

import gasp.storage
import gasp.storage.errors
from gasp.errors import GaspError


def test_storage_exports() -> None:
    assert sorted(gasp.storage.__all__) == [
        "Adler32",
        "ChecksumMismatch",
        "Downloaded",
        "MissingReplica",
        "ReplicaConflict",
        "StorageElement",
        "StorageError",
        "StoredFile",
        "TransferError",
        "adler32_of",
        "check_lfn",
        "file_adler32",
        "is_temporary",
    ]


def test_storage_errors_are_gasp_errors() -> None:
    for name in gasp.storage.errors.__all__:
        error = getattr(gasp.storage.errors, name)
        assert issubclass(error, gasp.storage.errors.StorageError)
        assert issubclass(error, GaspError)
