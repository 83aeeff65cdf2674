"""A plugin that raises at start-up, or takes a name it may not, stops it in one line naming it.

ARCHITECTURE rule 6: start-up fails fast with one line and a non-zero exit; the line names the
plugin, its stage and the error (`core.plugin_failures`), the traceback only at DEBUG.
"""

import logging
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import pytest
from litestar import Litestar, get
from litestar.di import Provide
from litestar.testing import AsyncTestClient

from hduce.app import create_app
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core.config import ConfigError, Settings
from hduce.core.plugin import HducePlugin
from hduce.core.registry import HealthStatus, Registry
from tests.plugins.users.clinic import identity_settings

FAULTY = "tests.support.faulty_plugin:FaultyPlugin"
HERE = __name__


def with_extra(settings: Settings, *extra: str) -> Settings:
    """The identity plugins plus `extra` (`module:Class` specs)."""
    base = identity_settings(settings)
    return msgspec.structs.replace(base, plugins=msgspec.structs.replace(base.plugins, extra=extra))


def started(settings: Settings) -> Litestar:
    """Load, set up and build the app the way `hduce serve` does."""
    plugins = load_plugins(settings)
    context = build_context(settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, plugins)
    return create_app(context, plugins)


def refusal(settings: Settings, build: Callable[[Settings], object] = started) -> str:
    """The one line start-up stops with."""
    with pytest.raises(ConfigError) as caught:
        build(settings)
    message = str(caught.value)
    assert "\n" not in message, message
    return message


@pytest.mark.parametrize(
    ("stage", "said"),
    [
        ("setup", "setup()"),
        ("routes", "route_handlers()"),
        ("dependencies", "dependencies()"),
    ],
)
def test_a_plugin_failing_at_start_is_one_line_naming_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, stage: str, said: str
) -> None:
    monkeypatch.setenv("FAULTY_STAGE", stage)
    message = refusal(with_extra(settings, FAULTY))
    assert message == f"plugin 'faulty' failed in {said}: RuntimeError: faulty exploded in {stage}"


async def test_a_plugin_whose_lifespan_fails_is_one_error_line_naming_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.support.faulty_plugin import FaultyPlugin

    monkeypatch.setenv("FAULTY_STAGE", "lifespan")
    app = Litestar(plugins=[FaultyPlugin()], logging_config=None)
    with caplog.at_level(logging.ERROR, logger="hduce.plugins"), pytest.raises(ExceptionGroup):
        async with AsyncTestClient(app):
            pass
    lines = [r.getMessage() for r in caplog.records if r.name == "hduce.plugins"]
    assert lines == [
        "plugin 'faulty' failed in its lifespan: RuntimeError: faulty exploded in lifespan"
    ]


def test_a_missing_contract_of_a_plugin_set_up_later_says_to_order_it(
    settings: Settings,
) -> None:
    message = refusal(with_extra(settings, f"{HERE}:NeedsSearchFinder"))
    assert "needs_finder" in message and "Finder" in message, message
    assert "no plugin set up before it provides" in message, message
    assert "`requires` or `after`" in message, message


# --- names a plugin may not take ----------------------------------------------------------------


class TakesCoresHealthCheck(HducePlugin):
    """Registers a health check named like core's database check."""

    name = "takes_database_check"

    def setup(self, context: Any) -> None:
        super().setup(context)
        self.env.registry.add_health_check("database", always_ok)


class TakesAnAnalyticsSection(HducePlugin):
    """Registers an analytics section named like auth's (`accounts`)."""

    name = "takes_analytics"
    requires = ("auth",)

    def setup(self, context: Any) -> None:
        super().setup(context)
        self.env.registry.add_analytics_source("accounts", always_ok)  # type: ignore[arg-type]


class ProvidesUsers(HducePlugin):
    """Provides the DI key of the users plugin."""

    name = "provides_users"

    def dependencies(self) -> dict[str, Provide]:
        return {"users": Provide(lambda: "not the users services", sync_to_thread=False)}


class NamedPrincipal(HducePlugin):
    """Named like core's `principal` dependency."""

    name = "principal"


class NeedsSearchFinder(HducePlugin):
    """Requires search's Finder without ordering itself after search."""

    name = "needs_finder"

    def setup(self, context: Any) -> None:
        from hduce.contracts.search import Finder

        super().setup(context)
        self.env.require(Finder)


async def always_ok() -> HealthStatus:
    """A health check that is always fine."""
    return HealthStatus(ok=True)


@get("/users/me", sync_to_thread=False)
def hijacked_me() -> dict[str, bool]:
    """A route the users plugin already has."""
    return {"hijacked": True}


@get("/twice", name="first", sync_to_thread=False)
def first() -> str:
    """One of two handlers for the same route."""
    return "first"


@get("/twice", name="second", sync_to_thread=False)
def second() -> str:
    """The other."""
    return "second"


@get("/health", sync_to_thread=False)
def own_health() -> str:
    """A root route the metrics plugin already has."""
    return "mine"


class TakesUsersMe(HducePlugin):
    """Serves GET /api/v1/users/me, the users plugin's."""

    name = "takes_users_me"

    def route_handlers(self) -> Sequence[Any]:
        return (hijacked_me,)


class ServesARouteTwice(HducePlugin):
    """Two handlers for GET /api/v1/twice."""

    name = "serves_twice"

    def route_handlers(self) -> Sequence[Any]:
        return (first, second)


class TakesHealth(HducePlugin):
    """Serves GET /health at the root, core's liveness."""

    name = "takes_health"

    def root_route_handlers(self) -> Sequence[Any]:
        return (own_health,)


def test_core_health_check_names_are_refused() -> None:
    from hduce.core.registry import CORE_HEALTH_CHECKS

    registry = Registry()
    for name in CORE_HEALTH_CHECKS:
        with pytest.raises(ValueError, match=name):
            registry.add_health_check(name, always_ok)


def test_a_health_check_named_like_cores_stops_start_naming_the_plugin(
    settings: Settings,
) -> None:
    message = refusal(with_extra(settings, f"{HERE}:TakesCoresHealthCheck"))
    assert message.startswith("plugin 'takes_database_check' failed in setup(): "), message
    assert "'database'" in message, message


def test_an_analytics_section_taken_stops_start_naming_the_plugin(settings: Settings) -> None:
    message = refusal(with_extra(settings, f"{HERE}:TakesAnAnalyticsSection"))
    assert message.startswith("plugin 'takes_analytics' failed in setup(): "), message
    assert "'accounts' is already registered" in message, message


def test_a_dependency_named_like_another_plugins_is_refused(settings: Settings) -> None:
    message = refusal(with_extra(settings, f"{HERE}:ProvidesUsers"))
    assert message.startswith("plugin 'provides_users' provides the dependency 'users'"), message


def test_a_plugin_named_like_a_reserved_dependency_is_refused(settings: Settings) -> None:
    message = refusal(with_extra(settings, f"{HERE}:NamedPrincipal"), load_plugins)
    assert "'principal'" in message and "reserved" in message, message


def test_the_reserved_names_cover_litestars_and_the_plugins_tables_keys() -> None:
    from litestar.constants import RESERVED_KWARGS, SKIP_VALIDATION_NAMES

    from hduce.core.config.settings import PluginsSettings
    from hduce.core.plugin import RESERVED_NAMES

    assert RESERVED_KWARGS | SKIP_VALIDATION_NAMES | {"principal"} <= RESERVED_NAMES
    # `[plugins.<name>]` is a plugin's section: a plugin named like a key of `[plugins]` (or
    # `load_order`, which `hduce config show` adds there) would have none of its own.
    assert {*PluginsSettings.__struct_fields__, "load_order"} <= RESERVED_NAMES


@pytest.mark.parametrize(
    ("plugin", "route", "owners"),
    [
        ("TakesUsersMe", "GET /api/v1/users/me", ("'takes_users_me'", "'users'")),
        ("ServesARouteTwice", "GET /api/v1/twice", ("'serves_twice'",)),
        ("TakesHealth", "GET /health", ("'takes_health'",)),
    ],
)
def test_a_route_served_twice_stops_start_naming_the_plugins(
    settings: Settings, plugin: str, route: str, owners: tuple[str, ...]
) -> None:
    message = refusal(with_extra(settings, f"{HERE}:{plugin}"))
    assert f"adds the route {route}, which" in message, message
    assert all(f"plugin {owner}" in message for owner in owners), message


def test_core_health_checks_are_the_probes_own() -> None:
    from hduce.core.registry import CORE_HEALTH_CHECKS
    from hduce.plugins.metrics.services._probe import HealthProbe

    assert all(callable(getattr(HealthProbe, name)) for name in CORE_HEALTH_CHECKS)
