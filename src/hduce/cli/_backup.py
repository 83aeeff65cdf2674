"""`hduce backup PATH` and `hduce restore PATH`: the database and the document store together."""

import asyncio
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg
import rich_click as click

from hduce.bootstrap import load_plugins
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
from hduce.cli._startup import held_elsewhere
from hduce.core.cli import fail
from hduce.core.cli_progress import progress
from hduce.core.config import Settings
from hduce.embedded import resolve_data_dir, services
from hduce.runtime import PG_BIN_DIR

USER_TABLES = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
OTHER_CLIENTS = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
)
STOP_FIRST = "stop hduce serve and hduce worker first, then restore"


def document_root(settings: Settings) -> Path | None:
    """The folder of files an enabled plugin keeps (the documents'), or None when none keeps one."""
    with clear_errors():
        plugins = load_plugins(settings)
        data_dir = resolve_data_dir(settings)
    folders = (plugin.backup_folder(data_dir) for plugin in plugins)
    return next((folder for folder in folders if folder is not None), None)


def run_pg_tool(tool: str, database_url: str, *args: str) -> None:
    """Run `pg_dump` / `pg_restore` of the embedded PostgreSQL; exit 1 with its error line."""
    # The password goes in the environment: a command line is visible to every local user.
    parts = urlsplit(database_url)
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", "@", 1))
    command = [str(PG_BIN_DIR / tool), f"--dbname={parts.geturl()}", *args]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        fail(f"{tool} failed: {lines[-1] if lines else f'exit code {result.returncode}'}")


@hduce.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup(ctx: click.Context, path: Path) -> None:
    """Write a consistent backup of the database and the documents to PATH (a tar file)."""
    settings = settings_from(ctx)
    documents = document_root(settings)
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
        run_pg_tool("pg_dump", urls.database, "--format=custom", f"--file={dump}")
        files = list(document_files(documents)) if documents else []
        try:
            with progress("backup", len(files) + 1) as advance:
                write_archive(path, dump, documents or Path(scratch) / DOCUMENTS, advance)
        except OSError as exc:  # the half-written archive is gone already
            fail(f"cannot write {path}: {exc.strerror or exc}; nothing was kept")
    size = path.stat().st_size / 1e6
    click.echo(f"backed up the database and {len(files)} document files to {path} ({size:.1f} MB)")


@hduce.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database and documents that are there.")
@click.pass_context
def restore(ctx: click.Context, path: Path, force: bool) -> None:
    """Restore a backup made by `hduce backup` into an empty data dir (or database)."""
    settings = settings_from(ctx)
    documents = document_root(settings)
    with clear_errors():
        if held_elsewhere(settings, load_plugins(settings)):
            fail(f"a running hduce serve uses the data dir {settings.data_dir}: {STOP_FIRST}")
    try:
        files = read_manifest(path)["files"]
    except ArchiveError as exc:
        fail(str(exc))
    if documents and any(document_files(documents)) and not force:
        fail(f"{documents} holds documents: restore into an empty data dir, or pass --force")
    # Unpacked and checked under TMPDIR before the data dir or the database is touched.
    with tempfile.TemporaryDirectory(prefix="hduce-restore-") as scratch:
        unpacked = Path(scratch)
        with progress("verify", len(files)) as advance:
            try:
                unpack_verified(path, unpacked, advance)
            except ArchiveError as exc:
                fail(str(exc))
        with clear_errors(), services(settings) as urls:
            if problem := asyncio.run(_refusal(urls.database, force=force)):
                fail(problem)
            with progress("restore database", 1) as advance:
                asyncio.run(_empty_schema(urls.database))
                run_pg_tool(
                    "pg_restore",
                    urls.database,
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    str(unpacked / DATABASE),
                )
                advance(1)
        restored = _move_documents(unpacked / DOCUMENTS, documents)
    click.echo(f"restored the database and {restored} document files from {path}")


async def _refusal(database_url: str, *, force: bool) -> str | None:
    """Why the database may not be replaced: others use it, or it holds tables and no --force."""
    connection = await asyncpg.connect(database_url)
    try:
        if others := await connection.fetchval(OTHER_CLIENTS):
            return f"{others} other clients are connected to the database: {STOP_FIRST}"
        if await connection.fetchval(USER_TABLES) and not force:
            return "the database is not empty: restore into an empty data dir, or pass --force"
        return None
    finally:
        await connection.close()


async def _empty_schema(database_url: str) -> None:
    """Start from an empty `public` schema (what `--force` replaces)."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


def _move_documents(unpacked: Path, documents: Path | None) -> int:
    """Put the restored document files in the store (replacing it); how many there were."""
    files = list(document_files(unpacked))
    if documents is None or not unpacked.is_dir():
        return 0
    with progress("restore documents", len(files)) as advance:
        if documents.exists():
            shutil.rmtree(documents)
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
