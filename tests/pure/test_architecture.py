"""The shape of the package: pure modules stay pure, and imports form no cycle.

Both rules are checked on the source with `ast`, without importing anything.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
import sys

import pytest

PACKAGE = "custom_components.printernizer_usage"
PACKAGE_DIR = Path(__file__).resolve().parents[2].joinpath(*PACKAGE.split("."))
CORE = f"{PACKAGE}.core"
CORE_DIR = PACKAGE_DIR / "core"


def module_files(root: Path = PACKAGE_DIR, package: str = PACKAGE) -> dict[str, Path]:
    """Return every module of the package by its dotted name."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join([package, *parts])] = path
    return modules


MODULES = module_files()
# Everything in core/ is pure; nothing outside it needs to be.
PURE = frozenset(
    module for module in MODULES if module == CORE or module.startswith(f"{CORE}.")
)


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _statements(
    nodes: Iterable[ast.AST], *, type_checking: bool
) -> Iterator[ast.Import | ast.ImportFrom]:
    """Yield every import, also inside functions, classes and other blocks."""
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif (
            isinstance(node, ast.If)
            and _is_type_checking(node.test)
            and not type_checking
        ):
            yield from _statements(node.orelse, type_checking=type_checking)
        else:
            yield from _statements(
                ast.iter_child_nodes(node), type_checking=type_checking
            )


def imports_of(
    source: str,
    module: str,
    *,
    is_package: bool,
    known: Collection[str],
    type_checking: bool = True,
) -> list[tuple[int, str]]:
    """Return (line, module) for every import of `module`, resolved to a dotted name.

    `from .x import y` names `x.y` if that is a module in `known`, else `x`.
    """
    found: list[tuple[int, str]] = []
    tree = ast.parse(source)
    for node in _statements(tree.body, type_checking=type_checking):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
            continue
        if node.level:
            parts = module.split(".")
            if not is_package:
                parts.pop()
            if node.level > 1:
                parts = parts[: -(node.level - 1)]
            base = ".".join([*parts, *([node.module] if node.module else [])])
        else:
            base = node.module or ""
        for alias in node.names:
            candidate = f"{base}.{alias.name}"
            found.append((node.lineno, candidate if candidate in known else base))
    return found


def _source(module: str) -> str:
    return MODULES[module].read_text(encoding="utf-8")


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def pure_violations(
    module: str, source: str, *, is_package: bool = False, known: Collection[str]
) -> list[str]:
    """Return every import of a pure module that is not stdlib or pure."""
    violations = []
    for line, name in imports_of(
        source, module, is_package=is_package, known=known, type_checking=True
    ):
        if name == PACKAGE or name.startswith(f"{PACKAGE}."):
            if name not in PURE:
                violations.append(f"line {line}: {name}")
        elif name.split(".")[0] not in sys.stdlib_module_names:
            violations.append(f"line {line}: {name}")
    return violations


def import_graph(
    sources: Mapping[str, str], packages: Collection[str]
) -> dict[str, set[str]]:
    """Return the package-internal imports of every module (TYPE_CHECKING aside).

    Importing `a.b.c` also runs the packages `a.b` and `a` first, unless the
    importer is inside them (then they are already being imported).
    """
    graph: dict[str, set[str]] = {module: set() for module in sources}
    for module, source in sources.items():
        ancestors = {
            module.rsplit(".", depth)[0] for depth in range(1, module.count(".") + 1)
        }
        for _line, name in imports_of(
            source,
            module,
            is_package=module in packages,
            known=sources,
            type_checking=False,
        ):
            parts = name.split(".")
            for end in range(1, len(parts) + 1):
                target = ".".join(parts[:end])
                if target in sources and target != module and target not in ancestors:
                    graph[module].add(target)
    return graph


def find_cycle(graph: Mapping[str, Collection[str]]) -> list[str] | None:
    """Return one import cycle as a path that ends where it starts, or None."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for target in sorted(graph.get(node, ())):
            if target in on_path:
                return [*path[path.index(target) :], target]
            if target not in done and (cycle := visit(target)) is not None:
                return cycle
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done and (cycle := visit(start)) is not None:
            return cycle
    return None


def package_graph() -> dict[str, set[str]]:
    packages = {module for module in MODULES if _is_package(module)}
    return import_graph({module: _source(module) for module in MODULES}, packages)


# --- the pure modules


@pytest.mark.parametrize("module", sorted(PURE))
def test_pure_module_imports_only_stdlib_and_pure_modules(module: str) -> None:
    source = _source(module)
    is_package = _is_package(module)
    names = [
        name
        for _line, name in imports_of(
            source, module, is_package=is_package, known=MODULES, type_checking=True
        )
    ]
    if not is_package:
        assert names, f"{module} has no imports at all: is the parser blind?"
    assert not [name for name in names if name.split(".")[0] == "homeassistant"]
    assert pure_violations(module, source, is_package=is_package, known=MODULES) == []


def test_core_holds_the_pure_modules() -> None:
    """The folder is found, and its modules are the ones the design names."""
    names = {module.removeprefix(f"{CORE}.") for module in PURE - {CORE}}
    assert names == {
        "allowlist",
        "audit",
        "counts",
        "deletions",
        "import_ledger",
        "installation",
        "long_term",
        "outbox",
        "payload",
        "printer_rules",
        "printernizer",
        "privacy_center",
        "rate_limit",
        "schedule",
        "stored",
    }
    # Nothing outside core/ is taken for pure.
    assert f"{PACKAGE}.runtime" not in PURE
    assert f"{PACKAGE}.const" not in PURE


@pytest.mark.parametrize("module", sorted(PURE - {CORE}))
def test_tests_pure_mirrors_core(module: str) -> None:
    """Each module of core/ has its own test module in tests/pure/."""
    name = module.rsplit(".", 1)[1]
    assert (Path(__file__).parent / f"test_{name}.py").is_file()


def test_tests_pure_has_no_test_module_without_its_core_module() -> None:
    names = {module.rsplit(".", 1)[1] for module in PURE - {CORE}} | {"architecture"}
    tests = {
        path.stem.removeprefix("test_")
        for path in Path(__file__).parent.glob("test_*.py")
    }
    assert tests == names


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        ("import homeassistant.core\n", "homeassistant.core"),
        ("from homeassistant.util import dt\n", "homeassistant.util"),
        ("import aiohttp\n", "aiohttp"),
        ("from ..runtime import UsageRuntime\n", f"{PACKAGE}.runtime"),
        ("from .. import uploader\n", f"{PACKAGE}.uploader"),
        ("from .. import DOMAIN\n", PACKAGE),
        ("from ..const import DOMAIN\n", f"{PACKAGE}.const"),
        ("from ..sources.jobs import PrinterWatcher\n", f"{PACKAGE}.sources.jobs"),
        (f"from {PACKAGE}.store import UsageStore\n", f"{PACKAGE}.store"),
        (
            (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from homeassistant.core import HomeAssistant\n"
            ),
            "homeassistant.core",
        ),
        ("def f():\n    import voluptuous\n", "voluptuous"),
    ],
)
def test_pure_violations_are_found(source: str, bad: str) -> None:
    module = f"{CORE}.schedule"
    violations = pure_violations(module, source, known=MODULES)
    assert len(violations) == 1
    assert violations[0].endswith(f": {bad}")


def test_pure_imports_are_allowed() -> None:
    source = (
        "from __future__ import annotations\n"
        "import json\n"
        "from datetime import date\n"
        "from email.utils import parsedate_to_datetime\n"
        "from .payload import Period\n"
        "from . import allowlist\n"
        f"from {CORE}.counts import utc_day\n"
    )
    assert pure_violations(f"{CORE}.schedule", source, known=MODULES) == []


# --- import cycles


def test_no_import_cycle() -> None:
    graph = package_graph()
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_import_graph_sees_the_package() -> None:
    """The graph is built from the real source, subpackage included."""
    graph = package_graph()
    assert set(graph) == set(MODULES)
    assert {f"{PACKAGE}.sources", f"{PACKAGE}.sources.jobs"} <= set(graph)
    expected = [
        ("core.schedule", "core.outbox"),
        ("core.schedule", "core.deletions"),
        ("core.deletions", "core.installation"),
        ("runtime", "uploader"),
        ("sources", "sources.jobs"),
        ("sources.errors", "runtime"),
        ("sources.jobs", "core.printer_rules"),
        ("", "sources"),
    ]
    for importer, target in expected:
        source = f"{PACKAGE}.{importer}" if importer else PACKAGE
        assert f"{PACKAGE}.{target}" in graph[source], (importer, target)
    # A module inside a package does not "import" the package it is part of.
    assert PACKAGE not in graph[f"{PACKAGE}.sources.errors"]
    assert f"{PACKAGE}.sources" not in graph[f"{PACKAGE}.sources.errors"]


def test_import_graph_resolves_relative_imports() -> None:
    pkg = "pkg"
    sources = {
        pkg: "from . import a\nfrom .sub import thing\n",
        f"{pkg}.a": "from .b import x\nimport json\n",
        f"{pkg}.b": "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from .a import y\n"
        "else:\n"
        "    from .c import z\n",
        f"{pkg}.c": "",
        f"{pkg}.sub": "from .leaf import w\nfrom .. import c\n",
        f"{pkg}.sub.leaf": "from ..a import v\nfrom ...outside import u\n",
        f"{pkg}.d": "from .sub.leaf import w\n",
    }
    graph = import_graph(sources, packages={pkg, f"{pkg}.sub"})
    assert graph == {
        pkg: {f"{pkg}.a", f"{pkg}.sub"},
        f"{pkg}.a": {f"{pkg}.b"},
        f"{pkg}.b": {f"{pkg}.c"},
        f"{pkg}.c": set(),
        f"{pkg}.sub": {f"{pkg}.sub.leaf", f"{pkg}.c"},
        f"{pkg}.sub.leaf": {f"{pkg}.a"},
        # Importing a module of a subpackage runs the subpackage first.
        f"{pkg}.d": {f"{pkg}.sub", f"{pkg}.sub.leaf"},
    }
    assert find_cycle(graph) is None


def test_find_cycle() -> None:
    assert find_cycle({}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"b", "c"}}) is None
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    cycle = find_cycle({"a": {"b"}, "b": {"c"}, "c": {"d"}, "d": {"b"}})
    assert cycle == ["b", "c", "d", "b"]


def test_a_cycle_through_type_checking_only_is_no_cycle() -> None:
    sources = {
        "pkg": "",
        "pkg.a": "from .b import B\n",
        "pkg.b": "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from .a import A\n",
    }
    assert find_cycle(import_graph(sources, packages={"pkg"})) is None
    sources["pkg.b"] = "def late():\n    from .a import A\n"
    assert find_cycle(import_graph(sources, packages={"pkg"})) == [
        "pkg.a",
        "pkg.b",
        "pkg.a",
    ]
