"""`hduce search reindex`."""

import rich_click as click

from hduce.cli._common import hduce, run_with_plugin
from hduce.core.cli_progress import progress
from hduce.plugins.search import SearchPlugin
from hduce.plugins.search.indexer import ReindexReport


@hduce.group("search")
def search_group() -> None:
    """Manage the search index."""


@search_group.command("reindex")
@click.pass_context
def search_reindex(ctx: click.Context) -> None:
    """Rebuild the search index from its sources (e.g. after switching to Meilisearch)."""

    async def work(search: SearchPlugin) -> ReindexReport:
        with progress("reindex", None) as advance:
            return await search.reindex(advance)

    report = run_with_plugin(ctx, "search", work)
    counts = ", ".join(f"{count} {kind}" for kind, count in report.written.items())
    click.echo(f"reindexed {counts}; pruned {report.pruned}; {report.seconds:.2f}s")
