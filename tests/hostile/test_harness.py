"""The harness itself: it must see a write when there is one, or every other test here is void."""

from __future__ import annotations

import shutil

import pytest

from tests.hostile.conftest import FIXTURES
from tests.hostile.harness import HostileSite, assert_unchanged


def test_a_real_submission_is_seen_as_a_change(site: HostileSite) -> None:
    shutil.copy(FIXTURES / "time_mode.json", site.folder / "time_mode.json")
    before = site.snapshot()
    result = site.gasp("submit", "production", "time_mode.json", "-o", "out.exactly")
    assert result.returncode == 0, result.stderr
    with pytest.raises(AssertionError, match="database"):
        assert_unchanged(before, site.snapshot())


def test_a_new_file_is_seen_as_a_change(site: HostileSite) -> None:
    before = site.snapshot()
    (site.storage / "dark.root").write_bytes(b"x")
    with pytest.raises(AssertionError, match=r"dark\.root"):
        assert_unchanged(before, site.snapshot())


def test_malformed_request_is_refused_with_nothing_written(site: HostileSite) -> None:
    (site.folder / "bad.json").write_text('{"rat_v": "1.0.0", "modules": [}')
    site.refuses("submit", "production", "bad.json", mentions=["bad.json", "line 1"])
