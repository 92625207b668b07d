"""Design documents: views kept as JavaScript files in the repository.

A design folder holds ``<view>.map.js`` and, for views with a reduce, ``<view>.reduce``
(the name of a built-in reduce). The same folder becomes the ``_design/<folder name>``
document that CouchDB indexes natively and that the embedded backend runs in QuickJS.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gasp.errors import Conflict, NotFound, StoreRefused
from gasp.store.protocol import Database, Document
from gasp.store.reduce import check_reduce

DESIGN_PREFIX = "_design/"


@dataclass(frozen=True)
class ViewSource:
    """One view's map source and optional built-in reduce."""

    map: str
    reduce: str | None = None


def design_document_from_folder(folder: Path) -> Document:
    """The design document ``_design/<folder name>`` built from a folder of view files."""
    views: dict[str, dict[str, str]] = {}
    for map_file in sorted(folder.glob("*.map.js")):
        name = map_file.name.removesuffix(".map.js")
        view: dict[str, str] = {"map": _code_only(map_file.read_text(encoding="utf-8"))}
        reduce_file = folder / f"{name}.reduce"
        if reduce_file.exists():
            view["reduce"] = check_reduce(folder.name, name, reduce_file.read_text())
        views[name] = view
    if not views:
        raise StoreRefused(f"design folder {folder} holds no *.map.js file")
    return {"_id": DESIGN_PREFIX + folder.name, "language": "javascript", "views": views}


def _code_only(source: str) -> str:
    """The map source without its leading ``//`` comment lines.

    The comments explain the view to readers of the repository; some query servers do not
    accept a function source that does not start with ``function``.
    """
    lines = source.strip().splitlines()
    while lines and lines[0].lstrip().startswith("//"):
        lines.pop(0)
    return "\n".join(lines).strip()


def view_sources(ddoc: Document) -> dict[str, ViewSource]:
    """The views of a design document, checked: JavaScript maps and built-in reduces."""
    ddoc_id = str(ddoc.get("_id", "?"))
    language = ddoc.get("language", "javascript")
    if language != "javascript":
        raise StoreRefused(f"{ddoc_id}: language {language!r} is not supported")
    views = ddoc.get("views")
    if not isinstance(views, dict):
        raise StoreRefused(f"{ddoc_id}: 'views' must be an object")
    sources: dict[str, ViewSource] = {}
    for name, view in views.items():
        if not isinstance(view, dict) or not isinstance(view.get("map"), str):
            raise StoreRefused(f"{ddoc_id}: view {name!r} has no map function")
        reduce = view.get("reduce")
        if reduce is not None:
            reduce = check_reduce(ddoc_id, name, str(reduce))
        sources[name] = ViewSource(map=view["map"], reduce=reduce)
    return sources


def push_design_documents(db: Database, ddocs: Iterable[Document]) -> list[str]:
    """Create or update design documents whose views differ; returns the ids written.

    Unchanged design documents are left alone, so that pushing twice does not make CouchDB
    rebuild every index.
    """
    written: list[str] = []
    for ddoc in ddocs:
        wanted = {k: v for k, v in ddoc.items() if not k.startswith("_")}
        for _attempt in range(5):
            try:
                current: dict[str, Any] | None = db.get(ddoc["_id"])
            except NotFound:
                current = None
            if current is not None:
                if {k: v for k, v in current.items() if not k.startswith("_")} == wanted:
                    break
                wanted_doc = {**wanted, "_id": ddoc["_id"], "_rev": current["_rev"]}
            else:
                wanted_doc = {**wanted, "_id": ddoc["_id"]}
            try:
                db.put(wanted_doc)
            except Conflict:
                continue  # another site pushed at the same moment: look again
            written.append(ddoc["_id"])
            break
    return written
