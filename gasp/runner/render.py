"""Filling a macro's ``${field}`` templates from the specification, before anything runs.

Templates appear on command lines only (the catalogue's rule, see the toyrat release
README); comment lines are copied as they are, so a ``${...}`` in a comment neither needs
a value nor gets one. A field the specification does not fill is an error naming every
such field and its line, raised before inputs are staged or the application started:
a job that cannot run should fail in a second, not after an hour of downloads.

The macro is read only from inside the release: ``macro_source`` resolves it (symbolic
links included) and refuses a path that leads elsewhere, so that a specification cannot
have the runner copy and run ``/etc/hostname`` or a file beside the release.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from gasp.runner.errors import SpecError, TemplateError

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


def macro_source(release_dir: Path, macro: str) -> Path:
    """``<release_dir>/<macro>`` resolved, or ``SpecError`` if it leads out of the release.

    ``macro`` is already a relative path without ``..`` (the specification's schema); this
    also follows symbolic links, in the release's folders or the macro itself.
    """
    try:
        release = release_dir.resolve()
        source = (release_dir / macro).resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symbolic link loop
        raise SpecError(f"application.macro: {macro!r} cannot be resolved: {exc}") from exc
    if source == release or not source.is_relative_to(release):
        raise SpecError(
            f"application.macro: {macro!r} leads to {source}, outside the release {release}"
        )
    return source


def render_macro(release_dir: Path, macro: str, values: Mapping[str, Value], workdir: Path) -> Path:
    """Render ``<release_dir>/<macro>`` into the work folder; the rendered file's path."""
    source = macro_source(release_dir, macro)
    try:
        text = source.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"cannot read the macro {release_dir / macro}: {exc}") from exc
    rendered = workdir / Path(macro).name
    rendered.write_text(render(text, values, macro), "utf-8")
    return rendered


__all__ = ["TEMPLATE", "macro_source", "render", "render_macro"]
