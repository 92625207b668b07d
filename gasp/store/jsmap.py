"""CouchDB map functions, run in an embedded JavaScript engine (QuickJS).

The views are defined once, as the JavaScript that CouchDB runs natively; the embedded
backend runs that very source here, so the two backends cannot disagree on what a view
emits. Documents go in as one JSON array per batch and the emitted rows come back as one
JSON string, which keeps the Python/JavaScript crossing to one call per batch rather than
one per document or per emitted row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import quickjs

from gasp.errors import StoreRefused
from gasp.store import jsontext

# CouchDB's query server gives map functions emit(), log(), sum(), isArray() and toJSON().
# A map function that throws on a document emits nothing for that document, as in CouchDB.
_PRELUDE = """
var __maps = [];
var __rows = null;
var __view = 0;
function emit(key, value) {
  __rows.push([__view, key === undefined ? null : key, value === undefined ? null : value]);
}
function log(message) {}
function sum(values) {
  var s = 0;
  for (var i = 0; i < values.length; i++) s += values[i];
  return s;
}
function isArray(value) { return Array.isArray(value); }
function toJSON(value) { return JSON.stringify(value); }
function __map_batch(text) {
  var docs = JSON.parse(text);
  var out = [];
  for (var d = 0; d < docs.length; d++) {
    __rows = [];
    for (__view = 0; __view < __maps.length; __view++) {
      try { __maps[__view](docs[d]); } catch (e) { }
    }
    out.push(__rows);
  }
  __rows = null;
  return JSON.stringify(out);
}
"""

# One emitted row: (view name, key, value).
Emitted = tuple[str, Any, Any]


class MapEngine:
    """The map functions of one design document, compiled once and run over batches."""

    def __init__(self, ddoc_id: str, maps: Mapping[str, str], *, time_limit_s: float = 60.0):
        self._names = list(maps)
        self._context = quickjs.Context()
        self._context.set_time_limit(time_limit_s)
        self._context.eval(_PRELUDE)
        for name, source in maps.items():
            try:
                self._context.eval(f"__maps.push(({source}));")
            except quickjs.JSException as exc:
                raise StoreRefused(
                    f"{ddoc_id}: map function of view {name!r} does not compile: {exc}"
                ) from exc
        self._map_batch = self._context.get("__map_batch")

    def map_json(self, doc_texts: Sequence[str]) -> list[list[Emitted]]:
        """Rows emitted by each document, given the documents as JSON texts."""
        if not doc_texts:
            return []
        try:
            result = self._map_batch("[" + ",".join(doc_texts) + "]")
        except quickjs.JSException as exc:  # time or memory limit: a broken view, not a doc
            raise StoreRefused(f"map functions failed: {exc}") from exc
        return [
            [(self._names[view], key, value) for view, key, value in rows]
            for rows in jsontext.parse(result)
        ]

    def map_docs(self, docs: Sequence[Mapping[str, Any]]) -> list[list[Emitted]]:
        """Rows emitted by each document."""
        return self.map_json([jsontext.compact(doc) for doc in docs])
