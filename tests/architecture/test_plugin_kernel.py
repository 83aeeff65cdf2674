"""Every plugin is built alike: the same rooms, one data-access API, the env and the principal."""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from hduce import plugins
from hduce.bootstrap import BUILTIN_PLUGINS

SRC = Path(plugins.__file__).resolve().parents[1]
PLUGINS_DIR = SRC / "plugins"

MANDATORY_ROOMS = ("__init__", "config", "schemas", "services", "routes", "errors")
"""Rooms every plugin has (a module `x.py` or a package `x/`)."""
OPTIONAL_ROOMS = frozenset(
    {
        "piccolo_app",
        "tables",
        "store",
        "handlers",
        "tasks",
        "analytics",
        "personal_data",
        "cli",
        "templates",
        "static",
    }
)
"""Rooms a plugin has where it needs them; nothing else sits at a plugin's top level."""
DATA_ACCESS = re.compile(
    r"\.(fetch|fetchrow|fetchval|execute|executemany|copy_records|raw)\(|\bshared_pool\b"
)


def rooms(plugin: str) -> set[str]:
    """The top-level modules and packages of a plugin, by name without `.py`."""
    found = set()
    for entry in (PLUGINS_DIR / plugin).iterdir():
        if entry.name == "__pycache__":
            continue
        found.add(entry.stem if entry.suffix == ".py" else entry.name)
    return found


def modules(plugin: str) -> Iterator[tuple[Path, str]]:
    """Each Python file of a plugin with its source."""
    for path in sorted((PLUGINS_DIR / plugin).rglob("*.py")):
        yield path, path.read_text(encoding="utf-8")


def in_room(path: Path, plugin: str, room: str) -> bool:
    """Whether `path` is the module `room.py` or inside the package `room/` of `plugin`."""
    relative = path.relative_to(PLUGINS_DIR / plugin)
    return relative.parts[0] in (room, f"{room}.py")


def dependency_declarations(tree: ast.AST) -> set[int]:
    """The ids of the values of `requires = ...` / `after = ...` (a plugin naming what it needs)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in ("requires", "after") for t in targets):
                found.add(id(node.value))
    return found


def test_the_plugin_names_are_listed_once() -> None:
    names = set(BUILTIN_PLUGINS)
    for path in SRC.rglob("*.py"):
        if path == Path(plugins.__file__):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        declarations = dependency_declarations(tree)
        for node in ast.walk(tree):
            if id(node) in declarations:
                continue
            if isinstance(node, ast.Tuple | ast.List | ast.Set):
                listed = {e.value for e in node.elts if isinstance(e, ast.Constant)} & names
                assert len(listed) < 3, f"{path.relative_to(SRC)} lists plugin names {listed}"


@pytest.mark.parametrize("plugin", sorted(BUILTIN_PLUGINS))
def test_a_plugin_has_the_mandatory_rooms_and_nothing_else(plugin: str) -> None:
    found = rooms(plugin)
    missing = [room for room in MANDATORY_ROOMS if room not in found]
    assert not missing, f"{plugin} lacks {missing}"
    extra = found - set(MANDATORY_ROOMS) - OPTIONAL_ROOMS
    assert not extra, f"{plugin}: {sorted(extra)} are not rooms; make each a sub-module of one"


@pytest.mark.parametrize("plugin", sorted(BUILTIN_PLUGINS))
def test_a_plugin_with_tables_keeps_its_sql_in_its_store(plugin: str) -> None:
    found = rooms(plugin)
    if "tables" in found:
        assert {"store", "piccolo_app"} <= found, f"{plugin} has tables but no store/piccolo_app"
    for path, source in modules(plugin):
        if in_room(path, plugin, "store"):
            continue
        match = DATA_ACCESS.search(source)
        assert match is None, f"{path.relative_to(SRC)} runs SQL ({match[0]}) outside store"


@pytest.mark.parametrize("plugin", sorted(BUILTIN_PLUGINS))
def test_a_plugin_uses_the_kernel_not_the_context(plugin: str) -> None:
    for path, source in modules(plugin):
        where = path.relative_to(SRC)
        assert "registry.get(" not in source, f"{where}: resolve contracts once with env.require"
        assert "principal_of(" not in source, f"{where}: declare `principal: Principal` instead"
        if path.name != "__init__.py" or path.parent != PLUGINS_DIR / plugin:
            assert "AppContext" not in source, f"{where}: services get the env, not AppContext"
            assert ".context." not in source, f"{where}: services get the env, not the context"


def test_the_command_line_imports_no_plugin() -> None:
    for path in sorted((SRC / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("hduce.plugins."), (
                    f"cli/{path.name} imports {node.module}: let the plugin add the command "
                    "in `on_cli_init`"
                )
