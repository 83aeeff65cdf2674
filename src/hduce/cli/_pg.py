"""The database side of `hduce backup` and `hduce restore`, with PostgreSQL's own tools."""

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg

from hduce.core.migrations import applied_migrations
from hduce.runtime import PG_BIN_DIR

# What `psql` runs before the backup's own SQL, in the transaction that ends with its COMMIT.
REPLACE_PUBLIC = (
    b"BEGIN;\nSET client_min_messages = warning;\n"
    b"DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n"
)
TOOL_PREFIX = re.compile(r"^(psql:[^:]*:\d+: |[\w-]+: error: )")  # which tool, and where


class PgToolFailed(Exception):
    """A PostgreSQL tool failed (one line: which, and its error)."""


async def dump_database(database_url: str, dump: Path) -> list[str]:
    """`pg_dump` the database into `dump`; the migrations applied in what it holds (`app/id`).

    Both are read from one snapshot, so the list is the dump's even while a migration runs.
    """
    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
            migrations = await applied_migrations(connection)
            # The store ids are the deployment's: a restored store gets a new one at next start.
            dumping = (
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={dump}",
                "--exclude-table-data=shared_storage",
            )
            await asyncio.to_thread(_run, "pg_dump", database_url, *dumping)
    finally:
        await connection.close()
    return migrations


def restore_database(database_url: str, dump: Path) -> None:
    """Replace the `public` schema by the one in `dump`, all or nothing.

    The dump is read first (`pg_restore --list`: a newer pg_dump's, a damaged one); then
    dropping the old schema and loading the new one are one transaction, committed only once
    `pg_restore` has written all of it without error: any failure leaves the database as it was.
    """
    _run("pg_restore", None, "--list", str(dump))
    restore, _ = _command("pg_restore", None, "--no-owner", "--no-privileges", "--file=-")
    psql, env = _command("psql", database_url, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1")
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        loader = subprocess.Popen(
            [*psql, "--set=VERBOSITY=terse"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
            env=env,
        )
        reader = subprocess.Popen(
            [*restore, str(dump)], stdout=subprocess.PIPE, stderr=restore_errors
        )
        _stream(reader, loader)
        for process, errors, failed in (
            (loader, psql_errors, "restoring the database"),
            (reader, restore_errors, "pg_restore"),
        ):
            if process.returncode != 0:
                errors.seek(0)
                raise PgToolFailed(f"{failed} failed: {_error_line(errors.read())}")


def _stream(reader: subprocess.Popen[bytes], loader: subprocess.Popen[bytes]) -> None:
    """Feed `reader`'s SQL to `loader` inside `REPLACE_PUBLIC`'s transaction; wait for both.

    COMMIT is written only when `reader` exited 0; else `loader` reaches the end of its input
    inside the transaction, and PostgreSQL rolls it back as the session ends.
    """
    assert reader.stdout is not None and loader.stdin is not None
    try:
        with contextlib.suppress(BrokenPipeError):  # `loader` stopped at an error
            loader.stdin.write(REPLACE_PUBLIC)
            shutil.copyfileobj(reader.stdout, loader.stdin)
            if reader.wait() == 0:
                loader.stdin.write(b"COMMIT;\n")
    finally:
        reader.stdout.close()  # a `reader` still writing stops (broken pipe)
        with contextlib.suppress(BrokenPipeError):
            loader.stdin.close()
        reader.wait()
        loader.wait()


def _run(tool: str, database_url: str | None, *args: str) -> None:
    """Run `tool` of the embedded PostgreSQL; PgToolFailed with its error line."""
    command, env = _command(tool, database_url, *args)
    result = subprocess.run(command, capture_output=True, env=env, check=False)
    if result.returncode != 0:
        raise PgToolFailed(f"{tool} failed: {_error_line(result.stderr)}")


def _command(tool: str, database_url: str | None, *args: str) -> tuple[list[str], dict[str, str]]:
    """The command line running `tool` (on `database_url`, if any) and its environment."""
    # The password goes in the environment: a command line is visible to every local user.
    env = dict(os.environ)
    if database_url is None:
        return [str(PG_BIN_DIR / tool), *args], env
    parts = urlsplit(database_url)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", "@", 1))
    return [str(PG_BIN_DIR / tool), f"--dbname={parts.geturl()}", *args], env


def _error_line(stderr: bytes) -> str:
    """The last error line a tool wrote (else its last line), without the tool's prefix."""
    lines = [" ".join(line.split()) for line in stderr.decode(errors="replace").splitlines()]
    errors = [line for line in lines if "error:" in line.lower() or "fatal:" in line.lower()]
    return TOOL_PREFIX.sub("", (errors or [line for line in lines if line] or ["no output"])[-1])
