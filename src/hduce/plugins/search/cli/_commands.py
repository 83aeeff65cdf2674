"""`hduce search reindex` and `hduce models install`, added by the search plugin."""

from typing import TYPE_CHECKING

import rich_click as click

from hduce.core.cli import EXIT_CONFIG, fail, run_with_plugin
from hduce.core.cli_progress import progress
from hduce.core.config import ConfigError, load_settings
from hduce.plugins.search.cli import models_group, search_group
from hduce.plugins.search.services._indexer import ReindexReport
from hduce.plugins.search.services.embedding.install import (
    GRAPHS,
    Precision,
    install,
    is_installed,
    model_dir,
    steps,
)
from hduce.plugins.search.services.embedding.weights import ModelMissing

if TYPE_CHECKING:
    from hduce.plugins.search import SearchPlugin


@search_group.command("reindex")
@click.option("--restart", is_flag=True, help="Start over instead of resuming a cut rebuild.")
@click.pass_context
def search_reindex(ctx: click.Context, restart: bool) -> None:
    """Rebuild the search index from its sources (e.g. after switching to Meilisearch).

    A rebuild that was interrupted goes on from where it stopped.
    """

    async def work(search: "SearchPlugin") -> ReindexReport:
        with progress("reindex", await search.reindex_total(restart=restart)) as advance:
            return await search.reindex(advance, restart=restart)

    report = run_with_plugin(ctx, "search", work)
    if report.resumed:
        click.echo("resumed an interrupted rebuild")
    counts = ", ".join(f"{count} {kind}" for kind, count in report.written.items())
    click.echo(f"reindexed {counts}; pruned {report.pruned}; {report.seconds:.2f}s")


@models_group.command("install")
@click.option("--force", is_flag=True, help="Build again even if the model is installed.")
@click.option(
    "--precision",
    type=click.Choice(list(GRAPHS)),
    help="fp32, or int8 built next to it (default: plugins.search.embedder_precision).",
)
@click.pass_context
def models_install(ctx: click.Context, force: bool, precision: Precision | None) -> None:
    """Build the local embedding model (all-MiniLM-L6-v2, ONNX) into the data dir."""
    try:
        settings = load_settings(ctx.find_root().obj.get("config"))
    except ConfigError as exc:
        fail(f"config error: {exc}", EXIT_CONFIG)
    precision = precision or settings.plugins.sections.get("search", {}).get(
        "embedder_precision", "fp32"
    )
    if precision not in GRAPHS:
        fail(f"config error: plugins.search.embedder_precision: {precision!r}", EXIT_CONFIG)
    if not force and is_installed(settings.data_dir, precision):
        click.echo(f"already installed: {model_dir(settings.data_dir)}")
        return
    try:
        with progress("models install", steps(precision)) as advance:
            built = install(settings.data_dir, precision=precision, force=True, progress=advance)
    except ModelMissing as exc:
        fail(str(exc))
    click.echo(f"installed all-minilm-l6-v2 ({precision}) into {built}")
