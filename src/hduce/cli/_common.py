"""Shared pieces of the `hduce` command line: the group, clear errors, settings, runners.

Cheap to import: what only some commands need is imported by the functions that use it.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import rich_click as click

from hduce import __version__
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.cli._served_address import with_served_address
from hduce.core.cli import DATABASE_RUNNER_KEY, EXIT_CONFIG, RUNNER_KEY, fail
from hduce.core.config import ConfigError, Settings, load_settings
from hduce.core.logging import configure_logging
from hduce.core.plugin import HducePlugin
from hduce.core.plugin_failures import PluginFailed

if TYPE_CHECKING:
    from hduce.core.db import Database

T = TypeVar("T")


def runtime_errors() -> tuple[type[Exception], ...]:
    """The start-up failures `clear_errors` tells in one line.

    Imported only once an exception is on its way (an `except` clause is evaluated then): their
    modules load the engine, TaskIQ and the embedded servers, which most commands never need.
    """
    from hduce.core.db import DatabaseUnavailable
    from hduce.core.migrations import MigrationFailed
    from hduce.core.tasks import BrokerUnavailable
    from hduce.runtime import EmbeddedServiceError

    return (DatabaseUnavailable, BrokerUnavailable, EmbeddedServiceError, MigrationFailed)


@contextmanager
def clear_errors() -> Iterator[None]:
    """Turn known start-up failures into one line and a non-zero exit code."""
    try:
        yield
    except PluginFailed as exc:  # the plugin's code, not the config: the line names it
        fail(str(exc), EXIT_CONFIG)
    except ConfigError as exc:
        fail(f"config error: {exc}", EXIT_CONFIG)
    except runtime_errors() as exc:
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
    from hduce.embedded import development_secret

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
    from hduce.cli._database import with_database
    from hduce.core.errors import HduceError
    from hduce.embedded import services

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
    from hduce.cli._database import on_database
    from hduce.embedded import services

    settings = settings_from(ctx.find_root())
    with clear_errors(), services(settings) as urls:
        return asyncio.run(on_database(settings, urls.database, work))


def terminate_gracefully() -> None:
    """Let SIGTERM, Ctrl-C and a hang-up unwind so embedded servers are always stopped.

    A stop on request ends in exit status 0, as `hduce worker`'s does: supervisors (systemd)
    count 143 as a failure, and click would answer Ctrl-C with "Aborted." and 1.
    """

    def handler(_signum: int, _frame: object) -> None:
        raise SystemExit(0)

    def hang_up(_signum: int, _frame: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # to whichever SIGTERM handler runs by then

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, handler)
    signal.signal(signal.SIGHUP, hang_up)


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
