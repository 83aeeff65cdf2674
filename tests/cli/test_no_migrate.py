"""A start that applies no migrations (`serve --no-migrate`, `worker`) refuses, in one line, a
database lacking some: requests and tasks would fail on missing tables."""

from pathlib import Path

import asyncpg
import pytest

from tests.e2e.test_cli_commands import run

SHARED_STORAGE = "2026-12-09T10:00:00:000000"
"""Core's migration that made the shared_storage table."""


@pytest.mark.parametrize("command", [["serve", "--no-migrate"], ["worker"]])
def test_an_empty_database_is_one_line_naming_hduce_migrate(
    tmp_path: Path, empty_database: str, nats_url: str, command: list[str]
) -> None:
    """Regression: `serve --no-migrate` died in the app's start with a traceback
    (relation "refresh_token" does not exist)."""
    code, output = run(command, tmp_path, DATABASE_URL=empty_database, HDUCE_NATS__URL=nats_url)
    assert code == 1 and "Traceback" not in output, output[-3000:]
    (line,) = [line for line in output.splitlines() if "lacks migrations" in line]
    assert "run `hduce migrate` first" in line and "and " in line, line
    # The worker has no --no-migrate: the hint may not tell it to start without one.
    assert "start without --no-migrate" not in line, line


async def test_one_missing_migration_is_named(
    tmp_path: Path, clinic_database: str, nats_url: str
) -> None:
    connection = await asyncpg.connect(clinic_database)
    try:
        await connection.execute("DROP TABLE shared_storage")
        await connection.execute("DELETE FROM migration WHERE name = $1", SHARED_STORAGE)
    finally:
        await connection.close()
    code, output = run(
        ["serve", "--no-migrate"], tmp_path, DATABASE_URL=clinic_database, HDUCE_NATS__URL=nats_url
    )
    assert code == 1 and "Traceback" not in output, output[-3000:]
    assert f"lacks migrations of this HDuce (core/{SHARED_STORAGE})" in output, output[-3000:]
    environment = {"DATABASE_URL": clinic_database, "HDUCE_NATS__URL": nats_url}
    code, output = run(["migrate"], tmp_path, **environment)
    assert code == 0 and f"applied core/{SHARED_STORAGE}" in output, output
