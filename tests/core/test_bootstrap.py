"""`load_plugins`: choosing, configuring and ordering plugins; `HducePlugin.on_app_init`."""

import warnings
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.app import DEFAULT_OPENAPI_CONFIG
from litestar.di import NamedDependency, Provide
from litestar.exceptions import LitestarDeprecationWarning
from litestar.openapi import OpenAPIConfig
from litestar.testing import AsyncTestClient
from litestar.types import ControllerRouterHandler

from hduce.bootstrap import BUILTIN_PLUGINS, load_plugins
from hduce.core.config import ConfigError, Duration, Section, Settings, load_settings
from hduce.core.plugin import API_PREFIX, HducePlugin, NoConfig
from hduce.plugins.metrics import MetricsPlugin
from hduce.plugins.metrics.config import MetricsConfig

HERE = __name__  # "tests.core.test_bootstrap": plugins below are named by this module path


class AlphaConfig(Section):
    """Settings of the test plugin `alpha`."""

    greeting: str = "hello"
    timeout: Duration = Duration(5)


@get("/alpha/greeting", sync_to_thread=False)
def alpha_greeting(alpha: NamedDependency[str]) -> dict[str, str]:
    """Answer with the greeting from alpha's config (alpha's DI key, its name)."""
    return {"greeting": alpha}


@get("/alpha-root", sync_to_thread=False)
def alpha_root() -> str:
    """A root-level handler of alpha."""
    return "root"


@get("/beta/ping", sync_to_thread=False)
def beta_ping() -> str:
    """Beta's only route."""
    return "pong"


class PluginA(HducePlugin):
    """Routes, a dependency, a lifespan and a config section."""

    name = "alpha"
    description = "The alpha test plugin"
    config_type = AlphaConfig

    def __init__(self, config: Section | None = None) -> None:
        super().__init__(config)
        self.events: list[str] = []

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        return (alpha_greeting,)

    def root_route_handlers(self) -> Sequence[ControllerRouterHandler]:
        return (alpha_root,)

    def dependencies(self) -> dict[str, Provide]:
        return {"alpha": Provide(self._greeting, sync_to_thread=False)}

    def _greeting(self) -> str:
        assert isinstance(self.config, AlphaConfig)
        return self.config.greeting

    def lifespans(self) -> Sequence[Any]:
        @asynccontextmanager
        async def alpha_lifespan(_: Litestar) -> AsyncIterator[None]:
            self.events.append("start")
            yield
            self.events.append("stop")

        return (alpha_lifespan,)


class PluginB(HducePlugin):
    """Requires alpha."""

    name = "beta"
    requires = ("alpha",)

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        return (beta_ping,)


class PluginC(HducePlugin):
    """Requires beta (so, transitively, alpha)."""

    name = "gamma"
    requires = ("beta",)


class NeedsMetrics(HducePlugin):
    """Requires the built-in metrics plugin."""

    name = "needs_metrics"
    requires = ("metrics",)


class AfterGamma(HducePlugin):
    """Set up after gamma when gamma is enabled; works without it."""

    name = "after_gamma"
    after = ("gamma",)


class CycleX(HducePlugin):
    """Half of a cycle."""

    name = "cycle_x"
    requires = ("cycle_y",)


class CycleY(HducePlugin):
    """The other half."""

    name = "cycle_y"
    requires = ("cycle_x",)


class Silent(HducePlugin):
    """No routes: adds no OpenAPI tag."""

    name = "silent"


class Nameless(HducePlugin):
    """Forgot to set `name`."""


class ImpostorMetrics(HducePlugin):
    """An extra plugin claiming a built-in's name."""

    name = "metrics"


class NotAPlugin:
    """A class that is not an HducePlugin."""

    name = "not_a_plugin"


def not_a_class() -> None:
    """A function, not a plugin class."""


@pytest.fixture
def settings_with(tmp_path: Path) -> Callable[..., Settings]:
    """Load real settings from a TOML body (development, so no secret is needed)."""

    def build(toml: str = "", **environ: str) -> Settings:
        path = tmp_path / "plugins.toml"
        path.write_text('environment = "development"\n' + toml, encoding="utf-8")
        return load_settings(config_file=str(path), environ=environ)

    return build


def plugins_toml(*extra: str, enabled: Sequence[str] = ()) -> str:
    """A `[plugins]` table enabling built-ins and test plugins from this module."""
    extra_specs = ", ".join(f'"{HERE}:{name}"' for name in extra)
    enabled_names = ", ".join(f'"{name}"' for name in enabled)
    return f"[plugins]\nenabled = [{enabled_names}]\nextra = [{extra_specs}]\n"


def names(plugins: Sequence[HducePlugin]) -> list[str]:
    return [plugin.name for plugin in plugins]


# --- choosing and ordering --------------------------------------------------------------------


def test_builtin_plugins_are_registered_by_name() -> None:
    assert BUILTIN_PLUGINS["metrics"] is MetricsPlugin


def test_default_settings_load_every_builtin_in_dependency_order(
    settings_with: Callable[..., Settings],
) -> None:
    plugins = load_plugins(settings_with())
    order = names(plugins)
    assert sorted(order) == sorted(BUILTIN_PLUGINS)
    assert order.index("audit") < order.index("auth") < order.index("users")
    metrics = next(p for p in plugins if isinstance(p, MetricsPlugin))
    assert metrics.config == MetricsConfig()


def test_plugins_are_ordered_by_requires(settings_with: Callable[..., Settings]) -> None:
    settings = settings_with(plugins_toml("PluginC", "PluginB", "PluginA"))
    plugins = load_plugins(settings)
    assert names(plugins) == ["alpha", "beta", "gamma"]
    assert [type(p) for p in plugins] == [PluginA, PluginB, PluginC]


def test_after_orders_enabled_plugins_and_ignores_absent_ones(
    settings_with: Callable[..., Settings],
) -> None:
    with_gamma = settings_with(plugins_toml("AfterGamma", "PluginC", "PluginB", "PluginA"))
    assert names(load_plugins(with_gamma)) == ["alpha", "beta", "gamma", "after_gamma"]
    assert names(load_plugins(settings_with(plugins_toml("AfterGamma")))) == ["after_gamma"]


def test_extra_plugins_from_the_environment(settings_with: Callable[..., Settings]) -> None:
    settings = settings_with(
        HDUCE_PLUGINS__EXTRA=f'["{HERE}:NeedsMetrics"]', HDUCE_PLUGINS__ENABLED='["metrics"]'
    )
    assert names(load_plugins(settings)) == ["metrics", "needs_metrics"]


def test_no_plugins_at_all(settings_with: Callable[..., Settings]) -> None:
    assert load_plugins(settings_with(plugins_toml())) == []


def test_unknown_builtin_name(settings_with: Callable[..., Settings]) -> None:
    settings = settings_with(plugins_toml(enabled=["metrics", "astrology"]))
    with pytest.raises(ConfigError, match=r"`plugins\.enabled`.*'astrology'"):
        load_plugins(settings)


def test_missing_requirement(settings_with: Callable[..., Settings]) -> None:
    settings = settings_with(plugins_toml("PluginC", "PluginA"))
    with pytest.raises(ConfigError, match=r"'gamma' requires beta"):
        load_plugins(settings)


def test_missing_builtin_requirement(settings_with: Callable[..., Settings]) -> None:
    settings = settings_with(plugins_toml("NeedsMetrics"))
    with pytest.raises(ConfigError, match=r"'needs_metrics' requires metrics"):
        load_plugins(settings)


def test_requirement_cycle(settings_with: Callable[..., Settings]) -> None:
    settings = settings_with(plugins_toml("CycleX", "CycleY"))
    with pytest.raises(ConfigError, match="cycle") as caught:
        load_plugins(settings)
    assert "cycle_x" in str(caught.value) and "cycle_y" in str(caught.value)


@pytest.mark.parametrize(
    "spec",
    [
        f"{HERE}:NotAPlugin",
        f"{HERE}:not_a_class",
        f"{HERE}:HERE",
        f"{HERE}:DoesNotExist",
        "tests.core.no_such_module:Plugin",
        HERE,
    ],
)
def test_extra_that_is_not_a_plugin(settings_with: Callable[..., Settings], spec: str) -> None:
    settings = settings_with(f'[plugins]\nenabled = []\nextra = ["{spec}"]\n')
    with pytest.raises(ConfigError, match=r"`plugins\.extra`") as caught:
        load_plugins(settings)
    assert spec in str(caught.value)


def test_extra_plugin_without_a_name(settings_with: Callable[..., Settings]) -> None:
    settings = settings_with(plugins_toml("Nameless"))
    with pytest.raises(ConfigError, match=r"`plugins\.extra`"):
        load_plugins(settings)


def test_extra_plugin_cannot_shadow_a_builtin(settings_with: Callable[..., Settings]) -> None:
    settings = settings_with(plugins_toml("ImpostorMetrics", enabled=["metrics"]))
    with pytest.raises(ConfigError, match="metrics"):
        load_plugins(settings)


# --- plugin sections --------------------------------------------------------------------------


def test_unknown_plugin_section(settings_with: Callable[..., Settings]) -> None:
    settings = settings_with("[plugins.astrology]\nstars = 5\n")
    with pytest.raises(ConfigError, match=r"unknown key `plugins\.astrology`"):
        load_plugins(settings)


def test_section_of_a_plugin_that_is_not_chosen(settings_with: Callable[..., Settings]) -> None:
    settings = settings_with(plugins_toml() + "[plugins.alpha]\ngreeting = 'hi'\n")
    with pytest.raises(ConfigError, match=r"unknown key `plugins\.alpha`"):
        load_plugins(settings)


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("colour = 'blue'\n", "plugins.metrics.colour"),
        ("max_task_lag = 'lots'\n", "plugins.metrics.max_task_lag"),
        ("check_timeout = 'soon'\n", "plugins.metrics.check_timeout"),
    ],
)
def test_bad_key_in_a_builtin_section(
    settings_with: Callable[..., Settings], section: str, key: str
) -> None:
    settings = settings_with("[plugins.metrics]\n" + section)
    with pytest.raises(ConfigError) as caught:
        load_plugins(settings)
    message = str(caught.value)
    assert f"`{key}`" in message
    assert "\n" not in message


def test_bad_key_in_a_disabled_builtin_section_is_still_rejected(
    settings_with: Callable[..., Settings],
) -> None:
    # A disabled plugin may keep its section, but a typo in it must not pass silently.
    settings = settings_with(plugins_toml() + "[plugins.metrics]\ncheck_timout = '2s'\n")
    with pytest.raises(ConfigError, match=r"plugins\.metrics\.check_timout"):
        load_plugins(settings)


def test_builtin_section_decodes_into_its_config(settings_with: Callable[..., Settings]) -> None:
    settings = settings_with("[plugins.metrics]\ncheck_timeout = '750ms'\nmax_task_lag = 12\n")
    metrics = next(p for p in load_plugins(settings) if isinstance(p, MetricsPlugin))
    assert metrics.config == MetricsConfig(check_timeout=Duration(0.75), max_task_lag=12)


def test_extra_plugin_section_decodes_into_its_config(
    settings_with: Callable[..., Settings],
) -> None:
    settings = settings_with(
        plugins_toml("PluginA") + "[plugins.alpha]\ngreeting = 'bonjour'\ntimeout = '2m'\n",
        HDUCE_PLUGINS__ALPHA__TIMEOUT="1h",
    )
    (alpha,) = load_plugins(settings)
    assert alpha.config == AlphaConfig(greeting="bonjour", timeout=Duration(3600))
    assert isinstance(alpha.config, AlphaConfig)


def test_plugin_without_section_gets_its_defaults(settings_with: Callable[..., Settings]) -> None:
    alpha, beta = load_plugins(settings_with(plugins_toml("PluginA", "PluginB")))
    assert alpha.config == AlphaConfig()
    assert beta.config == NoConfig()


def test_plugin_config_with_unknown_key(settings_with: Callable[..., Settings]) -> None:
    settings = settings_with(plugins_toml("PluginA") + "[plugins.alpha]\ngreting = 'typo'\n")
    with pytest.raises(ConfigError, match=r"unknown key `plugins\.alpha\.greting`"):
        load_plugins(settings)


def test_plugin_without_config_type_rejects_any_key(
    settings_with: Callable[..., Settings],
) -> None:
    settings = settings_with(plugins_toml("PluginA", "PluginB") + "[plugins.beta]\nx = 1\n")
    with pytest.raises(ConfigError, match=r"unknown key `plugins\.beta\.x`"):
        load_plugins(settings)


# --- on_app_init ------------------------------------------------------------------------------


async def test_routes_dependencies_and_lifespans_are_mounted(
    settings_with: Callable[..., Settings],
) -> None:
    settings = settings_with(
        plugins_toml("PluginA", "PluginB") + "[plugins.alpha]\ngreeting = 'salve'\n"
    )
    plugins = load_plugins(settings)
    alpha = plugins[0]
    assert isinstance(alpha, PluginA)
    app = Litestar(plugins=plugins, logging_config=None)
    async with AsyncTestClient(app) as client:
        assert alpha.events == ["start"]
        response = await client.get(f"{API_PREFIX}/alpha/greeting")
        assert response.status_code == 200
        assert response.json() == {"greeting": "salve"}
        assert (await client.get(f"{API_PREFIX}/beta/ping")).text == "pong"
        assert (await client.get("/alpha-root")).text == "root"
        assert (await client.get("/alpha/greeting")).status_code == 404
        assert (await client.get(f"{API_PREFIX}/alpha-root")).status_code == 404
    assert alpha.events == ["start", "stop"]


def _tag_names(app: Litestar) -> list[str]:
    assert app.openapi_config is not None
    return [tag.name for tag in app.openapi_config.tags or []]


def test_openapi_tags_do_not_accumulate_across_apps() -> None:
    default_tags = list(DEFAULT_OPENAPI_CONFIG.tags or [])
    first = Litestar(plugins=[PluginA()], logging_config=None)
    second = Litestar(plugins=[PluginB()], logging_config=None)
    third = Litestar(plugins=[PluginA(), PluginB()], logging_config=None)
    assert _tag_names(first) == ["alpha"]
    assert _tag_names(second) == ["beta"]
    assert _tag_names(third) == ["alpha", "beta"]
    assert list(DEFAULT_OPENAPI_CONFIG.tags or []) == default_tags
    assert first.openapi_config is not DEFAULT_OPENAPI_CONFIG


def test_openapi_tags_do_not_mutate_a_given_config() -> None:
    shared = OpenAPIConfig(title="Shared", version="1")
    first = Litestar(plugins=[PluginA()], openapi_config=shared, logging_config=None)
    second = Litestar(plugins=[PluginA()], openapi_config=shared, logging_config=None)
    assert _tag_names(first) == ["alpha"]
    assert _tag_names(second) == ["alpha"]
    assert shared.tags is None


def test_adding_a_tag_raises_no_deprecation_warning() -> None:
    # `dataclasses.replace` re-runs OpenAPIConfig.__post_init__ with the deprecated fields it
    # filled in, which warns on every app; copying the config and setting `tags` does not.
    with warnings.catch_warnings():
        warnings.simplefilter("error", LitestarDeprecationWarning)
        app = Litestar(plugins=[PluginA()], logging_config=None)
    assert _tag_names(app) == ["alpha"]


def test_plugin_without_routes_adds_no_tag() -> None:
    app = Litestar(plugins=[Silent()], logging_config=None)
    assert _tag_names(app) == []


def test_app_without_openapi_still_mounts_routes() -> None:
    app = Litestar(plugins=[PluginA()], openapi_config=None, logging_config=None)
    assert f"{API_PREFIX}/alpha/greeting" in {route.path for route in app.routes}


async def test_schema_lists_the_tag_and_the_prefixed_path() -> None:
    app = Litestar(plugins=[PluginA()], logging_config=None)
    async with AsyncTestClient(app) as client:
        schema = (await client.get("/schema/openapi.json")).json()
    assert {"name": "alpha", "description": "The alpha test plugin"} in schema["tags"]
    assert f"{API_PREFIX}/alpha/greeting" in schema["paths"]
