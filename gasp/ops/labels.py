"""``gasp labels add|remove``: a campaign label on passes, and on their data documents.

A label groups passes into a campaign (``--label``, ``gasp summary``, ``gasp exactly``)
and data documents into what is downloaded by label (``data/by_label``). Both must say
the same thing, so the command changes the passes (``label_edit``, through the shared
bulk edit of ``gasp.ops.apply``) and then makes their data documents agree with them
(``label_data_documents``).

**Where labels live.** A pass's own ``labels`` is the truth; the job document's
``labels`` is kept as the union of its passes' labels, in first-seen order (what
submission writes, ``gasp.model.job.add_labels``), recomputed at every change, so a
label removed from the last pass that had it leaves the job too. The views fall back to
the job's labels for a pass without a ``labels`` field (documents written before passes
carried them): before such a job is changed, each of its passes gets its effective labels
written out, so what the views see of the passes left alone does not move.

**Crash safety.** A data document carries the label exactly when its pass does, and the
second step only ever copies that fact from the pass as it is now. Killed between the two
steps, the command run again finds the passes already done (nothing to change there) and
still brings the data documents in line. A removal selected by the same label
(``gasp labels remove X --label X``) selects no pass on the rerun, so it also looks at the
data documents still carrying the label (``data/by_label``) and fixes those whose pass no
longer has it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gasp.errors import InputError
from gasp.model.documents import DataDocument, JobDocument, PassDocument, stored
from gasp.ops.apply import OperatorEdit
from gasp.passes.outputs import data_key, pages, read_data_documents, read_passes
from gasp.passes.selection import PassKey
from gasp.progress_protocol import Progress, silent
from gasp.store import Database
from gasp.values import check_name

MAX_ROUNDS = 20  # re-reads of a data document that keeps conflicting


def check_label(text: str) -> str:
    """A label as every other door takes it (``gasp.values.check_name``)."""
    try:
        return check_name(text)
    except ValueError as exc:
        raise InputError(f"label: {exc}") from None


def pass_labels(job: JobDocument, pass_doc: PassDocument) -> list[str]:
    """The labels a pass carries as the views see them (its own, else its job's)."""
    return pass_doc["labels"] if "labels" in pass_doc else job.get("labels", [])


def label_edit(label: str, *, add: bool) -> OperatorEdit:
    """The edit of one selected pass: add or remove ``label``; the job's union follows."""

    def edit(job: JobDocument, pass_doc: PassDocument) -> bool:
        current = pass_labels(job, pass_doc)
        if (label in current) == add:
            return False
        for other in job.get("passes", []):  # effective labels written out, see above
            if "labels" not in other:
                other["labels"] = list(job.get("labels", []))
        pass_doc["labels"] = [*current, label] if add else [x for x in current if x != label]
        union: list[str] = []
        for other in job.get("passes", []):
            union.extend(x for x in other.get("labels", []) if x not in union)
        job["labels"] = union
        return True

    return edit


@dataclass
class DataLabels:
    """What the second step did (or, in a dry run, would do) to data documents."""

    changed: int = 0
    failed: list[str] = field(default_factory=list)  # ids that kept conflicting


def label_data_documents(
    db: Database,
    keys: Sequence[PassKey],
    label: str,
    *,
    add: bool,
    dry_run: bool = False,
    progress: Progress = silent,
) -> DataLabels:
    """Make the data documents of ``keys`` carry ``label`` exactly when their pass does.

    With ``dry_run`` nothing is written and every pass of ``keys`` is taken as already
    changed (the plan of the first step was not applied): the count is what the command
    would change. A removal also takes the passes of the data documents that carry the
    label (see the module docstring).
    """
    scope = list(dict.fromkeys(keys))
    selected = set(scope)
    if not add:
        rows = db.view("data", "by_label", startkey=[label], endkey=[label, {}], reduce=False)
        seen = set(scope)
        for row in rows:
            key: PassKey = (str(row.key[2]), int(row.key[3]), int(row.key[4]))
            if key not in seen:
                seen.add(key)
                scope.append(key)
    outcome = DataLabels()
    with progress("labelling data documents", len(scope)) as advance:
        for page in pages(scope):
            found = read_passes(db, page)
            wanted = {
                key: add if dry_run and key in selected else label in pass_labels(*found[key])
                for key in page
                if key in found
            }
            _label_page(db, page, wanted, label, dry_run, outcome)
            advance(len(page))
    return outcome


def _label_page(
    db: Database,
    page: Sequence[PassKey],
    wanted: dict[PassKey, bool],
    label: str,
    dry_run: bool,
    outcome: DataLabels,
) -> None:
    pending = [doc for doc in read_data_documents(db, page) if _relabel(doc, wanted, label)]
    if dry_run:
        outcome.changed += len(pending)
        return
    for _ in range(MAX_ROUNDS):
        if not pending:
            return
        results = db.bulk([stored(doc) for doc in pending])
        outcome.changed += sum(1 for r in results if r.ok)
        conflicted = {r.id for r in results if not r.ok}
        keys = [data_key(doc) for doc in pending if doc["_id"] in conflicted]
        pending = [
            doc
            for doc in read_data_documents(db, keys)
            if doc["_id"] in conflicted and _relabel(doc, wanted, label)
        ]
    outcome.failed.extend(doc["_id"] for doc in pending)


def _relabel(doc: DataDocument, wanted: dict[PassKey, bool], label: str) -> bool:
    """Give the document the label or take it away, as its pass has it; True if changed."""
    carry = wanted.get(data_key(doc))
    labels = doc.get("labels", [])
    if carry is None or (label in labels) == carry:
        return False
    doc["labels"] = [*labels, label] if carry else [x for x in labels if x != label]
    return True


__all__ = [
    "DataLabels",
    "check_label",
    "label_data_documents",
    "label_edit",
    "pass_labels",
]
