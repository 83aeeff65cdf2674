"""A `plugins.extra` plugin from a package outside the hduce tree (`examples/staff_notes`).

Its migrations run with everyone's (`hduce migrate`, `hduce serve`), its routes answer and its
commands exist, as docs/ARCHITECTURE.md's "Adding a plugin" says.
"""

import json
import os
from pathlib import Path

import asyncpg

from tests.conftest import TEST_JWT_SECRET
from tests.e2e.test_cli_commands import run
from tests.support.jwt_tokens import signed_token
from tests.support.processes import REPO_ROOT, get, hduce_env, post, serving

EXTRA = {
    # `examples/` itself on the path: `staff_notes` imports as a package of its own.
    "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "examples"), hduce_env()["PYTHONPATH"]]),
    "HDUCE_PLUGINS__EXTRA": '["staff_notes:StaffNotesPlugin"]',
    "HDUCE_NATS__URL": "nats://unused:1",
}


async def tables_in(database_url: str) -> set[str]:
    """The tables of the public schema."""
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await connection.close()
    return {row["tablename"] for row in rows}


async def test_migrate_creates_the_extra_plugins_table_once(
    tmp_path: Path, empty_database: str
) -> None:
    code, output = run(["migrate"], tmp_path, DATABASE_URL=empty_database, **EXTRA)
    assert code == 0, output
    assert "applied staff_notes/2026-12-20T00:00:00:000000" in output, output
    assert "staff_note" in await tables_in(empty_database)

    code, output = run(["migrate"], tmp_path, DATABASE_URL=empty_database, **EXTRA)
    assert code == 0 and "applied" not in output, output


def test_an_extra_plugins_command_runs_on_its_table(tmp_path: Path, empty_database: str) -> None:
    code, output = run(["staff-notes", "count"], tmp_path, DATABASE_URL=empty_database, **EXTRA)
    assert code == 0, output
    assert output.strip().endswith("0 staff notes"), output


def test_an_extra_plugin_named_in_the_config_file_adds_its_commands(tmp_path: Path) -> None:
    config = tmp_path / "clinic.toml"
    config.write_text(
        'environment = "production"\n[plugins]\nextra = ["staff_notes:StaffNotesPlugin"]\n'
    )
    environment = {k: v for k, v in EXTRA.items() if k != "HDUCE_PLUGINS__EXTRA"}
    code, output = run(["--config", str(config), "staff-notes", "--help"], tmp_path, **environment)
    assert code == 0, output
    assert "count" in output, output


def test_an_extra_plugin_that_does_not_import_leaves_the_other_commands_working(
    tmp_path: Path,
) -> None:
    broken = {**EXTRA, "HDUCE_PLUGINS__EXTRA": '["nowhere:Plugin"]'}
    code, output = run(["version"], tmp_path, **broken)
    assert code == 0, output
    code, output = run(["config", "check"], tmp_path, **broken)
    assert code == 2 and "cannot import 'nowhere:Plugin'" in output, output


def test_serve_migrates_the_extra_plugin_and_its_route_answers(
    tmp_path: Path, empty_database: str, nats_url: str
) -> None:
    environment = {
        **EXTRA,
        "DATABASE_URL": empty_database,
        "HDUCE_NATS__URL": nats_url,
        "JWT_SECRET": TEST_JWT_SECRET,
        "HDUCE_PLUGINS__ENABLED": '["metrics", "audit", "auth", "users"]',
    }
    with serving(tmp_path, tmp_path / "data", **environment) as (_server, base):
        status, body = get(f"{base}/health/detailed")
        assert status == 200, body
        assert json.loads(body)["checks"]["staff_notes"]["ok"] is True

        token = signed_token({"roles": ["nurse"]}, key=TEST_JWT_SECRET)
        headers = {"Authorization": f"Bearer {token}"}
        posted = post(f"{base}/api/v1/staff-notes", {"body": "bed 4 needs a blanket"}, headers)
        assert posted[0] == 201, posted
        status, body = get(f"{base}/api/v1/staff-notes", headers)
        assert status == 200, body
        assert [note["body"] for note in json.loads(body)] == ["bed 4 needs a blanket"]
