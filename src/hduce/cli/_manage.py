"""`hduce db`, `config` (`show`, `check`) and `version`."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import TYPE_CHECKING

import msgspec
import rich_click as click

from hduce import __version__
from hduce.bootstrap import BUILTIN_PLUGINS, load_plugins
from hduce.cli._common import clear_errors, hduce, settings_from
from hduce.cli._safety import unsafe_settings
from hduce.core.cli import fail
from hduce.core.config import Settings, load_settings, masked_settings
from hduce.core.config.masking import mask_url

if TYPE_CHECKING:
    from hduce.core.db import Database


@hduce.group()
def db() -> None:
    """Manage the embedded PostgreSQL (with an external one: only `status`)."""


@db.command("start")
@click.pass_context
def db_start(ctx: click.Context) -> None:
    """Start the embedded PostgreSQL and leave it running until `hduce db stop`.

    `serve`, `worker` and the other commands join it, and leave it running when they exit.
    """
    from hduce.embedded import embedded_postgres

    settings = embedded_only(ctx, "starts")
    with clear_errors():
        dsn = embedded_postgres(settings).keep()
    click.echo(f"running: {mask_url(dsn)}")


@db.command("stop")
@click.pass_context
def db_stop(ctx: click.Context) -> None:
    """Stop the embedded PostgreSQL (also one `db start` left running)."""
    from hduce.embedded import embedded_postgres

    settings = embedded_only(ctx, "stops")
    with clear_errors():
        embedded_postgres(settings).stop()
    click.echo("stopped")


@db.command("status")
@click.pass_context
def db_status(ctx: click.Context) -> None:
    """Show whether the database is running, or reachable when external (exit code 3 if not)."""
    from hduce.cli._database import on_database
    from hduce.core.db import DatabaseUnavailable
    from hduce.embedded import embedded_postgres

    settings = settings_from(ctx.find_root())
    if settings.database.url:
        try:
            asyncio.run(on_database(settings, settings.database.url, _answer))
        except DatabaseUnavailable as exc:
            click.echo(f"unreachable  external database: {exc}")
            sys.exit(3)
        click.echo(f"running  external database {mask_url(settings.database.url)}")
        return
    status = embedded_postgres(settings).status()
    if not status.running:
        click.echo("stopped")
        sys.exit(3)
    click.echo(f"running  pid={status.pid}  pgdata={status.pgdata}")


async def _answer(database: Database) -> None:
    await database.fetchval("SELECT 1")


def embedded_only(ctx: click.Context, verb: str) -> Settings:
    """The settings, or exit 1 with one line when the database is external (nothing to manage)."""
    settings = settings_from(ctx.find_root())
    if settings.database.url:
        fail(f"an external database is configured (database.url / DATABASE_URL); HDuce {verb} none")
    return settings


@hduce.group("config")
def config_group() -> None:
    """Inspect configuration."""


@config_group.command("show")
@click.pass_context
def config_show(ctx: click.Context) -> None:
    """Print the effective configuration as JSON, secrets masked.

    Checked as `serve` checks it; each enabled plugin's config, defaults included, is shown
    under `plugins.<name>`. `plugins.enabled` is the built-in plugins that run (not `null` for
    "all of them") and `plugins.load_order` every plugin `serve` loads, extras included, in
    the order it sets them up.
    """
    settings = settings_from(ctx.find_root())
    with clear_errors():
        plugins = load_plugins(settings)
    order = [plugin.name for plugin in plugins]
    chosen = msgspec.structs.replace(
        settings.plugins,
        enabled=tuple(name for name in order if name in BUILTIN_PLUGINS),
        sections={plugin.name: plugin.config for plugin in plugins},
    )
    masked = masked_settings(msgspec.structs.replace(settings, plugins=chosen))
    masked["plugins"].update({"load_order": order, **masked["plugins"].pop("sections")})
    click.echo(msgspec.json.format(msgspec.json.encode(masked), indent=2))


@config_group.command("check")
@click.pass_context
def config_check(ctx: click.Context) -> None:
    """List every unsafe production setting; exit 1 when there is one."""
    with clear_errors():
        settings = load_settings(ctx.find_root().obj.get("config"), production_rules=False)
        findings = unsafe_settings(settings, os.environ)
    for finding in findings:
        click.echo(f"unsafe: {finding.message}")
    if findings:
        fail(f"{len(findings)} unsafe settings for production")
    click.echo("no unsafe setting found")


@hduce.command()
def version() -> None:
    """Print the HDuce version."""
    click.echo(__version__)
