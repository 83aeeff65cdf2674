"""Mount a plugin's routes and dependency on the app, refusing names another part already has.

Litestar would refuse a route served twice only with a traceback naming neither plugin (and
silently keep one of two handlers a single plugin gives for the same path and method), and
would let a dependency replace another (a plugin's `principal` made every handler asking for
the caller fail). Each refusal here is one `PluginFailed` line naming the plugin.
"""

from collections.abc import Iterable, Sequence

from litestar import Router
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.routes import HTTPRoute
from litestar.types import ControllerRouterHandler

from hduce.core.plugin_failures import PluginFailed

OWNER_OPT_KEY = "hduce_plugin"
"""Route `opt` key: the plugin whose router the route is on (core's routes have none)."""
RouteKey = tuple[str, str]
"""A path and an HTTP method (or `websocket`/`asgi`)."""


def mount_routes(
    plugin: str,
    app_config: AppConfig,
    api: Sequence[ControllerRouterHandler],
    root: Sequence[ControllerRouterHandler],
    api_prefix: str,
) -> None:
    """Add `plugin`'s `api` routes under `api_prefix` and its `root` ones at the root.

    Refuses a path and method that core, a plugin mounted earlier, or `plugin` itself already
    serves.
    """
    taken = {key: owner for entry in app_config.route_handlers for key, owner in _served(entry)}
    for prefix, handlers in ((api_prefix, api), ("/", root)):
        for handler in handlers:
            for key in _keys(Router(path=prefix, route_handlers=[handler])):
                if key in taken:
                    method, path = key[1], key[0]
                    raise PluginFailed(
                        f"plugin {plugin!r} adds the route {method} {path}, which"
                        f" {taken[key]} already serves: give one of them another path"
                    )
                taken[key] = f"plugin {plugin!r}"
    for prefix, handlers in ((api_prefix, api), ("/", root)):
        if handlers:
            opt = {OWNER_OPT_KEY: plugin}
            app_config.route_handlers.append(Router(path=prefix, route_handlers=handlers, opt=opt))


def mount_dependencies(plugin: str, app_config: AppConfig, provided: dict[str, Provide]) -> None:
    """Add `plugin`'s dependencies: only its own DI key (its name), and only if not taken."""
    for key in provided:
        if key != plugin:
            raise PluginFailed(
                f"plugin {plugin!r} provides the dependency {key!r}: a plugin provides only its"
                f" own name, {plugin!r} (`provide_as_name`)"
            )
        if key in app_config.dependencies:
            raise PluginFailed(
                f"plugin {plugin!r} provides the dependency {key!r}, which core already provides"
            )
    app_config.dependencies.update(provided)


def _served(entry: ControllerRouterHandler) -> Iterable[tuple[RouteKey, str]]:
    """The routes `entry` (mounted at the root) serves, each with who mounted it."""
    owner = entry.opt.get(OWNER_OPT_KEY) if isinstance(entry, Router) else None
    who = f"plugin {owner!r}" if owner else "core"
    router = entry if isinstance(entry, Router) else Router(path="/", route_handlers=[entry])
    return ((key, who) for key in _keys(router))


def _keys(router: Router) -> list[RouteKey]:
    """Each path and method `router` serves (but OPTIONS: Litestar answers it on every path)."""
    keys: list[RouteKey] = []
    for route in router.routes:
        if isinstance(route, HTTPRoute):
            methods = {m for handler in route.route_handlers for m in handler.http_methods}
            keys.extend((route.path, method) for method in sorted(methods - {"OPTIONS"}))
        else:
            keys.append((route.path, type(route).__name__))
    return keys
