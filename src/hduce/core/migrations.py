"""Where migrations live and how they are applied."""

import contextlib
import io
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import AppConfig
from piccolo.engine.finder import engine_finder
from piccolo.table import Table

logger = logging.getLogger("hduce.migrations")


STATEMENT_TIME = 24 * 3600.0
"""How long one migration statement may run: backfilling or indexing a large clinic's data
takes minutes to hours, where the pool's deadline is for everyday statements."""


class MigrationFailed(RuntimeError):
    """Piccolo reported a failed migration run."""


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
    without `quiet` one printed line. Piccolo's own banner only reaches DEBUG.
    """
    await BaseMigrationManager().create_migration_table()
    before = await _applied()
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        result = await run_forwards(app_name="all")
    logger.debug("piccolo: %s", report.getvalue().strip())
    applied = [name for name in await _applied() if name not in before]
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


async def _applied() -> list[str]:
    """Every migration recorded as run, as `app/id`, in the order it ran."""
    rows = await Migration.select(Migration.app_name, Migration.name).order_by(Migration.id)
    return [f"{row['app_name']}/{row['name']}" for row in rows]


def raw_sql_migration(
    *,
    migration_id: str,
    app_name: str,
    description: str,
    forwards_sql: list[str],
    backwards_sql: list[str],
) -> MigrationManager:
    """A Piccolo migration made of raw SQL statements (for what Piccolo has no column for)."""
    manager = MigrationManager(
        migration_id=migration_id, app_name=app_name, description=description
    )

    async def run_forwards_sql() -> None:
        await _run_statements(forwards_sql)

    async def run_backwards_sql() -> None:
        await _run_statements(backwards_sql)

    manager.add_raw(run_forwards_sql)
    manager.add_raw_backwards(run_backwards_sql)
    return manager


async def _run_statements(statements: list[str]) -> None:
    """Run `statements` in the migration's transaction, each for as long as it takes."""
    engine = engine_finder()
    if engine is None:
        raise MigrationFailed("no Piccolo engine is configured")
    # Piccolo runs every migration in a transaction; joining it gives its connection, on which
    # a statement gets `STATEMENT_TIME` rather than the pool's deadline for everyday work.
    async with engine.transaction(allow_nested=True) as transaction:
        for statement in statements:
            await transaction.connection.execute(statement, timeout=STATEMENT_TIME)
