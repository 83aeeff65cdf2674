"""Choose, configure and order the plugins, and build the context they share.

Choosing and configuring plugins is cheap (the command line does it on every run): the engine,
the broker and Piccolo's apps are imported only by the functions that build them.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Sequence
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import TYPE_CHECKING

from hduce.core.config import ConfigError, Settings, decode_section
from hduce.core.plugin import RESERVED_NAMES, HducePlugin
from hduce.core.plugin_failures import PluginFailed, failing_as, one_line
from hduce.plugins import BUILTIN_PLUGINS as BUILTIN_PLUGIN_NAMES

if TYPE_CHECKING:
    from hduce.core.context import AppContext, ProcessRole


def _builtin_plugin(name: str) -> type[HducePlugin]:
    """The plugin class named `name` in the package `hduce.plugins.<name>`."""
    module = importlib.import_module(f"hduce.plugins.{name}")
    for value in vars(module).values():
        is_plugin = isinstance(value, type) and issubclass(value, HducePlugin)
        if is_plugin and getattr(value, "name", None) == name:
            return value
    raise ImportError(f"hduce.plugins.{name} defines no HducePlugin named {name!r}")


BUILTIN_PLUGINS: dict[str, type[HducePlugin]] = {
    name: _builtin_plugin(name) for name in BUILTIN_PLUGIN_NAMES
}


def enabled_plugin_names(settings: Settings) -> tuple[str, ...]:
    """The built-in plugins `plugins.enabled` names (all of them when it is not set)."""
    enabled = settings.plugins.enabled
    return BUILTIN_PLUGIN_NAMES if enabled is None else enabled


def plugin_classes(settings: Settings) -> dict[str, type[HducePlugin]]:
    """The enabled built-in plugins plus the `extra` ones, by name."""
    chosen: dict[str, type[HducePlugin]] = {}
    for name in enabled_plugin_names(settings):
        if name not in BUILTIN_PLUGINS:
            known = ", ".join(sorted(BUILTIN_PLUGINS))
            message = f"`plugins.enabled`: unknown plugin {name!r} (built-in: {known})"
            raise ConfigError(message, key="plugins.enabled").located_here()
        chosen[name] = BUILTIN_PLUGINS[name]
    for plugin in extra_plugin_classes(settings):
        chosen[plugin.name] = plugin
    return chosen


def extra_plugin_classes(settings: Settings) -> list[type[HducePlugin]]:
    """The plugins `plugins.extra` names (`module:Class`), imported."""
    found: dict[str, type[HducePlugin]] = {}
    for spec in settings.plugins.extra:
        plugin = _import_plugin(spec)
        if plugin.name in found or plugin.name in BUILTIN_PLUGINS:
            raise _extra_error(f"{spec!r} reuses the plugin name {plugin.name!r}")
        found[plugin.name] = plugin
    return list(found.values())


def register_migrations(plugins: Sequence[HducePlugin]) -> None:
    """Have Piccolo migrate core's app and the apps of `plugins` (built-in or extra), in order.

    An app that cannot be imported, or whose migrations folder is missing, is a ConfigError.
    """
    from hduce.piccolo_conf import use_apps

    apps = _piccolo_apps(plugins)
    try:
        registry = use_apps(apps)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"a plugin's Piccolo app cannot be loaded: {exc}") from None
    for config in registry.app_configs.values():
        if not Path(config.migrations_folder_path).is_dir():
            raise ConfigError(
                f"Piccolo app {config.app_name!r}: no migrations folder"
                f" {config.migrations_folder_path} (see `app_config(..., migrations=)`)"
            )


def _piccolo_apps(plugins: Sequence[HducePlugin]) -> list[str]:
    """The modules of `plugins`' Piccolo apps; an app named like core's or another's is refused.

    Piccolo would refuse it too, in a traceback naming neither plugin.
    """
    modules: list[str] = []
    owners = {"core": "core"}
    for plugin in plugins:
        if not (module := piccolo_app_of(type(plugin))):
            continue
        with failing_as(plugin.name, f"its Piccolo app {module}"):
            name = importlib.import_module(module).APP_CONFIG.app_name
        if name in owners:
            raise PluginFailed(
                f"plugin {plugin.name!r}: its Piccolo app {module} is named {name!r}, like"
                f" {owners[name]}'s: name it after the plugin"
            )
        owners[name] = f"plugin {plugin.name!r}"
        modules.append(module)
    return modules


def piccolo_app_of(plugin: type[HducePlugin]) -> str | None:
    """The module of `plugin`'s Piccolo app, None for a plugin without tables.

    Its `piccolo_app`, else `<its package>.piccolo_app` when that module exists.
    """
    if plugin.piccolo_app:
        return plugin.piccolo_app
    if not hasattr(sys.modules[plugin.__module__], "__path__"):
        return None  # a plugin in a plain module (examples/opening_hours.py) has no package
    module = f"{plugin.__module__}.piccolo_app"
    return module if importlib.util.find_spec(module) else None


def load_plugins(settings: Settings) -> list[HducePlugin]:
    """Instantiate the chosen plugins with their config sections, ordered by `requires`/`after`."""
    classes = plugin_classes(settings)
    for section in settings.plugins.sections:
        if section in classes:
            continue
        if section not in BUILTIN_PLUGINS:
            key = f"plugins.{section}"
            raise ConfigError(f"unknown key `{key}`: no such plugin", key=key).located_here()
        _configure(BUILTIN_PLUGINS[section], settings)  # a disabled plugin's section is checked too
    graph: dict[str, set[str]] = {}
    for name, plugin in classes.items():
        missing = [r for r in plugin.requires if r not in classes]
        if missing:
            raise ConfigError(
                f"plugin {name!r} requires {', '.join(missing)}: enable it in `plugins.enabled`"
            )
        graph[name] = set(plugin.requires) | {a for a in plugin.after if a in classes}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise ConfigError(f"plugins require each other in a cycle: {exc.args[1]}") from None
    return [_configure(classes[name], settings) for name in order]


def build_context(
    settings: Settings, role: ProcessRole, database_url: str, nats_url: str
) -> AppContext:
    """Configure the engine and broker for this process (nothing connects yet)."""
    from hduce.core.context import AppContext
    from hduce.core.dead_letters import DeadLetterStore
    from hduce.core.events import EventBus
    from hduce.core.registry import Registry
    from hduce.core.security import TokenService
    from hduce.core.tasks import TaskBroker
    from hduce.piccolo_conf import DB

    DB.configure(database_url)
    return AppContext(
        settings=settings,
        role=role,
        db=DB,
        events=EventBus(DB),
        broker=TaskBroker(nats_url, settings.nats, DeadLetterStore(DB)),
        registry=Registry(),
        tokens=TokenService(settings.auth),
    )


def setup_plugins(context: AppContext, plugins: list[HducePlugin]) -> None:
    """Run every plugin's `setup`, then declare event subscriptions as tasks."""
    from hduce.core.dispatch import register_subscriptions

    for plugin in plugins:
        with failing_as(plugin.name, "setup()"):
            plugin.setup(context)
    register_subscriptions(context.events, context.broker)


def _configure(plugin: type[HducePlugin], settings: Settings) -> HducePlugin:
    raw = settings.plugins.sections.get(plugin.name, {})
    prefix = f"plugins.{plugin.name}"
    try:
        config = decode_section(raw, plugin.config_type, origin="", prefix=prefix)
    except ConfigError as exc:
        raise exc.located_here() from None
    with failing_as(plugin.name, "its constructor"):
        return plugin(config)


def _import_plugin(spec: str) -> type[HducePlugin]:
    module_name, _, attribute = spec.partition(":")
    try:
        plugin = getattr(importlib.import_module(module_name), attribute)
    except Exception as exc:  # the plugin's own module may raise anything at import
        raise _extra_error(f"cannot import {spec!r}: {one_line(exc)}") from None
    if not (isinstance(plugin, type) and issubclass(plugin, HducePlugin)):
        raise _extra_error(f"{spec!r} is not an HducePlugin subclass")
    if not isinstance(getattr(plugin, "name", None), str) or not plugin.name:
        raise _extra_error(f"{spec!r} has no `name`")
    if plugin.name in RESERVED_NAMES:
        raise _extra_error(
            f"{spec!r} is named {plugin.name!r}, a name handlers already use for something"
            f" else (reserved: {', '.join(sorted(RESERVED_NAMES))})"
        )
    return plugin


def _extra_error(problem: str) -> ConfigError:
    """A mistake in `plugins.extra`, led by where it was set."""
    return ConfigError(f"`plugins.extra`: {problem}", key="plugins.extra").located_here()
