"""Rules of the layout that the import contracts (pyproject.toml, `lint-imports`) cannot
express:

- no module in `switchboard/` passes 400 lines (migrations excepted): split it by concept;
- the Pusher protocol server (`switchboard.realtime.server`) uses nothing of Django's ORM,
  not even through what it imports: import-linter can only forbid a whole external package
  (all of `django`), and the server does read `django.conf.settings`;
- the scheduler and the server load no module they may not import by a dotted name in a
  string (`import_module`, `import_string`), which no import graph shows;
- the scheduler's models point at no other app's models: a lazy `"app.Model"` reference is
  a dependency without an import.
"""

import ast
from pathlib import Path

import grimp
from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400
SERVER = "switchboard.realtime.server"
SCHEDULER = "switchboard.scheduler"
NOT_FOR_THE_SCHEDULER = [
    f"switchboard.{name}"
    for name in ("dispatch", "bookings", "slots", "catalog", "staff", "accounts", "realtime", "web")
]
LOADERS = {"import_module", "import_string", "__import__"}


def test_no_module_is_over_400_lines():
    too_long = {}
    for path in sorted((ROOT / "switchboard").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        lines = len(path.read_text().splitlines())
        if lines > MAX_LINES:
            too_long[str(path.relative_to(ROOT))] = lines
    assert not too_long, f"over {MAX_LINES} lines, split by concept: {too_long}"


def test_the_realtime_server_uses_nothing_of_the_orm_even_indirectly():
    graph = grimp.build_graph("switchboard", cache_dir=None)
    reached = package_modules(graph, SERVER) | graph.find_upstream_modules(SERVER, as_package=True)
    orm = {}
    for module in sorted(reached):
        names = sorted(name for name in imported_names(module) if is_orm(name))
        if names:
            orm[module] = names
    assert not orm, f"the server (or what it imports) uses the ORM: {orm}"


def test_the_scheduler_loads_no_app_by_name():
    graph = grimp.build_graph("switchboard", cache_dir=None)
    loaded = {
        module: names
        for module in sorted(package_modules(graph, SCHEDULER))
        if (names := [n for n in loaded_by_name(module) if within(n, NOT_FOR_THE_SCHEDULER)])
    }
    assert not loaded, loaded


def test_the_realtime_server_loads_nothing_of_switchboard_by_name_but_common():
    graph = grimp.build_graph("switchboard", cache_dir=None)
    allowed = ["switchboard.common", SERVER]
    loaded = {
        module: names
        for module in sorted(package_modules(graph, SERVER))
        if (
            names := [
                n
                for n in loaded_by_name(module)
                if within(n, ["switchboard"]) and not within(n, allowed)
            ]
        )
    }
    assert not loaded, loaded


def test_the_scheduler_models_point_at_no_other_app():
    ours = {"scheduler", "common"}
    others = {c.label for c in apps.get_app_configs() if c.name.startswith("switchboard.")} - ours
    links = [
        f"{model.__name__}.{field.name} -> {field.related_model._meta.label}"
        for model in apps.get_app_config("scheduler").get_models()
        for field in model._meta.get_fields()
        if field.is_relation and not field.auto_created
        if field.related_model._meta.app_label in others
    ]
    assert not links, links


def package_modules(graph, name: str) -> set[str]:
    """`name` and, if it is a package, every module in it."""
    if not (ROOT.joinpath(*name.split(".")) / "__init__.py").exists():
        return {name}
    return {name} | graph.find_descendants(name)


def source(module: str) -> ast.Module:
    base = ROOT.joinpath(*module.split("."))
    path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
    return ast.parse(path.read_text(), filename=str(path))


def imported_names(module: str) -> set[str]:
    """Every module an import statement in `module` may load (`from a import b`: a and a.b),
    at the top or inside a function."""
    names = set()
    for node in ast.walk(source(module)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def is_orm(name: str) -> bool:
    return within(name, ["django.db"]) or "models" in name.split(".")


def loaded_by_name(module: str) -> list[str]:
    """The dotted names given as a literal to `import_module`, `import_string`, ...."""
    found = []
    for node in ast.walk(source(module)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        first = node.args[0]
        if called in LOADERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.append(first.value)
    return found


def within(name: str, packages: list[str]) -> bool:
    return any(name == package or name.startswith(f"{package}.") for package in packages)
