"""A production campaign on the backend under test, and site configurations for clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.campaign import Campaign, open_campaign

__all__ = ["SMALL_REQUEST", "Campaign"]


@pytest.fixture
def campaign(store_url: str, tmp_path: Path) -> Iterator[Campaign]:
    with open_campaign(store_url, tmp_path) as opened:
        yield opened


SMALL_REQUEST: dict[str, Any] = {
    "rat_v": "1.0.0",
    "modules": [
        {
            "module": "WaterPmtBetagammas",
            "n_ev": 300,
            "ev_per_run": 100,
            "template": {"radius": 7000},
            "label": "T1",
        },
        {
            "module": "WaterN16SourceRun",
            "n_ev": 200,
            "ev_per_run": 100,
            "run_numbers": [100151],
            "label": "T1",
        },
    ],
}
