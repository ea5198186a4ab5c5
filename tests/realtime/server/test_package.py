"""The server package's shape: no import cycle, no ORM or domain import, small modules.

Every import statement counts, including those inside functions and under TYPE_CHECKING:
a cycle hidden that way is still a cycle to read.
"""

import ast
from pathlib import Path

import switchboard.realtime.server as package

ROOT = Path(package.__file__).parent
NAME = package.__name__
# What the server may use of the project: settings (config.py, the broker) and the clock.
# common.metrics: the Prometheus series (prometheus_client only, no ORM).
ALLOWED_OUTSIDE = {"django.conf", "switchboard.common.clock", "switchboard.common.metrics"}
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join([NAME, *parts])] = path
    return found


def imported_names(path: Path) -> set[str]:
    """Dotted names each import statement of `path` reaches (a module, or module.attribute)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    known = modules()
    graph = {}
    for name, path in known.items():
        targets = set()
        for imported in imported_names(path):
            # `from pkg import module` reaches the module; `from module import thing`, the module.
            while imported and imported not in known:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each module that can reach itself, with the path back."""
    found = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for target in graph[node]:
                if target == start:
                    found.append([*path, start])
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, [*path, target]))
    return found


def test_no_module_of_the_package_imports_one_that_imports_it_back():
    graph = import_graph()
    assert f"{NAME}.app" in graph and f"{NAME}.connection" in graph[f"{NAME}.app"]
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b", "a"], ["b", "a", "b"]]


def test_the_package_uses_no_orm_no_domain_app_and_not_the_outbox_side():
    outside = {
        (name, imported)
        for name, path in modules().items()
        for imported in imported_names(path)
        if imported.startswith(("django", "switchboard"))
        and not imported.startswith(NAME)
        and not any(imported.startswith(allowed) for allowed in ALLOWED_OUTSIDE)
    }
    assert outside == set()


def test_every_module_is_short():
    lengths = {name: len(path.read_text().splitlines()) for name, path in modules().items()}
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}
