"""`hduce search reindex`."""

import asyncio

import rich_click as click

from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.cli._common import (
    EXIT_CONFIG,
    clear_errors,
    fail,
    hduce,
    settings_from,
    with_database,
    with_signing_secret,
)
from hduce.embedded import services
from hduce.plugins.search import SearchPlugin


@hduce.group("search")
def search_group() -> None:
    """Manage the search index."""


@search_group.command("reindex")
@click.pass_context
def search_reindex(ctx: click.Context) -> None:
    """Rebuild the search index from its sources (e.g. after switching to Meilisearch)."""
    root = ctx.find_root()
    settings = with_signing_secret(root, settings_from(root))
    with clear_errors():
        plugins = load_plugins(settings)
    search = next((p for p in plugins if isinstance(p, SearchPlugin)), None)
    if search is None:
        fail("the search plugin is not enabled: add it to `plugins.enabled`", EXIT_CONFIG)
    with clear_errors(), services(settings) as urls:
        context = build_context(settings, "worker", urls.database, urls.nats)
        setup_plugins(context, plugins)
        try:
            report = asyncio.run(with_database(settings, urls.database, search.reindex))
        finally:
            asyncio.run(context.registry.close())
    counts = ", ".join(f"{count} {kind}" for kind, count in report.written.items())
    click.echo(f"reindexed {counts}; pruned {report.pruned}; {report.seconds:.2f}s")
