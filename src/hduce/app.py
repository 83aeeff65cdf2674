"""Compose the Litestar application from settings, the core services and the plugins."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.di import Provide
from litestar.middleware.rate_limit import RateLimitConfig

from hduce import __version__
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core.api_guard import api_guard
from hduce.core.config import Settings, load_settings
from hduce.core.context import AppContext
from hduce.core.cors import cors_config, install_refused_preflights
from hduce.core.db import open_database
from hduce.core.dependencies import resolve_dependencies_in_order
from hduce.core.error_answers import exception_handlers
from hduce.core.home import home
from hduce.core.json_bodies import StrictJsonRequest
from hduce.core.lifecycle import background_services, running_broker
from hduce.core.liveness import health
from hduce.core.logging import configure_logging
from hduce.core.openapi import docs_route_handlers, openapi_config
from hduce.core.openapi_contract import refine_openapi
from hduce.core.options_answers import answer_options_fully
from hduce.core.plugin import HducePlugin
from hduce.core.request_path import install_request_path
from hduce.core.security import provide_principal

UNLIMITED_PATHS = [
    "^/$",
    "^/health",
    "^/metrics$",
    "^/docs$",
    "^/redoc$",
    "^/schema",
    "^/openapi.json$",
    "^/static/",
]


def create_app(context: AppContext, plugins: list[HducePlugin], *, relay: bool = True) -> Litestar:
    """Build the web application; the core lifespan opens the pool, NATS, relay and receiver."""
    settings = context.settings

    @asynccontextmanager
    async def core_lifespan(_: Litestar) -> AsyncIterator[None]:
        async with (
            open_database(context.db, settings.database, deadlines=True),
            running_broker(context),
        ):
            try:
                async with background_services(
                    context, relay=relay, receiver=settings.worker.embedded
                ):
                    yield
            finally:
                await context.registry.close()

    resolve_dependencies_in_order()
    rate_limit = RateLimitConfig(
        rate_limit=("minute", settings.server.rate_limit_per_minute),
        exclude=UNLIMITED_PATHS,
    )
    app = Litestar(
        route_handlers=[health, *_home(plugins), *docs_route_handlers()],
        plugins=plugins,
        lifespan=[core_lifespan],
        dependencies={"principal": Provide(provide_principal, sync_to_thread=False)},
        middleware=[api_guard(rate_limit, context.tokens)],
        exception_handlers=exception_handlers(),
        request_class=StrictJsonRequest,
        openapi_config=openapi_config(__version__),
        cors_config=cors_config(settings.server),
        request_max_body_size=settings.server.request_max_body_size,
        debug=settings.debug,
        logging_config=None,
    )
    refine_openapi(app)
    answer_options_fully(app)
    install_refused_preflights(app)
    return install_request_path(app, body_timeout=float(settings.server.body_timeout))


def _home(plugins: list[HducePlugin]) -> list[object]:
    """The core's `/` (to the API docs) unless a plugin serves its own."""
    return [] if any(plugin.serves_home for plugin in plugins) else [home]


def build_web_app(settings: Settings, database_url: str, nats_url: str) -> Litestar:
    """Load and set up the plugins, then create the app."""
    plugins = load_plugins(settings)
    context = build_context(settings, "web", database_url, nats_url)
    setup_plugins(context, plugins)
    return create_app(context, plugins)


def create_app_from_environment() -> Litestar:
    """Uvicorn factory: `hduce serve` has already put the service URLs into the environment."""
    settings = load_settings()
    configure_logging(settings.logging, production=settings.is_production)
    return build_web_app(settings, settings.database.url, settings.nats.url)
