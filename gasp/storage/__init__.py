"""Storage elements: where job outputs and raw data live, and verified copies to and from them.

A storage element is a name and a URL prefix; every access goes through fsspec behind one
adapter (``access``), so ``file://`` and ``root://`` (XRootD, through ``fsspec-xrootd``)
are handled by the same code. Every copy computes adler32 on the fly, checks the copy, and
publishes it under its final name only once it is verified.

This layer knows files, URLs and checksums. It knows nothing of jobs, passes or the
document store: the runner, the client and the grabber all use it, and it must stay
importable on a worker node.

Modules: ``adler32`` (checksums), ``errors``, ``access`` (the fsspec adapter and its
factory) with ``xrootd`` (what XRootD needs beyond fsspec), ``transfer`` (upload,
download, verify, ... on URLs) and ``element`` (``StorageElement``).
"""

from gasp.storage.adler32 import Adler32, adler32_of, file_adler32
from gasp.storage.element import StorageElement, check_lfn
from gasp.storage.errors import (
    ChecksumMismatch,
    MissingReplica,
    ReplicaConflict,
    StorageError,
    TransferError,
)
from gasp.storage.transfer import Downloaded, StoredFile, is_temporary

__all__ = [
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
