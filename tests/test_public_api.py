"""The public names of the layers other code builds on are pinned: changing them is deliberate."""

from __future__ import annotations

import gasp.errors
import gasp.store


def test_store_exports() -> None:
    assert sorted(gasp.store.__all__) == [
        "BulkResult",
        "Change",
        "ChangesPage",
        "Database",
        "DatabaseInfo",
        "Document",
        "Server",
        "UNSET",
        "ViewQuery",
        "ViewRow",
        "open_server",
    ]


def test_error_tree() -> None:
    assert sorted(gasp.errors.__all__) == [
        "ConfigError",
        "Conflict",
        "GaspError",
        "InputError",
        "NotFound",
        "StoreAuthError",
        "StoreError",
        "StoreRefused",
        "StoreUnavailable",
    ]
    for name in gasp.errors.__all__:
        assert issubclass(getattr(gasp.errors, name), gasp.errors.GaspError)
    for name in ("Conflict", "NotFound", "StoreUnavailable", "StoreAuthError", "StoreRefused"):
        assert issubclass(getattr(gasp.errors, name), gasp.errors.StoreError)
