"""The runner keeps its own copy of the documents' value types; they must not drift.

``gasp.runner`` may not import ``gasp.model`` (a worker node loads nothing of the site side),
so ``gasp/runner/spec.py`` spells ``DataType``, ``EventMode`` and the kinds again. The client
writes the documents' values into specifications and reads the runner's back from reports:
a value one side knows and the other refuses would fail jobs only at run time.
"""

from __future__ import annotations

from typing import get_args

from gasp.catalog import model as catalog
from gasp.model import documents
from gasp.runner import spec


def test_the_runner_knows_the_same_data_types_and_event_modes_as_the_documents() -> None:
    assert get_args(spec.DataType) == get_args(documents.DataType)
    assert get_args(spec.EventMode) == get_args(documents.EventMode)


def test_the_runner_knows_the_same_kinds_as_the_documents() -> None:
    kind = spec.JobSpec.model_fields["kind"].annotation
    assert get_args(kind) == get_args(documents.Kind)


def test_the_catalogue_uses_the_documents_types_themselves() -> None:
    assert catalog.DataType is documents.DataType
    assert catalog.EventMode is documents.EventMode
