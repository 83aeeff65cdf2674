"""`hduce user list/show/reset-password/deactivate` and `hduce device add/list/rotate-secret`."""

import hashlib
import uuid
from pathlib import Path

import asyncpg

from tests.support.cli import run_hduce

PASSWORD = "ferric-meadow-lantern-58"


def create(tmp_path: Path, migrated: str, nats_url: str, *roles: str) -> tuple[str, str]:
    tag = uuid.uuid4().hex[:8]
    email, username = f"op-{tag}@clinic.example", f"op_{tag}"
    role_args = [arg for role in roles for arg in ("--role", role)]
    args = ("user", "create", "--email", email, "--username", username, *role_args)
    result = run_hduce(
        tmp_path, migrated, nats_url, *args, "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.returncode == 0, result.stderr
    return email, username


async def test_list_show_reset_and_deactivate_accounts(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool
) -> None:
    create(tmp_path, migrated, nats_url, "admin")  # the last admin may not be deactivated
    email, username = create(tmp_path, migrated, nats_url, "doctor")

    listed = run_hduce(tmp_path, migrated, nats_url, "user", "list", "--search", username)
    assert listed.returncode == 0, listed.stderr
    (line,) = listed.stdout.strip().splitlines()
    assert username in line and email in line and "doctor" in line and "active" in line

    shown = run_hduce(tmp_path, migrated, nats_url, "user", "show", email)
    assert shown.returncode == 0, shown.stderr
    assert f"username: {username}" in shown.stdout and "status: active" in shown.stdout
    missing = run_hduce(tmp_path, migrated, nats_url, "user", "show", "nobody@clinic.example")
    assert missing.returncode == 1 and "no account" in missing.stderr

    reset = run_hduce(tmp_path, migrated, nats_url, "user", "reset-password", username)
    assert reset.returncode == 0, reset.stderr
    assert "reset link" in reset.stdout
    row = await raw_pool.fetchrow("SELECT must_reset_password FROM account WHERE email = $1", email)
    assert row["must_reset_password"] is True

    gone = run_hduce(tmp_path, migrated, nats_url, "user", "deactivate", email)
    assert gone.returncode == 0, gone.stderr
    status = await raw_pool.fetchval("SELECT status FROM account WHERE email = $1", email)
    assert status == "deactivated"
    again = run_hduce(tmp_path, migrated, nats_url, "user", "deactivate", email)
    assert again.returncode == 1 and "already deactivated" in again.stderr
    # Seen: "reset link queued" (exit 0) and a mailed link the reset page refused.
    links = "SELECT count(*) FROM one_time_token WHERE account = $1 AND used_at IS NULL"
    account = await raw_pool.fetchval("SELECT id FROM account WHERE email = $1", email)
    dead = run_hduce(tmp_path, migrated, nats_url, "user", "reset-password", username)
    assert dead.returncode == 1, dead.stdout
    (refusal,) = dead.stderr.strip().splitlines()
    assert "deactivated" in refusal and "reactivate" in refusal, refusal
    assert await raw_pool.fetchval(links, account) == 0
    audited = await raw_pool.fetchval(
        "SELECT count(*) FROM audit_event WHERE action = 'auth.account_deactivated' "
        "AND subject_id = (SELECT id FROM account WHERE email = $1)",
        email,
    )
    assert audited == 1


async def test_add_list_and_rotate_a_device(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool
) -> None:
    create(tmp_path, migrated, nats_url, "admin")  # the audit log's actor
    serial = f"SN-{uuid.uuid4().hex[:10]}"
    added = run_hduce(
        tmp_path, migrated, nats_url, "device", "add", "--kind", "thermometer",
        "--name", "Ward thermometer", "--serial", serial,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    fields = dict(line.split(": ", 1) for line in added.stdout.strip().splitlines())
    device_id, secret = fields["device_id"], fields["secret"]
    stored = await raw_pool.fetchval(
        "SELECT secret_hash FROM device WHERE id = $1", uuid.UUID(device_id)
    )
    assert stored == hashlib.sha256(secret.encode()).hexdigest()

    listed = run_hduce(tmp_path, migrated, nats_url, "device", "list")
    assert listed.returncode == 0, listed.stderr
    assert any(device_id in line and serial in line for line in listed.stdout.splitlines())
    for limit in ("-1", "0"):
        refused = run_hduce(tmp_path, migrated, nats_url, "device", "list", "--limit", limit)
        assert refused.returncode == 2, refused.stderr  # a usage error, not a traceback
        assert "Invalid value for '--limit'" in refused.stderr and "Traceback" not in refused.stderr

    rotated = run_hduce(tmp_path, migrated, nats_url, "device", "rotate-secret", device_id)
    assert rotated.returncode == 0, rotated.stderr
    new = dict(line.split(": ", 1) for line in rotated.stdout.strip().splitlines())["secret"]
    assert new != secret
    stored = await raw_pool.fetchval(
        "SELECT secret_hash FROM device WHERE id = $1", uuid.UUID(device_id)
    )
    assert stored == hashlib.sha256(new.encode()).hexdigest()

    taken = run_hduce(
        tmp_path, migrated, nats_url, "device", "add", "--kind", "thermometer",
        "--name", "Twin", "--serial", serial,
    )  # fmt: skip
    assert taken.returncode == 1 and serial in taken.stderr


async def test_user_create_checks_what_the_api_checks_and_audits_its_admin(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool
) -> None:
    tag = uuid.uuid4().hex[:8]
    refused = {
        "email": ("--email", f"not an email {tag}", "--username", f"ok_{tag}"),
        "username": ("--email", f"ok-{tag}@clinic.example", "--username", f"has space {tag}"),
        "phone": (
            "--email", f"ok-{tag}@clinic.example", "--username", f"ok_{tag}", "--phone", "call me",
        ),
    }  # fmt: skip
    for field, given in refused.items():
        result = run_hduce(
            tmp_path, migrated, nats_url, "user", "create", *given, "--role", "patient",
            "--password-stdin", stdin=PASSWORD + "\n",
        )  # fmt: skip
        assert result.returncode == 1, result.stdout
        (line,) = result.stderr.strip().splitlines()
        assert field in line, line
    assert (
        await raw_pool.fetchval(
            "SELECT count(*) FROM account WHERE email LIKE $1 OR username LIKE $1", f"%{tag}%"
        )
        == 0
    )

    _, admin = create(tmp_path, migrated, nats_url, "admin")
    args = ("user", "create", "--email", f"as-{tag}@clinic.example", "--username", f"as_{tag}")
    unknown = run_hduce(
        tmp_path, migrated, nats_url, *args, "--as", "no-such-admin",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert unknown.returncode == 1 and "no-such-admin" in unknown.stderr, unknown.stderr
    made = run_hduce(
        tmp_path, migrated, nats_url, *args, "--as", admin, "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    with_phone = run_hduce(
        tmp_path, migrated, nats_url, "user", "create", "--email", f"ph-{tag}@clinic.example",
        "--username", f"ph_{tag}", "--phone", "+33 6 12 34 56 78", "--role", "nurse",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert with_phone.returncode == 0, with_phone.stderr
    shown = run_hduce(tmp_path, migrated, nats_url, "user", "show", f"ph_{tag}")
    assert "phone: +33" in shown.stdout, shown.stdout
    actor, admin_id = await raw_pool.fetchrow(
        "SELECT e.actor_id, (SELECT id FROM account WHERE username = $2) FROM audit_event e "
        "JOIN account a ON a.id = e.subject_id WHERE a.username = $1 "
        "AND e.action = 'auth.registered'",
        f"as_{tag}",
        admin,
    )
    assert actor == admin_id
