"""`hduce user create` bootstraps an active, verified admin in a real subprocess."""

import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
from click.testing import CliRunner

from hduce.cli import hduce
from tests.conftest import TEST_JWT_SECRET
from tests.support.processes import REPO_ROOT, TEST_CONFIG, hduce_env

CONFIG_EXTRA = """
[plugins]
enabled = ["metrics", "audit", "auth", "users"]

[plugins.auth]
argon2_memory_kib = 1024
argon2_time_cost = 1
"""


def run_create(
    tmp_path: Path,
    database_url: str,
    nats_url: str,
    *args: str,
    password: str,
    extra_config: str = CONFIG_EXTRA,
) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "hduce.toml"
    config.write_text(TEST_CONFIG.read_text() + extra_config)
    env = hduce_env(
        DATABASE_URL=database_url,
        HDUCE_NATS__URL=nats_url,
        JWT_SECRET=TEST_JWT_SECRET,
        HDUCE_DATA_DIR=str(tmp_path / "data"),
    )
    return subprocess.run(
        [sys.executable, "-m", "hduce", "--config", str(config), "user", "create", *args],
        input=password + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )


async def test_user_create_bootstraps_a_verified_admin(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool
) -> None:
    tag = uuid.uuid4().hex[:8]
    email, username = f"Boss-{tag}@Clinic.example", f"boss_{tag}"
    args = ("--email", email, "--username", username, "--password-stdin")
    result = run_create(tmp_path, migrated, nats_url, *args, password="ferric-meadow-lantern-58")
    assert result.returncode == 0, result.stderr
    assert f"<{email.lower()}> admin" in result.stdout
    row = await raw_pool.fetchrow(
        "SELECT roles, status, email_verified_at, password_hash FROM account WHERE email = $1",
        email.lower(),
    )
    assert row["roles"] == ["admin"] and row["status"] == "active"
    assert row["email_verified_at"] is not None and row["password_hash"].startswith("$argon2id$")
    profile = await raw_pool.fetchval(
        "SELECT first_name FROM profile WHERE account = (SELECT id FROM account WHERE email = $1)",
        email.lower(),
    )
    assert profile == "Admin"
    assert not (tmp_path / "data").exists(), "external services: nothing embedded is started"

    again = run_create(tmp_path, migrated, nats_url, *args, password="ferric-meadow-lantern-58")
    assert again.returncode == 1 and "already exists" in again.stderr


async def test_user_create_refuses_a_weak_password(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool
) -> None:
    email = f"weak-{uuid.uuid4().hex[:8]}@clinic.example"
    args = ("--email", email, "--username", f"weak_{uuid.uuid4().hex[:8]}", "--password-stdin")
    result = run_create(tmp_path, migrated, nats_url, *args, password="password")
    assert result.returncode == 1
    assert "at least 12 characters" in result.stderr
    assert await raw_pool.fetchval("SELECT count(*) FROM account WHERE email = $1", email) == 0


def test_user_create_needs_the_auth_plugin(tmp_path: Path) -> None:
    args = ("--email", "a@clinic.example", "--username", "someone", "--password-stdin")
    without_auth = '\n[plugins]\nenabled = ["metrics", "audit"]\n'
    result = run_create(
        tmp_path,
        "postgresql://unused/x",
        "nats://unused:1",
        *args,
        password="x",
        extra_config=without_auth,
    )
    assert result.returncode == 2
    assert "auth plugin is not enabled" in result.stderr


def test_user_commands_have_help() -> None:
    for command in (["user"], ["user", "create"]):
        result = CliRunner().invoke(hduce, [*command, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output
