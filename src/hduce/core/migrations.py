"""Where migrations live and how they are applied."""

import contextlib
import io
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.conf.apps import AppConfig
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from hduce.core.plugin_failures import one_line

logger = logging.getLogger("hduce.migrations")


MIGRATION_LOCK = 0x48_44_75_63_65_4D_69_67  # "HDuceMig"
"""The session-level advisory lock a migration run holds: one run at a time per database."""

STATEMENT_TIME = 24 * 3600.0
"""How long one migration statement may run: backfilling or indexing a large clinic's data
takes minutes to hours, where the pool's deadline is for everyday statements."""


class MigrationFailed(RuntimeError):
    """Piccolo reported a failed migration run, or the database is newer than this HDuce."""


def migrations_root() -> Path:
    """The top-level `migrations/` folder (`HDUCE_MIGRATIONS_DIR` overrides it)."""
    override = os.environ.get("HDUCE_MIGRATIONS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "migrations"


def migrations_folder(app_name: str) -> str:
    """The migrations folder of one Piccolo app."""
    return str(migrations_root() / app_name)


def app_config(
    app_name: str,
    tables: Sequence[type[Table]],
    after: str | None,
    migrations: Path | None = None,
) -> AppConfig:
    """The Piccolo app `app_name` (`core` or a plugin): its tables, migrated after app `after`.

    `after` is `core`, a built-in plugin's name or the module of another app (`pkg.piccolo_app`);
    `migrations` is the app's folder of migrations (default: `migrations/<app_name>`, the
    built-ins' folder in this repository).
    """
    return AppConfig(
        app_name=app_name,
        migrations_folder_path=str(migrations) if migrations else migrations_folder(app_name),
        table_classes=list(tables),
        migration_dependencies=[_app_module(after)] if after else [],
        commands=[],
    )


def _app_module(app: str) -> str:
    """The module of the Piccolo app `app`: itself when dotted, else core's or a built-in's."""
    if "." in app:
        return app
    return "hduce.core.piccolo_app" if app == "core" else f"hduce.plugins.{app}.piccolo_app"


async def apply_migrations(*, quiet: bool = False) -> list[str]:
    """Apply every pending migration and return them as `app/id`, in the order they ran.

    Each applied migration, and a summary, is one INFO log line (nothing when none ran), or
    without `quiet` one printed line. Piccolo's own banner only reaches DEBUG. Runs of several
    processes at once (instances of a scaled-out clinic starting together) take turns: the
    next finds the migrations applied and applies nothing.
    """
    async with _one_run_at_a_time() as connection:
        await _require_pgvector(connection)
        await BaseMigrationManager().create_migration_table()
        before = await applied_migrations(connection)
        refuse_unknown(before, "the database")
        report = io.StringIO()
        try:
            with contextlib.redirect_stdout(report):
                result = await run_forwards(app_name="all")
        except MigrationFailed:
            raise
        except Exception as exc:  # a Piccolo migration's own statement: name what did not run
            logger.debug("migrations failed", exc_info=True)
            left = _pending(await applied_migrations(connection))
            raise MigrationFailed(
                f"migrations failed ({_some(left)} not applied): {one_line(exc)}"
            ) from None
        after = await applied_migrations(connection)
    logger.debug("piccolo: %s", report.getvalue().strip())
    applied = [name for name in after if name not in before]
    lines = [f"applied {name}" for name in applied]
    if applied:
        lines.append(f"{len(applied)} migration{'s' if len(applied) != 1 else ''} applied")
    for line in lines:
        if quiet:
            logger.info("%s", line)
        else:
            print(line)
    if not result.success:
        raise MigrationFailed(f"migrations failed: {result.message}")
    return applied


@asynccontextmanager
async def _one_run_at_a_time() -> AsyncIterator[asyncpg.Connection]:
    """Hold `MIGRATION_LOCK` on a connection of its own (outside the pool) for the block."""
    connection = await _engine().get_new_connection()
    try:
        if not await connection.fetchval("SELECT pg_try_advisory_lock($1)", MIGRATION_LOCK):
            logger.info("another process is migrating this database: waiting for it to finish")
            await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        yield connection
    finally:
        await connection.close()  # ends the session, and with it the lock


async def _require_pgvector(connection: asyncpg.Connection) -> None:
    """Fail with one clear line when the database has no pgvector and cannot be given it."""
    found = await connection.fetchrow(
        "SELECT installed_version IS NOT NULL AS installed,"
        " (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser"
        " FROM pg_available_extensions WHERE name = 'vector'"
    )
    if found is None:
        raise MigrationFailed(
            "the database has no pgvector extension (vector); install it on the PostgreSQL "
            "server (e.g. the pgvector/pgvector:pg16 image, or the postgresql-16-pgvector "
            "package) and start again"
        )
    if not (found["installed"] or found["superuser"]):
        raise MigrationFailed(
            "the database has no pgvector extension (vector) and its user may not create it: "
            "run `CREATE EXTENSION vector` in it as a superuser and start again"
        )


def _engine() -> PostgresEngine:
    engine = engine_finder()
    if not isinstance(engine, PostgresEngine):
        raise MigrationFailed("no PostgreSQL engine is configured")
    return engine


async def applied_migrations(connection: asyncpg.Connection) -> list[str]:
    """Every migration recorded as run, as `app/id`, in the order it ran (none: no table)."""
    if not await connection.fetchval("SELECT to_regclass('migration') IS NOT NULL"):
        return []
    rows = await connection.fetch("SELECT app_name, name FROM migration ORDER BY id")
    return [f"{row['app_name']}/{row['name']}" for row in rows]


def refuse_unknown(applied: Iterable[str], holder: str) -> None:
    """Raise MigrationFailed when `holder` (the database, a backup) is newer than this HDuce.

    That is: it holds an applied migration of an app migrated here (core's, an enabled
    plugin's) that the app's migrations folder lacks. Migrations of apps not enabled here (a
    disabled plugin, an extra plugin not configured) are not this run's concern.
    """
    known = _known_migrations()
    unknown = [
        name
        for name in applied
        if (app := name.partition("/")[0]) in known and name.partition("/")[2] not in known[app]
    ]
    if unknown:
        raise MigrationFailed(
            f"{holder} was migrated by a newer HDuce (migration {_some(unknown)}):"
            " upgrade HDuce first"
        )


async def require_migrated() -> None:
    """Raise MigrationFailed unless the database has exactly the migrations of this HDuce.

    For a start that applies none (`serve --no-migrate`): without them, requests would fail on
    missing tables and columns.
    """
    connection = await _engine().get_new_connection()
    try:
        applied = await applied_migrations(connection)
    finally:
        await connection.close()
    refuse_unknown(applied, "the database")
    if pending := _pending(applied):
        raise MigrationFailed(
            f"the database lacks migrations of this HDuce ({_some(pending)}): run `hduce migrate`"
            " first (`hduce serve` without --no-migrate applies them too)"
        )


def _pending(applied: Iterable[str]) -> list[str]:
    """The migrations of the registered apps not among `applied`, as `app/id`."""
    done = set(applied)
    return [
        f"{app}/{name}"
        for app, names in _known_migrations().items()
        for name in sorted(names)
        if f"{app}/{name}" not in done
    ]


def _known_migrations() -> dict[str, set[str]]:
    """The migration ids of each registered app (core, the enabled plugins), by app name."""
    manager = BaseMigrationManager()
    return {
        config.app_name: set(manager.get_migration_modules(config.migrations_folder_path))
        for config in manager.get_app_registry().app_configs.values()
    }


def _some(names: list[str]) -> str:
    """The first three of `names`, and how many more."""
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return f"{', '.join(names[:3])}{more}"


Step = str | Callable[[asyncpg.Connection], Awaitable[object]]
"""One step of a raw SQL migration: a statement, or a function given the migration's connection
(for a step that looks at the database first, or reports how many rows it changed). A function
passes `timeout=STATEMENT_TIME` to its statements."""


def raw_sql_migration(
    *,
    migration_id: str,
    app_name: str,
    description: str,
    forwards_sql: Sequence[Step],
    backwards_sql: Sequence[Step],
) -> MigrationManager:
    """A Piccolo migration made of raw SQL steps (for what Piccolo has no column for)."""
    manager = MigrationManager(
        migration_id=migration_id, app_name=app_name, description=description
    )

    async def run_forwards_sql() -> None:
        try:
            await _run_steps(forwards_sql)
        except asyncpg.PostgresError as exc:
            raise MigrationFailed(
                f"migration {app_name}/{migration_id} failed: {one_line(exc)}"
            ) from None

    async def run_backwards_sql() -> None:
        await _run_steps(backwards_sql)

    manager.add_raw(run_forwards_sql)
    manager.add_raw_backwards(run_backwards_sql)
    return manager


async def _run_steps(steps: Sequence[Step]) -> None:
    """Run `steps` in the migration's transaction, each statement for as long as it takes."""
    engine = _engine()
    # Piccolo runs every migration in a transaction; joining it gives its connection, on which
    # a statement gets `STATEMENT_TIME` rather than the pool's deadline for everyday work.
    async with engine.transaction(allow_nested=True) as transaction:
        for step in steps:
            if isinstance(step, str):
                await transaction.connection.execute(step, timeout=STATEMENT_TIME)
            else:
                await step(transaction.connection)


async def changed_rows(connection: asyncpg.Connection, statement: str) -> int:
    """Run an INSERT, UPDATE or DELETE for as long as it takes; how many rows it changed."""
    status = await connection.execute(statement, timeout=STATEMENT_TIME)
    return int(status.rsplit(" ", 1)[-1])
