"""A database a newer HDuce migrated is refused: by `restore` from its backup, and at start."""

from pathlib import Path

import asyncpg

from tests.cli.archives import listed_migrations
from tests.cli.test_backup_refusals import hduce, one_line
from tests.e2e.test_cli_commands import run

NEWER = "2099-01-01T00:00:00:000000"


async def applied(database: str, app: str, migration: str = NEWER) -> None:
    """Record `app/migration` as applied, as a newer HDuce's migrate would."""
    connection = await asyncpg.connect(database)
    try:
        await connection.execute(
            "INSERT INTO migration (name, app_name, ran_on) VALUES ($1, $2, now())", migration, app
        )
    finally:
        await connection.close()


async def test_a_backup_of_a_newer_schema_is_refused_by_restore(
    tmp_path: Path, clinic_database: str, nats_url: str
) -> None:
    env = {"DATABASE_URL": clinic_database, "HDUCE_NATS__URL": nats_url}
    await applied(clinic_database, "appointments")
    archive = tmp_path / "newer.tar"
    code, output = run(["backup", str(archive)], tmp_path, **env)
    assert code == 0, output
    assert f"appointments/{NEWER}" in listed_migrations(archive)
    assert "core/2026-11-22T03:55:17:233371" in listed_migrations(archive)

    refused = hduce(tmp_path, "restore", "--force", str(archive), **env)
    assert refused.returncode == 1, refused.stdout
    line = one_line(refused.stderr)
    assert f"appointments/{NEWER}" in line and "newer HDuce" in line and "upgrade" in line


async def test_migrate_refuses_unknown_migrations_of_enabled_apps_only(
    tmp_path: Path, clinic_database: str
) -> None:
    env = {"DATABASE_URL": clinic_database, "HDUCE_NATS__URL": "nats://unused:1"}
    await applied(clinic_database, "staff_notes")  # a plugin that is not enabled here
    code, output = run(["migrate"], tmp_path, **env)
    assert code == 0, output

    await applied(clinic_database, "appointments")
    refused = hduce(tmp_path, "migrate", **env)
    assert refused.returncode == 1, refused.stdout
    line = one_line(refused.stderr)
    assert f"appointments/{NEWER}" in line and "newer HDuce" in line
    assert "staff_notes" not in line
