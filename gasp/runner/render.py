"""Filling a macro's ``${field}`` templates from the specification, before anything runs.

Templates appear on command lines only (the catalogue's rule, see the toyrat release
README); comment lines are copied as they are, so a ``${...}`` in a comment neither needs
a value nor gets one. A field the specification does not fill is an error naming every
such field and its line, raised before inputs are staged or the application started:
a job that cannot run should fail in a second, not after an hour of downloads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from gasp.runner.errors import TemplateError

TEMPLATE = re.compile(r"\$\{([^}]*)\}")
Value = str | int | float


def render(text: str, values: Mapping[str, Value], source: str = "macro") -> str:
    """``text`` with every template on a command line filled from ``values``."""
    missing: dict[str, list[int]] = {}
    lines = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if line.lstrip().startswith("#"):
            lines.append(line)
            continue
        for field in TEMPLATE.findall(line):
            if field not in values:
                missing.setdefault(field, []).append(number)
        lines.append(TEMPLATE.sub(lambda m: str(values.get(m.group(1), m.group(0))), line))
    if missing:
        where = ", ".join(
            f"${{{field}}} (line {', '.join(map(str, numbers))})"
            for field, numbers in missing.items()
        )
        raise TemplateError(f"{source}: the template does not fill {where}")
    return "".join(lines)


def render_macro(release_dir: Path, macro: str, values: Mapping[str, Value], workdir: Path) -> Path:
    """Render ``<release_dir>/<macro>`` into the work folder; the rendered file's path."""
    source = release_dir / macro
    try:
        text = source.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"cannot read the macro {source}: {exc}") from exc
    rendered = workdir / source.name
    rendered.write_text(render(text, values, macro), "utf-8")
    return rendered


__all__ = ["TEMPLATE", "render", "render_macro"]
