"""`hduce backup PATH` and `hduce restore PATH`: the database and the document store together."""

import asyncio
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import rich_click as click

from hduce.bootstrap import load_plugins, register_migrations
from hduce.cli._archive import (
    DATABASE,
    DOCUMENTS,
    ArchiveError,
    document_files,
    read_manifest,
    unpack_verified,
    write_archive,
)
from hduce.cli._common import clear_errors, hduce, settings_from
from hduce.cli._startup import refuse_while_served, stop_first
from hduce.core.cli import fail
from hduce.core.cli_progress import progress
from hduce.core.config import Settings
from hduce.core.plugin import HducePlugin

USER_TABLES = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
OTHER_CLIENTS = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
)
STOP_FIRST = stop_first("restore")


def document_root(settings: Settings, plugins: Sequence[HducePlugin]) -> Path | None:
    """The folder of files an enabled plugin keeps (the documents'), or None when none keeps one."""
    from hduce.cli._shared_storage import kept_stores

    with clear_errors():
        return next(iter(kept_stores(settings, plugins).values()), None)


@hduce.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup(ctx: click.Context, path: Path) -> None:
    """Write a consistent backup of the database and the documents to PATH (a tar file)."""
    from hduce.cli._pg import PgToolFailed, dump_database
    from hduce.embedded import services

    settings = settings_from(ctx)
    with clear_errors():
        documents = document_root(settings, load_plugins(settings))
    if path.exists():
        fail(f"{path} exists: choose a new file name (backups are never overwritten)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot write {path}: {path.parent} cannot be a folder ({exc.strerror})")
    with clear_errors(), services(settings) as urls, tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / DATABASE
        # One snapshot of the database, then the files: a file is stored before its row and
        # never changed, so every document the dump names is copied (one deleted while the
        # backup runs is the exception: it comes back without its file).
        try:
            migrations = asyncio.run(dump_database(urls.database, dump))
        except PgToolFailed as exc:
            fail(str(exc))
        root = documents or Path(scratch) / DOCUMENTS
        files = list(document_files(root))
        try:
            with progress("backup", len(files) + 1) as advance:
                manifest = write_archive(path, dump, migrations, (root, files), advance)
        except OSError as exc:  # the half-written archive is gone already
            fail(f"cannot write {path}: {exc.strerror or exc}; nothing was kept")
    size = path.stat().st_size / 1e6
    stored = len(manifest.files) - 1
    click.echo(f"backed up the database and {stored} document files to {path} ({size:.1f} MB)")


@hduce.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database and documents that are there.")
@click.pass_context
def restore(ctx: click.Context, path: Path, force: bool) -> None:
    """Restore a backup made by `hduce backup` into an empty data dir (or database)."""
    from hduce.cli._pg import PgToolFailed, restore_database
    from hduce.core.migrations import refuse_unknown
    from hduce.embedded import services

    settings = settings_from(ctx)
    with clear_errors():
        plugins = load_plugins(settings)
        refuse_while_served(settings, plugins, "restore")
        documents = document_root(settings, plugins)
        register_migrations(plugins)
    try:
        manifest = read_manifest(path)
    except ArchiveError as exc:
        fail(str(exc))
    with clear_errors():
        refuse_unknown(manifest.migrations, f"the backup {path}")
    if documents and any(document_files(documents)) and not force:
        fail(f"{documents} holds documents: restore into an empty data dir, or pass --force")
    # Unpacked and checked under TMPDIR before the data dir or the database is touched.
    with tempfile.TemporaryDirectory(prefix="hduce-restore-") as scratch:
        unpacked = Path(scratch)
        with progress("verify", len(manifest.files)) as advance:
            try:
                unpack_verified(path, unpacked, advance)
            except ArchiveError as exc:
                fail(str(exc))
        with clear_errors(), services(settings) as urls:
            if problem := asyncio.run(_refusal(urls.database, force=force)):
                fail(problem)
            with progress("restore database", 1) as advance:
                try:
                    restore_database(urls.database, unpacked / DATABASE)
                except PgToolFailed as exc:
                    fail(f"{exc}; nothing was changed")
                advance(1)
        # Only now, with the database in: the documents it names.
        restored = _replace_documents(unpacked / DOCUMENTS, documents)
    click.echo(f"restored the database and {restored} document files from {path}")


async def _refusal(database_url: str, *, force: bool) -> str | None:
    """Why the database may not be replaced: others use it, or it holds tables and no --force."""
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        if others := await connection.fetchval(OTHER_CLIENTS):
            return f"{others} other clients are connected to the database: {STOP_FIRST}"
        if await connection.fetchval(USER_TABLES) and not force:
            return "the database is not empty: restore into an empty data dir, or pass --force"
        return None
    finally:
        await connection.close()


def _replace_documents(unpacked: Path, documents: Path | None) -> int:
    """Replace the store by the restored document files (none: an empty store); how many."""
    if documents is None:
        return 0
    files = list(document_files(unpacked))
    with progress("restore documents", len(files)) as advance:
        if documents.exists():
            shutil.rmtree(documents)
        if unpacked.is_dir():
            documents.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(unpacked, documents)
            _owner_only(documents)
        advance(len(files))
    return len(files)


def _owner_only(documents: Path) -> None:
    """Folders 0700 and files 0600, as the document store keeps them (not as unpacked)."""
    documents.chmod(0o700)
    for path in documents.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
