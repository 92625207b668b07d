"""``gasp summary`` on a campaign a real client ran, on both stores: its figures are the
documents' own, and it reads views, never a document."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from gasp.ops.summary import Summary, SummaryBy, summarise
from gasp.passes.selection import Selection, SelectionOptions, make_selection
from gasp.store import BulkResult, ChangesPage, Database, DatabaseInfo, ViewQuery, ViewRow
from gasp.store.protocol import Document, Seq
from tests.campaign import Campaign
from tests.ops.conftest import LABEL, Finished


class Watched(Database):
    """A real database that notes what is read of it: views (with their options) and any
    document (``get``, ``get_many``, ``all_docs``, ``changes``)."""

    def __init__(self, inner: Database) -> None:
        self.inner = inner
        self.name = inner.name
        self.views: list[tuple[str, str, ViewQuery]] = []
        self.bulk_reads: list[int] = []  # ids asked by each get_many
        self.document_reads = 0

    def get(self, doc_id: str) -> Document:
        self.document_reads += 1
        return self.inner.get(doc_id)

    def get_many(self, doc_ids: Sequence[str]) -> list[Document | None]:
        self.document_reads += 1
        self.bulk_reads.append(len(doc_ids))
        return self.inner.get_many(doc_ids)

    def put(self, doc: Document) -> str:
        return self.inner.put(doc)

    def delete(self, doc_id: str, rev: str) -> str:
        return self.inner.delete(doc_id, rev)

    def bulk(self, docs: Sequence[Document]) -> list[BulkResult]:
        return self.inner.bulk(docs)

    def query_view(self, ddoc: str, name: str, query: ViewQuery) -> Iterator[ViewRow]:
        self.views.append((ddoc, name, query))
        return self.inner.query_view(ddoc, name, query)

    def all_docs(
        self, *, startkey: str | None = None, endkey: str | None = None, include_docs: bool = False
    ) -> Iterator[ViewRow]:
        self.document_reads += 1
        return self.inner.all_docs(startkey=startkey, endkey=endkey, include_docs=include_docs)

    def changes(
        self, since: Seq = 0, *, limit: int | None = None, include_docs: bool = False
    ) -> ChangesPage:
        self.document_reads += 1
        return self.inner.changes(since, limit=limit, include_docs=include_docs)

    def put_attachment(
        self, doc_id: str, rev: str, name: str, data: bytes, content_type: str
    ) -> str:
        return self.inner.put_attachment(doc_id, rev, name, data, content_type)

    def get_attachment(self, doc_id: str, name: str) -> bytes:
        self.document_reads += 1
        return self.inner.get_attachment(doc_id, name)

    def info(self) -> DatabaseInfo:
        return self.inner.info()


def expected_counts(
    passes: dict[tuple[str, int, int], dict[str, Any]], selection: Selection, by: SummaryBy
) -> Counter[tuple[str | int, str]]:
    """The summary worked out from the documents themselves."""
    last: dict[tuple[str, int], int] = {}
    for module, run, number in passes:
        last[(module, run)] = max(last.get((module, run), 0), number)
    counts: Counter[tuple[str | int, str]] = Counter()
    for (module, run, number), pass_doc in passes.items():
        if selection.label is not None and selection.label not in pass_doc.get("labels", []):
            continue
        if selection.exactly is not None and (module, run, number) not in selection.exactly:
            continue
        if selection.matches(module, run, pass_doc, last[(module, run)]):  # type: ignore[arg-type]
            counts[(module if by == "module" else run, pass_doc["status"])] += 1
    return counts


def table_counts(summary: Summary) -> Counter[tuple[str | int, str]]:
    return Counter({(row, s): n for row, line in summary.counts.items() for s, n in line.items()})


def test_summary_matches_the_documents_and_reads_only_views(finished: Finished) -> None:
    campaign = finished.campaign
    passes = campaign.passes()
    result = campaign.gasp("summary", "--label", LABEL, "--json")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["source"] == "ops/label_status (reduced)"
    assert shown["statuses"] == ["completed", "partFail", "failed"]  # the state table's order
    assert {row["key"]: row["counts"] for row in shown["rows"]} == {
        "ScintBi214": {"completed": 0, "partFail": 0, "failed": 1},
        "WaterN16SourceRun": {"completed": 0, "partFail": 1, "failed": 0},
        "WaterPmtBetagammas": {"completed": 3, "partFail": 0, "failed": 0},
    }
    assert shown["totals"] == {"completed": 3, "partFail": 1, "failed": 1}
    assert shown["total"] == len(passes) == 5
    table = campaign.gasp("summary", "--label", LABEL)
    assert table.returncode == 0 and "WaterPmtBetagammas" in table.stdout
    assert "total" in table.stdout and "label_status" in table.stdout

    request = passes[finished.completed[0]]["request"]
    part_run = finished.part_failed[1]
    cases: list[tuple[SelectionOptions, SummaryBy, str]] = [
        (SelectionOptions(label=LABEL, statuses=["failed,partFail"]), "module", "label_status"),
        (SelectionOptions(), "module", "by_status"),
        (SelectionOptions(modules=["Water*"]), "module", "by_version"),
        (SelectionOptions(version="1.0.0", statuses=["completed"]), "module", "by_version"),
        (SelectionOptions(request=request), "module", "request_status"),
        (SelectionOptions(), "run", "run_status"),
        (SelectionOptions(runrange=(part_run, part_run)), "run", "run_status"),
        (SelectionOptions(modules=["*"], runs=[part_run]), "module", "by_module"),
        (SelectionOptions(label=LABEL, last_pass=True), "module", "by_module"),
        (SelectionOptions(label=LABEL, pass_number=1), "run", "by_module"),
    ]
    for options, by, source in cases:
        watched = Watched(campaign.db)
        selection = make_selection(options)
        summary = summarise(watched, selection, by=by)
        assert source in summary.source, (options, summary.source)
        assert table_counts(summary) == expected_counts(passes, selection, by), options
        assert summary.total() == sum(summary.totals().values()) > 0
        assert watched.document_reads == 0, options
        assert watched.views and not any(q.include_docs for _, _, q in watched.views)
        if "reduced" in summary.source:
            assert all(q.reduce for _, _, q in watched.views), options


def test_summary_of_nothing_and_bad_input(campaign: Campaign) -> None:
    empty = campaign.gasp("summary", "--label", "nobody")
    assert empty.returncode == 0 and "no passes" in empty.stdout
    bad = campaign.gasp("summary", "--status", "finished", "--by", "run")
    assert bad.returncode == 2 and "--status" in bad.stderr and "'finished'" in bad.stderr
    missing = campaign.gasp(
        "summary", "--request", "20260101-000000-abcdef", "--kind", "production"
    )
    assert missing.returncode == 2 and "--request" in missing.stderr
