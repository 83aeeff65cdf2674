"""`hduce search reindex`."""

import asyncio

import rich_click as click

from hduce.bootstrap import build_context, setup_plugins
from hduce.cli._common import clear_errors, enabled_plugin, hduce, with_database
from hduce.embedded import services
from hduce.plugins.search import SearchPlugin


@hduce.group("search")
def search_group() -> None:
    """Manage the search index."""


@search_group.command("reindex")
@click.pass_context
def search_reindex(ctx: click.Context) -> None:
    """Rebuild the search index from its sources (e.g. after switching to Meilisearch)."""
    settings, plugins, search = enabled_plugin(ctx, SearchPlugin)
    with clear_errors(), services(settings) as urls:
        context = build_context(settings, "worker", urls.database, urls.nats)
        setup_plugins(context, plugins)
        try:
            report = asyncio.run(with_database(settings, urls.database, search.reindex))
        finally:
            asyncio.run(context.registry.close())
    counts = ", ".join(f"{count} {kind}" for kind, count in report.written.items())
    click.echo(f"reindexed {counts}; pruned {report.pruned}; {report.seconds:.2f}s")
