"""`HducePlugin`: the base every domain plugin subclasses.

Importing a plugin class is cheap (the command line reads their names, configs and commands on
every run): what only the app or a worker uses is imported in the methods that use it.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import rich_click as click

from hduce.core.config import Finding, Section

if TYPE_CHECKING:
    from litestar.config.app import AppConfig
    from litestar.di import Provide
    from litestar.types import ControllerRouterHandler

    from hduce.core.context import AppContext
    from hduce.core.plugin_env import PluginEnv

API_PREFIX = "/api/v1"
RESERVED_NAMES = frozenset(
    {"principal", "state", "headers", "cookies", "request", "socket", "data", "query", "scope"}
    | {"body", "receive", "send"}
    | {"enabled", "extra", "sections", "load_order"}
)
"""Names no plugin takes: its DI key would shadow core's `principal` or a parameter Litestar
gives handlers itself (`litestar.constants.RESERVED_KWARGS` and `SKIP_VALIDATION_NAMES`), or its
`[plugins.<name>]` section would be a key of `[plugins]` (or `config show`'s `load_order`)."""


@dataclass(frozen=True)
class Listener:
    """A port a plugin listens on, and the setting that changes it."""

    host: str
    port: int
    what: str
    """What listens, e.g. `MQTT`."""
    setting: str
    """How to change the port, e.g. `plugins.devices.port / HDUCE_PLUGINS__DEVICES__PORT`."""


class Runs(Protocol):
    """Something that works in the background for the duration of an `async with` block."""

    def running(self) -> AbstractAsyncContextManager[Any]:
        """Work until the block ends."""


def running_lifespan(worker: Runs) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """A lifespan keeping `worker` running while the web app runs."""

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        async with worker.running():
            yield

    return lifespan


class NoConfig(Section):
    """For plugins without settings of their own."""


class HducePlugin:
    """A domain plugin: its routes, dependencies, lifespans, tasks and contracts.

    A Litestar init plugin by its `on_app_init` (Litestar's `InitPluginProtocol` is structural).
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    requires: ClassVar[tuple[str, ...]] = ()
    after: ClassVar[tuple[str, ...]] = ()
    """Plugins set up before this one when they are enabled too (optional dependencies)."""
    config_type: ClassVar[type[Section]] = NoConfig
    piccolo_app: ClassVar[str | None] = None
    """The module whose `APP_CONFIG` (`core.migrations.app_config`) declares this plugin's tables
    and migrations folder; by default `<its package>.piccolo_app` when that module exists."""
    serves_home: ClassVar[bool] = False
    """Whether the plugin answers `GET /` (the core then stops sending `/` to the API docs)."""

    def __init__(self, config: Section | None = None) -> None:
        self.config = config if config is not None else self.config_type()
        self._context: AppContext | None = None
        self._env: PluginEnv[Any] | None = None

    @property
    def env(self) -> PluginEnv[Any]:
        """This plugin's env, built by `setup`."""
        if self._env is None:
            raise RuntimeError(f"plugin {self.name!r} used before setup()")
        return self._env

    @property
    def context(self) -> AppContext:
        """The context given to `setup`."""
        if self._context is None:
            raise RuntimeError(f"plugin {self.name!r} used before setup()")
        return self._context

    def setup(self, context: AppContext) -> None:
        """Build services, register contracts, subscribe to events, declare tasks.

        Subclasses call this first, then build from `self.env`.
        """
        from hduce.core.plugin_env import PluginEnv

        self._context = context
        self._env = PluginEnv.of(self.name, self.config, context)

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """Handlers mounted under `/api/v1`."""
        return ()

    def root_route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """Handlers mounted at the root (health, metrics)."""
        return ()

    def dependencies(self) -> dict[str, Provide]:
        """DI providers: usually `provide_as_name(self.services)`."""
        return {}

    def provide_as_name(self, services: object) -> dict[str, Provide]:
        """`services`, built once in `setup`, as the dependency named after this plugin."""
        from litestar.di import Provide

        return {self.name: Provide(lambda: services, sync_to_thread=False, use_cache=True)}

    def lifespans(self) -> Sequence[Any]:
        """Async context managers taking the app, entered at web start-up in plugin order."""
        return ()

    @classmethod
    def on_cli_init(cls, cli: click.Group) -> None:
        """Add this plugin's commands to the `hduce` group (they run via `core.cli`)."""

    def unsafe_settings(self) -> list[Finding]:
        """This plugin's settings that are unsafe in production (`hduce config check`)."""
        return []

    def production_refusals(self) -> list[Finding]:
        """This plugin's settings production refuses to start with (`serve`, `worker`)."""
        return []

    def listening_ports(self) -> list[Listener]:
        """The ports the web process opens for this plugin besides HTTP (checked before start)."""
        return []

    def held_elsewhere(self, data_dir: Path) -> str | None:
        """What the web process needs that another process holds, checked before start.

        One line that also says how to resolve it; None when nothing is held.
        """
        return None

    def backup_folder(self, data_dir: Path) -> Path | None:
        """The folder of files this plugin keeps beside the database (`hduce backup` copies it)."""
        return None

    def startup_warnings(self) -> list[str]:
        """Lines to log at start: settings that are set only partly and so do nothing."""
        return []

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        """Mount this plugin's routes, dependencies, lifespans and OpenAPI tag.

        What this plugin's methods raise, and a route or dependency another part already has,
        stop the app with one line naming the plugin (`core.plugin_failures`).
        """
        from litestar.openapi.spec import Tag

        from hduce.core.plugin_failures import failing_as, guarded_lifespan
        from hduce.core.plugin_mount import mount_dependencies, mount_routes

        with failing_as(self.name, "route_handlers()"):
            api = list(self.route_handlers())
        with failing_as(self.name, "root_route_handlers()"):
            root = list(self.root_route_handlers())
        mount_routes(self.name, app_config, api, root, API_PREFIX)
        with failing_as(self.name, "dependencies()"):
            provided = self.dependencies()
        mount_dependencies(self.name, app_config, provided)
        with failing_as(self.name, "lifespans()"):
            lifespans = list(self.lifespans())
        app_config.lifespan.extend(guarded_lifespan(self.name, each) for each in lifespans)
        if app_config.openapi_config is not None and (api or root):
            tag = Tag(name=self.name, description=self.description or None)
            # A copy, never the config in place: it may be Litestar's shared default.
            openapi = copy.copy(app_config.openapi_config)
            openapi.tags = [*(openapi.tags or []), tag]
            app_config.openapi_config = openapi
        return app_config
