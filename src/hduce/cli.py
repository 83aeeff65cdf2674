"""The `hduce` command line."""

import asyncio
import functools
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import asyncpg
import msgspec
import rich_click as click

from hduce import __version__
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.contracts.identity import Role
from hduce.core.config import ConfigError, Settings, load_settings, masked_settings
from hduce.core.config.masking import mask_url
from hduce.core.db import DatabaseUnavailable, open_database
from hduce.core.errors import HduceError
from hduce.core.logging import configure_logging
from hduce.core.migrations import MigrationFailed, apply_migrations
from hduce.core.tasks import BrokerUnavailable, check_jetstream
from hduce.embedded import development_secret, embedded_postgres, services
from hduce.piccolo_conf import DB
from hduce.plugins.audit.chain import ChainReport, verify_chain
from hduce.plugins.auth import AuthPlugin
from hduce.runtime import EmbeddedServiceError, port_is_free

EXIT_FAILURE, EXIT_CONFIG = 1, 2
T = TypeVar("T")
RUNTIME_ERRORS = (DatabaseUnavailable, BrokerUnavailable, EmbeddedServiceError, MigrationFailed)


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print one clear line to stderr and exit."""
    click.echo(f"hduce: {message}", err=True)
    sys.exit(code)


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
    """In development without `JWT_SECRET`, use (and export) a secret kept under `data_dir`."""
    if settings.auth.jwt_secret:
        return settings
    os.environ["JWT_SECRET"] = development_secret(settings)
    return settings_from(ctx)


def terminate_gracefully() -> None:
    """Let SIGTERM unwind like Ctrl-C so embedded servers are always stopped."""

    def handler(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


@click.group()
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    help="Config file (default: ./hduce.toml).",
)
@click.version_option(__version__, prog_name="hduce")
@click.pass_context
def hduce(ctx: click.Context, config: str | None) -> None:
    """HDuce: a clinic backend in one service."""
    ctx.obj = {"config": config}
    if config:
        os.environ["HDUCE_CONFIG"] = config


@hduce.command()
@click.option("--host", help="Interface to listen on (default: server.host).")
@click.option("--port", type=int, help="Port to listen on (default: server.port).")
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
@click.option(
    "--no-worker", is_flag=True, help="Do not run tasks in this process (use `hduce worker`)."
)
@click.option("--no-migrate", is_flag=True, help="Do not apply migrations at start.")
@click.pass_context
def serve(
    ctx: click.Context,
    host: str | None,
    port: int | None,
    reload: bool,
    no_worker: bool,
    no_migrate: bool,
) -> None:
    """Run the API, the outbox relay and (by default) a task worker, with embedded services."""
    import uvicorn

    overrides = {
        "HDUCE_SERVER__HOST": host,
        "HDUCE_SERVER__PORT": port,
        "HDUCE_WORKER__EMBEDDED": no_worker and "false",
    }
    os.environ.update({k: str(v) for k, v in overrides.items() if v})
    settings = settings_from(ctx)
    with clear_errors():
        load_plugins(settings)
    server = settings.server
    if not port_is_free(server.host, server.port):
        fail(f"port {server.port} on {server.host} is already in use (set --port or server.port)")
    settings = with_signing_secret(ctx, settings)
    terminate_gracefully()
    with clear_errors(), services(settings) as urls:
        os.environ.update({"DATABASE_URL": urls.database, "HDUCE_NATS__URL": urls.nats})
        asyncio.run(_preflight(settings, urls.database, urls.nats, migrate=not no_migrate))
        uvicorn.run(
            "hduce.app:create_app_from_environment",
            factory=True,
            host=server.host,
            port=server.port,
            reload=reload,
            log_config=None,
            access_log=False,
            lifespan="on",
        )


@hduce.command()
@click.option("--concurrency", type=int, help="Tasks run at once (default: worker.concurrency).")
@click.pass_context
def worker(ctx: click.Context, concurrency: int | None) -> None:
    """Run task receivers only (document extraction, notifications, sweeps)."""
    from hduce.worker import run_worker

    settings = with_signing_secret(ctx, settings_from(ctx))
    terminate_gracefully()
    with clear_errors(), services(settings) as urls:
        asyncio.run(
            run_worker(
                settings, urls.database, urls.nats, concurrency or settings.worker.concurrency
            )
        )


@hduce.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Apply pending database migrations."""
    settings = settings_from(ctx)
    with clear_errors(), services(settings) as urls:
        _run_migrations(settings, urls.database, quiet=False)


@hduce.group()
def db() -> None:
    """Manage the embedded PostgreSQL."""


@db.command("start")
@click.pass_context
def db_start(ctx: click.Context) -> None:
    """Start the embedded PostgreSQL and leave it running."""
    with clear_errors():
        dsn = embedded_postgres(settings_from(ctx.find_root())).start()
    click.echo(f"running: {mask_url(dsn)}")


@db.command("stop")
@click.pass_context
def db_stop(ctx: click.Context) -> None:
    """Stop the embedded PostgreSQL."""
    with clear_errors():
        embedded_postgres(settings_from(ctx.find_root())).stop()
    click.echo("stopped")


@db.command("status")
@click.pass_context
def db_status(ctx: click.Context) -> None:
    """Show whether the embedded PostgreSQL is running (exit code 3 when stopped)."""
    status = embedded_postgres(settings_from(ctx.find_root())).status()
    click.echo(
        f"{'running' if status.running else 'stopped'}  pid={status.pid}  pgdata={status.pgdata}"
    )
    if not status.running:
        sys.exit(3)


@hduce.group()
def user() -> None:
    """Manage accounts."""


@user.command("create")
@click.option("--email", required=True, help="E-mail address (also a login).")
@click.option("--username", required=True, help="Username (also a login).")
@click.option(
    "--role",
    "roles",
    type=click.Choice([r.value for r in Role]),
    multiple=True,
    default=["admin"],
    show_default=True,
    help="Role to grant (repeat for several).",
)
@click.option("--first-name", default="Admin", show_default=True)
@click.option("--last-name", default="", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def user_create(
    ctx: click.Context,
    email: str,
    username: str,
    roles: tuple[str, ...],
    first_name: str,
    last_name: str,
    password_stdin: bool,
) -> None:
    """Create an active account with a verified e-mail address (bootstraps the first admin)."""
    root = ctx.find_root()
    settings = with_signing_secret(root, settings_from(root))
    with clear_errors():
        plugins = load_plugins(settings)
    auth = next((p for p in plugins if isinstance(p, AuthPlugin)), None)
    if auth is None:
        fail("the auth plugin is not enabled: add it to `plugins.enabled`", EXIT_CONFIG)
    if password_stdin:
        password = click.get_text_stream("stdin").readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with clear_errors(), services(settings) as urls:
        context = build_context(settings, "worker", urls.database, urls.nats)
        setup_plugins(context, plugins)
        create = functools.partial(
            auth.registration.create_account,
            email=email,
            username=username,
            password=password,
            roles=sorted(set(roles)),
            first_name=first_name,
            last_name=last_name,
        )
        try:
            entry = asyncio.run(_with_database(settings, urls.database, create))
        except HduceError as exc:
            fail(exc.detail)
    roles_shown = ",".join(sorted(entry.roles))
    click.echo(f"created {entry.username} <{entry.email}> {roles_shown} {entry.id}")


@hduce.group("config")
def config_group() -> None:
    """Inspect configuration."""


@config_group.command("show")
@click.pass_context
def config_show(ctx: click.Context) -> None:
    """Print the effective configuration as JSON, secrets masked."""
    settings = settings_from(ctx.find_root())
    click.echo(msgspec.json.format(msgspec.json.encode(masked_settings(settings)), indent=2))


@hduce.command()
def version() -> None:
    """Print the HDuce version."""
    click.echo(__version__)


@hduce.group("audit")
def audit_group() -> None:
    """Inspect the audit log."""


@audit_group.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Walk the audit log's hash chain; exit 1 and name the first broken link if there is one."""
    settings = settings_from(ctx.find_root())
    with clear_errors(), services(settings) as urls:
        try:
            report = asyncio.run(_verify_audit(settings, urls.database))
        except asyncpg.UndefinedTableError:
            fail("the database has no audit log: run `hduce migrate` first")
    click.echo(report.summary())
    if not report.ok:
        sys.exit(EXIT_FAILURE)


async def _verify_audit(settings: Settings, database_url: str) -> ChainReport:
    DB.configure(database_url)
    async with open_database(DB, settings.database) as pool:
        return await verify_chain(pool)


def _run_migrations(settings: Settings, database_url: str, *, quiet: bool) -> None:
    asyncio.run(_migrate(settings, database_url, quiet=quiet))


async def _migrate(settings: Settings, database_url: str, *, quiet: bool) -> None:
    DB.configure(database_url)
    async with open_database(DB, settings.database):
        await apply_migrations(quiet=quiet)


async def _with_database(
    settings: Settings, database_url: str, work: Callable[[], Awaitable[T]]
) -> T:
    """Run `work` with the pool open and migrations applied."""
    DB.configure(database_url)
    async with open_database(DB, settings.database):
        await apply_migrations(quiet=True)
        return await work()


async def _preflight(
    settings: Settings, database_url: str, nats_url: str, *, migrate: bool
) -> None:
    """Fail fast, with one clear line, when the database or NATS cannot be used."""
    DB.configure(database_url)
    async with open_database(DB, settings.database):
        if migrate:
            await apply_migrations(quiet=True)
    await check_jetstream(nats_url, float(settings.nats.connect_timeout))


def main() -> None:
    """Entry point of the `hduce` console script."""
    hduce(prog_name="hduce")
