"""`hduce user create` bootstraps an active, verified admin in a real subprocess."""

import subprocess
import uuid
from pathlib import Path

import asyncpg
import pytest
from click.testing import CliRunner

from hduce.cli import hduce
from tests.support.cli import FAST_PASSWORDS, run_hduce

PASSWORD = "ferric-meadow-lantern-58"
CONFIG_EXTRA = (
    """
[plugins]
enabled = ["metrics", "audit", "auth", "users"]
"""
    + FAST_PASSWORDS
)


def run_create(
    tmp_path: Path,
    database_url: str,
    nats_url: str,
    *args: str,
    password: str,
    extra_config: str = CONFIG_EXTRA,
) -> subprocess.CompletedProcess[str]:
    return run_hduce(
        tmp_path,
        database_url,
        nats_url,
        "user",
        "create",
        *args,
        stdin=password + "\n",
        extra_config=extra_config,
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
    # Regression: every account created without names was "Admin" (doctors and nurses too).
    assert profile == username
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


@pytest.mark.parametrize(
    "email", ["dot@clinic.example.", "dd@clinic..example", "sc;x@clinic.example"]
)
async def test_user_create_refuses_an_address_that_cannot_be_delivered(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool, email: str
) -> None:
    args = ("--email", email, "--username", f"odd_{uuid.uuid4().hex[:8]}", "--password-stdin")
    result = run_create(tmp_path, migrated, nats_url, *args, password=PASSWORD)
    assert result.returncode == 1, result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert "`email`: not a usable e-mail address" in line, line
    assert await raw_pool.fetchval("SELECT count(*) FROM account WHERE email = $1", email) == 0


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [("--username", "a!", "3 to 64 characters"), ("--phone", "12", "7 to 15 digits")],
)
def test_user_create_says_what_a_field_allows_not_its_regex(
    tmp_path: Path, migrated: str, nats_url: str, option: str, value: str, words: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    fields = {"--email": f"pat-{tag}@clinic.example", "--username": f"pat_{tag}", option: value}
    args = (part for pair in fields.items() for part in pair)
    result = run_create(tmp_path, migrated, nats_url, *args, "--password-stdin", password=PASSWORD)
    assert result.returncode == 1, result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert f"`{option[2:]}`: " in line and words in line and "regex" not in line, line


@pytest.mark.parametrize("option", ["--first-name", "--last-name", "--username"])
async def test_user_create_refuses_a_line_break_in_a_one_line_field(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool, option: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    email = f"eve-{tag}@clinic.example"
    names = {"--first-name": "Eve", "--last-name": "Adams", "--username": f"eve_{tag}"}
    # A username's pattern ends in `$`, which matches before a final line feed.
    names[option] += "\n" if option == "--username" else "\r\nBcc: victim@evil.test"
    args = ("--email", email, *(part for pair in names.items() for part in pair))
    result = run_create(tmp_path, migrated, nats_url, *args, "--password-stdin", password=PASSWORD)
    assert result.returncode == 1, result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert f"`{option[2:].replace('-', '_')}`:" in line and "line break" in line, line
    assert await raw_pool.fetchval("SELECT count(*) FROM account WHERE email = $1", email) == 0


@pytest.mark.parametrize("option", ["--first-name", "--last-name"])
async def test_user_create_refuses_a_blank_name(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool, option: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    email = f"blank-{tag}@clinic.example"
    names = {"--first-name": "Eve", "--last-name": "Adams", option: "   "}
    args = ("--email", email, "--username", f"blank_{tag}")
    args += tuple(part for pair in names.items() for part in pair)
    result = run_create(tmp_path, migrated, nats_url, *args, "--password-stdin", password=PASSWORD)
    assert result.returncode == 1, result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert f"`{option[2:].replace('-', '_')}`:" in line and "only spaces" in line, line
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


def test_user_show_prints_the_profile_user_create_stored(
    tmp_path: Path, migrated: str, nats_url: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    args = ("--email", f"ada-{tag}@clinic.example", "--username", f"ada_{tag}")
    names = ("--first-name", "Ada", "--last-name", "Lovelace", "--password-stdin")
    created = run_create(tmp_path, migrated, nats_url, *args, *names, password=PASSWORD)
    assert created.returncode == 0, created.stderr
    shown = run_hduce(
        tmp_path, migrated, nats_url, "user", "show", f"ada_{tag}", extra_config=CONFIG_EXTRA
    )
    assert shown.returncode == 0, shown.stderr
    assert "first_name: Ada\n" in shown.stdout and "last_name: Lovelace\n" in shown.stdout


def test_user_show_without_the_users_plugin_prints_no_blank_names(
    tmp_path: Path, migrated: str, nats_url: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    args = ("--email", f"bob-{tag}@clinic.example", "--username", f"bob_{tag}")
    created = run_create(tmp_path, migrated, nats_url, *args, "--password-stdin", password=PASSWORD)
    assert created.returncode == 0, created.stderr
    without_users = CONFIG_EXTRA.replace(', "users"]', "]")
    shown = run_hduce(
        tmp_path, migrated, nats_url, "user", "show", f"bob_{tag}", extra_config=without_users
    )
    assert shown.returncode == 0, shown.stderr
    assert f"username: bob_{tag}" in shown.stdout
    assert "first_name" not in shown.stdout and "phone" not in shown.stdout
