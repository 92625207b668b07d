"""The design documents of gasp's databases, as JavaScript files.

Each folder is one design document (``_design/<folder>``): ``<view>.map.js`` holds the map
function CouchDB runs natively and the embedded backend runs in QuickJS; ``<view>.reduce``
names a built-in reduce. Production and processing databases carry the same views.

Views are split by what they serve, so that changing one does not make CouchDB rebuild the
others, and so that a write re-maps only the views read on its path: ``queue`` (waiting
passes in the order of each queue policy), ``passes`` (status counts, labels, sites),
``jobs`` (run numbers per module) and ``data`` (the catalogue of output files).
"""

from __future__ import annotations

from pathlib import Path

from gasp.store.design import design_document_from_folder
from gasp.store.protocol import Document

VIEWS_FOLDER = Path(__file__).parent


def design_documents() -> list[Document]:
    """Every design document gasp's databases need, read from the package's folders."""
    return [
        design_document_from_folder(folder)
        for folder in sorted(VIEWS_FOLDER.iterdir())
        if folder.is_dir() and any(folder.glob("*.map.js"))
    ]
