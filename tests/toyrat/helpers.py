"""Helpers shared by the toyrat tests: filling templates and reading ROOT files back."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uproot

TEMPLATE = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class Result:
    """What one toyrat run returned and printed."""

    status: int
    out: str
    err: str


Toyrat = Callable[..., Result]
MacroMaker = Callable[..., Path]


def fill_template(text: str, values: Mapping[str, object]) -> str:
    """Fill ``${field}`` as gasp's runner does; unknown fields stay for toyrat to refuse."""
    return TEMPLATE.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text
    )


def read_tree(path: Path, tree: str) -> dict[str, Any]:
    with uproot.open(path) as file:
        arrays: dict[str, Any] = file[tree].arrays(library="np")
    return arrays


def entries(path: Path, tree: str) -> int:
    with uproot.open(path) as file:
        return int(file[tree].num_entries)


def branches(path: Path, tree: str) -> set[str]:
    with uproot.open(path) as file:
        return set(file[tree].keys())


def visible_files(folder: Path) -> list[str]:
    """File names a glob for outputs would see (hidden temporary files excluded)."""
    return sorted(path.name for path in folder.iterdir() if not path.name.startswith("."))


def hidden_files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))
