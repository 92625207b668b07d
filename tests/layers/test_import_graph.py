"""The import graph of the whole package follows the layer order of docs/architecture.md.

Every ``import`` in ``gasp/`` is read with ``ast`` (lazy imports inside functions count:
they run too), mapped to the layers of both ends, and checked against what the importing
layer may use. An upward import fails here, in CI, before it becomes a habit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import gasp

PACKAGE = Path(gasp.__file__).resolve().parent
ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.md"

FOUNDATION = (
    "gasp",
    "gasp.errors",
    "gasp.values",
    "gasp.parsing",
    "gasp.validation",
    "gasp.progress",
    "gasp.progress_protocol",
    "gasp.crashpoints",
    "gasp.jobfolder",
)

# layer -> the layers (or single modules) it may import, besides itself and the foundation.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "foundation": frozenset(),
    "gasp.toyrat": frozenset(),
    "gasp.store": frozenset(),
    "gasp.views": frozenset({"gasp.store"}),
    "gasp.model": frozenset(),
    "gasp.storage": frozenset(),
    "gasp.config": frozenset({"gasp.storage", "gasp.store.names", "gasp.toyrat.release"}),
    "gasp.catalog": frozenset({"gasp.model", "gasp.store"}),
    "gasp.calib": frozenset({"gasp.model", "gasp.store"}),
    "gasp.passes": frozenset({"gasp.model", "gasp.store"}),
    "gasp.backends": frozenset(),
    "gasp.runner": frozenset({"gasp.storage"}),
    "gasp.runs": frozenset({"gasp.model", "gasp.storage", "gasp.store"}),
    "gasp.turn": frozenset({"gasp.store", "gasp.model.clock"}),
    "gasp.grab": frozenset(
        {"gasp.model", "gasp.passes", "gasp.config", "gasp.storage", "gasp.store"}
    ),
    "gasp.submit": frozenset(
        {
            "gasp.model",
            "gasp.catalog",
            "gasp.calib",
            "gasp.passes",
            "gasp.config",
            "gasp.storage",
            "gasp.store",
        }
    ),
    "gasp.client": frozenset(
        {
            "gasp.model",
            "gasp.catalog",
            "gasp.passes",
            "gasp.config",
            "gasp.storage",
            "gasp.store",
            "gasp.backends",
            "gasp.turn.fence",
            "gasp.runner.spec",
        }
    ),
    "gasp.ops": frozenset(
        {
            "gasp.model",
            "gasp.catalog",
            "gasp.passes",
            "gasp.config",
            "gasp.storage",
            "gasp.store",
        }
    ),
    "gasp.cli": frozenset({"*"}),
}

# Upward imports the architecture names as known exceptions, to be removed (issue 11).
# Listed exactly: removing one of these imports must remove its line here too.
KNOWN_EXCEPTIONS: frozenset[tuple[str, str]] = frozenset({})


def layer_of(module: str) -> str:
    """The layer a module belongs to: its first-level package, or the foundation."""
    if module in FOUNDATION:
        return "foundation"
    if module == "gasp.__main__":
        return "gasp.cli"  # ``python -m gasp`` is the command line
    parts = module.split(".")
    return ".".join(parts[:2])


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every gasp module ``path`` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "gasp" or name.startswith("gasp.")}


def allowed(importer: str, imported: str) -> bool:
    source, target = layer_of(importer), layer_of(imported)
    if target in (source, "foundation"):
        return True
    rules = MAY_IMPORT[source]
    if "*" in rules:
        return True
    return any(imported == rule or imported.startswith(rule + ".") for rule in rules) or (
        target in rules
    )


def import_edges() -> set[tuple[str, str]]:
    edges: set[tuple[str, str]] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        if "release" in path.relative_to(PACKAGE).parts:
            continue  # the toyrat release's data, not code of gasp's
        importer = module_name(path)
        for imported in imports_of(path):
            edges.add((importer, _existing(imported)))
    return edges


def _existing(name: str) -> str:
    """``gasp.x.y.Name`` (a ``from`` import of a name) -> the module ``gasp.x.y``."""
    while "." in name:
        candidate = PACKAGE.parent / Path(*name.split("."))
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            return name
        name = name.rsplit(".", 1)[0]
    return name


def test_every_module_belongs_to_a_layer_the_architecture_names() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    for path in PACKAGE.rglob("*.py"):
        if "release" in path.relative_to(PACKAGE).parts:
            continue
        layer = layer_of(module_name(path))
        assert layer in MAY_IMPORT, f"{path}: layer {layer} is not in the table"
        if layer != "foundation":
            folder = "gasp/" + layer.split(".")[1]
            assert f"`{folder}" in text, f"docs/architecture.md does not describe {folder}"


def test_imports_flow_downwards_only() -> None:
    upward = sorted(
        (importer, imported)
        for importer, imported in import_edges()
        if not allowed(importer, imported) and (importer, imported) not in KNOWN_EXCEPTIONS
    )
    assert upward == [], "imports against the layer order of docs/architecture.md"


def test_known_exceptions_are_still_there() -> None:
    """An exception that was removed must leave the list, so the list never hides a new one."""
    edges = import_edges()
    assert sorted(KNOWN_EXCEPTIONS - edges) == []


def test_a_violation_would_be_caught() -> None:
    assert not allowed("gasp.store.couchdb", "gasp.client.cycle")
    assert not allowed("gasp.runner.job", "gasp.store")
    assert not allowed("gasp.submit.production", "gasp.client.launch")
    assert not allowed("gasp.passes.update", "gasp.client.context")
    assert not allowed("gasp.model.job", "gasp.passes.update")
    assert not allowed("gasp.model.job", "gasp.store")
    assert allowed("gasp.submit.processing", "gasp.passes.prerequisites")
    assert allowed("gasp.client.cycle", "gasp.passes.prerequisites")
    assert allowed("gasp.cli.submit", "gasp.submit.production")
    assert allowed("gasp.client.launch", "gasp.runner.spec")
    assert allowed("gasp.client.claims", "gasp.turn.fence")
    assert not allowed("gasp.client.cycle", "gasp.turn.loop")
