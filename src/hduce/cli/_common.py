"""Shared pieces of the `hduce` command line: the group, clear errors, settings, database."""

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import rich_click as click

from hduce import __version__
from hduce.bootstrap import build_context, load_plugins, register_migrations, setup_plugins
from hduce.cli._served_address import with_served_address
from hduce.core.cli import DATABASE_RUNNER_KEY, EXIT_CONFIG, RUNNER_KEY, fail
from hduce.core.config import ConfigError, Settings, load_settings
from hduce.core.db import Database, DatabaseUnavailable, open_database
from hduce.core.errors import HduceError
from hduce.core.logging import configure_logging
from hduce.core.migrations import MigrationFailed, apply_migrations
from hduce.core.plugin import HducePlugin
from hduce.core.tasks import BrokerUnavailable, check_jetstream
from hduce.embedded import development_secret, services
from hduce.piccolo_conf import DB
from hduce.runtime import EmbeddedServiceError

T = TypeVar("T")
RUNTIME_ERRORS = (DatabaseUnavailable, BrokerUnavailable, EmbeddedServiceError, MigrationFailed)


@contextmanager
def clear_errors() -> Iterator[None]:
    """Turn known start-up failures into one line and a non-zero exit code."""
    try:
        yield
    except ConfigError as exc:
        fail(f"config error: {exc}", EXIT_CONFIG)
    except RUNTIME_ERRORS as exc:
        fail(str(exc))


def settings_from(ctx: click.Context) -> Settings:
    """Load settings for a command, exiting with code 2 on a config error."""
    with clear_errors():
        settings = load_settings(ctx.obj.get("config"))
    configure_logging(settings.logging, production=settings.is_production)
    return settings


def with_signing_secret(ctx: click.Context, settings: Settings) -> Settings:
    """In development without `JWT_SECRET`, use (and export) a secret kept under `data_dir`.

    Exits with code 2 when that `data_dir` cannot be created or written.
    """
    if settings.auth.jwt_secret:
        return settings
    with clear_errors():
        os.environ["JWT_SECRET"] = development_secret(settings)
    return settings_from(ctx)


def enabled_plugin(
    ctx: click.Context, name: str
) -> tuple[Settings, list[HducePlugin], HducePlugin]:
    """Settings (with a signing secret), the enabled plugins and the one called `name`.

    Exits with code 2 when that plugin is not enabled.
    """
    root = ctx.find_root()
    settings = with_served_address(with_signing_secret(root, settings_from(root)))
    with clear_errors():
        plugins = load_plugins(settings)
    found = next((p for p in plugins if p.name == name), None)
    if found is None:
        fail(
            f"the {name} plugin is not enabled: add it to `plugins.enabled`",
            EXIT_CONFIG,
        )
    return settings, plugins, found


def run_with_plugin(ctx: click.Context, name: str, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work` with the plugin set up (as a worker would), the database open and migrated.

    A refused change (`HduceError`) is one line and exit 1.
    """
    settings, plugins, plugin = enabled_plugin(ctx, name)
    with clear_errors(), services(settings) as urls:
        context = build_context(settings, "worker", urls.database, urls.nats)
        setup_plugins(context, plugins)
        try:
            return asyncio.run(with_database(settings, urls.database, lambda: work(plugin)))
        except HduceError as exc:
            fail(exc.detail)
        finally:
            asyncio.run(context.registry.close())


def run_with_database(ctx: click.Context, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run `work` on the database as it is: nothing migrated, no plugin set up."""
    settings = settings_from(ctx.find_root())
    with clear_errors(), services(settings) as urls:
        return asyncio.run(on_database(settings, urls.database, work))


async def on_database(
    settings: Settings, database_url: str, work: Callable[[Database], Awaitable[T]]
) -> T:
    """`work(db)` with the pool open on `database_url` (`DatabaseUnavailable` if unreachable)."""
    DB.configure(database_url)
    async with open_database(DB, settings.database):
        return await work(Database(DB))


def terminate_gracefully() -> None:
    """Let SIGTERM and Ctrl-C unwind so embedded servers are always stopped.

    A stop on request ends in exit status 0, as `hduce worker`'s does: supervisors (systemd)
    count 143 as a failure, and click would answer Ctrl-C with "Aborted." and 1.
    """

    def handler(_signum: int, _frame: object) -> None:
        raise SystemExit(0)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, handler)


@click.group()
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    help="Config file (default: $HDUCE_CONFIG, else ./hduce.toml).",
)
@click.version_option(__version__, prog_name="hduce")
@click.pass_context
def hduce(ctx: click.Context, config: str | None) -> None:
    """HDuce: a clinic backend in one service."""
    ctx.obj = {
        "config": config,
        RUNNER_KEY: run_with_plugin,
        DATABASE_RUNNER_KEY: run_with_database,
    }
    if config:
        os.environ["HDUCE_CONFIG"] = config


def run_migrations(settings: Settings, database_url: str, *, quiet: bool) -> list[str]:
    """Apply pending migrations; the ones applied."""
    return asyncio.run(_migrate(settings, database_url, quiet=quiet))


async def _migrate(settings: Settings, database_url: str, *, quiet: bool) -> list[str]:
    DB.configure(database_url)
    async with open_database(DB, settings.database):
        return await _apply_migrations(settings, quiet=quiet)


async def with_database(
    settings: Settings, database_url: str, work: Callable[[], Awaitable[T]]
) -> T:
    """Run `work` with the pool open and migrations applied."""
    DB.configure(database_url)
    async with open_database(DB, settings.database):
        await _apply_migrations(settings, quiet=True)
        return await work()


async def preflight(settings: Settings, database_url: str, nats_url: str, *, migrate: bool) -> None:
    """Fail fast, with one clear line, when the database or NATS cannot be used."""
    DB.configure(database_url)
    async with open_database(DB, settings.database):
        if migrate:
            await _apply_migrations(settings, quiet=True)
    await check_jetstream(nats_url, float(settings.nats.connect_timeout))


async def _apply_migrations(settings: Settings, *, quiet: bool) -> list[str]:
    """Apply the pending migrations of core and of the enabled plugins (`plugins.extra` too)."""
    register_migrations(load_plugins(settings))
    return await apply_migrations(quiet=quiet)
