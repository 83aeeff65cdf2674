"""`hduce serve`, `hduce worker` and `hduce migrate`."""

import asyncio
import os

import rich_click as click

from hduce.bootstrap import load_plugins
from hduce.cli._common import (
    clear_errors,
    fail,
    hduce,
    settings_from,
    terminate_gracefully,
    with_signing_secret,
)
from hduce.cli._served_address import leaving_address
from hduce.cli._startup import (
    busy_port,
    held_elsewhere,
    log_startup_warnings,
    refuse_in_production,
    refuse_while_served,
)


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
    from hduce.cli._database import preflight
    from hduce.cli._request_head import RequestHeadConfig
    from hduce.cli._shared_storage import check_shared_stores
    from hduce.cli._web_server import run_web_server, source_dirs
    from hduce.embedded import resolve_data_dir, services, warn_if_open, writable_data_dir

    overrides = {
        "HDUCE_SERVER__HOST": host,
        "HDUCE_SERVER__PORT": port,
        "HDUCE_WORKER__EMBEDDED": no_worker and "false",
    }
    os.environ.update({k: str(v) for k, v in overrides.items() if v})
    settings = settings_from(ctx)
    with clear_errors():
        plugins = load_plugins(settings)
        refuse_in_production(settings, plugins)
        log_startup_warnings(plugins)
    if problem := busy_port(settings, plugins):
        fail(problem)
    with clear_errors():
        warn_if_open(writable_data_dir(settings))
    if problem := held_elsewhere(settings, plugins):
        fail(problem)
    server = settings.server
    settings = with_signing_secret(ctx, settings)
    terminate_gracefully()
    with clear_errors(), services(settings) as urls, leaving_address(settings):
        os.environ.update({"DATABASE_URL": urls.database, "HDUCE_NATS__URL": urls.nats})
        asyncio.run(preflight(settings, urls.database, urls.nats, migrate=not no_migrate))
        check_shared_stores(settings, plugins, urls.database)
        config = RequestHeadConfig(
            "hduce.app:create_app_from_environment",
            factory=True,
            host=server.host,
            port=server.port,
            reload=reload,
            reload_dirs=source_dirs(plugins, resolve_data_dir(settings)) if reload else None,
            log_config=None,
            access_log=False,
            lifespan="on",
            server_header=False,  # no software banner for scanners; Date stays (RFC 9110)
            # uvicorn believes X-Forwarded-* from loopback unless told otherwise: only from ours.
            proxy_headers=bool(server.trusted_proxies),
            forwarded_allow_ips=list(server.trusted_proxies),
            timeout_graceful_shutdown=float(server.shutdown_timeout),
            header_timeout=float(server.header_timeout),
            max_header_size=server.request_max_header_size,
        )
        run_web_server(config)


@hduce.command()
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    help="Tasks run at once (default: worker.concurrency).",
)
@click.pass_context
def worker(ctx: click.Context, concurrency: int | None) -> None:
    """Run task receivers only (document extraction, notifications, sweeps)."""
    from hduce.cli._database import on_database, require_migrations
    from hduce.cli._shared_storage import check_shared_stores
    from hduce.embedded import services, warn_if_open, writable_data_dir
    from hduce.worker import run_worker

    settings = with_signing_secret(ctx, settings_from(ctx))
    with clear_errors():
        plugins = load_plugins(settings)
        refuse_in_production(settings, plugins)
        log_startup_warnings(plugins)
        warn_if_open(writable_data_dir(settings))
    terminate_gracefully()
    with clear_errors(), services(settings) as urls:
        asyncio.run(on_database(settings, urls.database, lambda _: require_migrations(settings)))
        check_shared_stores(settings, plugins, urls.database)
        asyncio.run(
            run_worker(
                settings, urls.database, urls.nats, concurrency or settings.worker.concurrency
            )
        )


@hduce.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Apply pending database migrations (stop a running `hduce serve` of the data dir first)."""
    from hduce.cli._database import run_migrations
    from hduce.embedded import services

    settings = settings_from(ctx)
    with clear_errors():
        refuse_while_served(settings, load_plugins(settings), "migrate")
    with clear_errors(), services(settings) as urls:
        if not run_migrations(settings, urls.database, quiet=False):
            click.echo("no migration to apply: the database is up to date")
