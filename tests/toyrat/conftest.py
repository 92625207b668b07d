"""Fixtures for the toyrat tests: the shipped release, filled macros, in-process runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from gasp.toyrat import main
from gasp.toyrat.release import release_dir
from tests.toyrat.helpers import MacroMaker, Result, Toyrat, fill_template


@pytest.fixture(autouse=True)
def quiet_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No failures on demand and no CPU cost unless a test asks: fast, independent tests."""
    monkeypatch.setenv("TOYRAT_MS_PER_EVENT", "0")
    monkeypatch.delenv("TOYRAT_FAIL", raising=False)
    monkeypatch.delenv("TOYRAT_FAIL_ONCE", raising=False)


@pytest.fixture
def release() -> Path:
    return release_dir()


@pytest.fixture
def toyrat(capsys: pytest.CaptureFixture[str]) -> Toyrat:
    """Run ``toyrat ARGS...`` in this process and capture what it printed."""

    def run(*args: object) -> Result:
        capsys.readouterr()
        status = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return run


@pytest.fixture
def macro(release: Path, tmp_path: Path) -> MacroMaker:
    """A release macro copied into the test folder with its templates filled."""

    def make(relative: str, **values: object) -> Path:
        source = release / relative
        target = tmp_path / "macros" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(fill_template(source.read_text("utf-8"), values), "utf-8")
        return target

    return make
