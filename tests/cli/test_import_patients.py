"""`hduce import patients FILE.csv`: every row or none of a failed batch, errors by line."""

import asyncio
import hashlib
import re
import time
import uuid
from pathlib import Path

import asyncpg

from hduce.plugins.auth.services import NO_PASSWORD
from tests.support.cli import run_hduce

WAITING_FOR_CHAIN_HEAD = (
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
    "AND query LIKE '%audit_chain_head%FOR UPDATE%'"
)
# The columns `AccountStore.insert` fills: enough for a probe row (always rolled back).
PROBE_ACCOUNT = (
    "INSERT INTO account (id, email, username, password_hash, roles, status, mfa_enabled, "
    "must_reset_password, password_changed_at, created_at, updated_at) VALUES "
    "(gen_random_uuid(), $1, $2, 'x', '{patient}', 'active', false, false, now(), now(), now())"
)


def write_csv(tmp_path: Path, rows: list[str], header: str) -> Path:
    path = tmp_path / f"patients-{uuid.uuid4().hex[:6]}.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


async def emails_in(raw_pool: asyncpg.Pool, emails: list[str]) -> set[str]:
    rows = await raw_pool.fetch("SELECT email FROM account WHERE email = ANY($1)", emails)
    return {row["email"] for row in rows}


def refused_dry_run(tmp_path: Path, migrated: str, nats_url: str, path: Path) -> list[str]:
    """The error lines of a `--dry-run` of `path` that must fail."""
    result = run_hduce(tmp_path, migrated, nats_url, "import", "patients", "--dry-run", str(path))
    assert result.returncode == 1, result.stdout
    return result.stderr.strip().splitlines()


def create_admin(tmp_path: Path, database_url: str, nats_url: str) -> str:
    """A new admin on `database_url`; its username."""
    admin = f"admin-{uuid.uuid4().hex[:8]}"
    created = run_hduce(
        tmp_path, database_url, nats_url, "user", "create", "--email", f"{admin}@clinic.example",
        "--username", admin, "--password-stdin", stdin="ferric-meadow-lantern-58\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    return admin


async def test_import_patients_dry_run_then_for_real(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool
) -> None:
    create_admin(tmp_path, migrated, nats_url)  # the audit log's actor
    tag = uuid.uuid4().hex[:8]
    emails = [f"p{i}-{tag}@clinic.example" for i in range(3)]
    path = write_csv(
        tmp_path,
        [
            f"{emails[0]},Renée,Müller,+41 79 000 00 00,1980-02-29",
            f"{emails[1]},Ann,Lee,,",
            f"{emails[2]},Bo,Ek,,2001-07-01",
        ],
        header="email,first_name,last_name,phone,date_of_birth",
    )
    dry = run_hduce(tmp_path, migrated, nats_url, "import", "patients", str(path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "3 patients would be imported" in dry.stdout
    assert await emails_in(raw_pool, emails) == set()

    real = run_hduce(tmp_path, migrated, nats_url, "import", "patients", str(path))
    assert real.returncode == 0, real.stderr
    assert "imported 3 patients" in real.stdout
    assert await emails_in(raw_pool, emails) == set(emails)
    row = await raw_pool.fetchrow(
        "SELECT a.roles, a.status, p.first_name, p.date_of_birth::text AS born FROM account a "
        "JOIN profile p ON p.account = a.id WHERE a.email = $1",
        emails[0],
    )
    assert row["roles"] == ["patient"] and row["status"] == "active"
    assert (row["first_name"], row["born"]) == ("Renée", "1980-02-29")


async def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool
) -> None:
    tag = uuid.uuid4().hex[:8]
    good = f"good-{tag}@clinic.example"
    path = write_csv(
        tmp_path,
        [
            f"{good},Ann,Lee",
            f"not-an-email-{tag},Bo,Ek",
            f"{good},Cy,Do",
            f"x-{tag}@clinic.example,,Ek",
        ],
        header="email,first_name,last_name",
    )
    result = run_hduce(tmp_path, migrated, nats_url, "import", "patients", str(path))
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert any(line.startswith("line 3:") and "email" in line for line in errors), errors
    assert any(line.startswith("line 4:") and "twice" in line for line in errors), errors
    assert any(line.startswith("line 5:") and "first_name" in line for line in errors), errors
    assert await emails_in(raw_pool, [good]) == set()


async def test_a_clash_with_an_existing_account_stops_the_import(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool
) -> None:
    create_admin(tmp_path, migrated, nats_url)
    tag = uuid.uuid4().hex[:8]
    first, second = f"a-{tag}@clinic.example", f"b-{tag}@clinic.example"
    taken = f"c-{tag}@clinic.example"
    before = write_csv(tmp_path, [f"{taken},Cy,Do"], header="email,first_name,last_name")
    assert (
        run_hduce(tmp_path, migrated, nats_url, "import", "patients", str(before)).returncode == 0
    )
    # The second row takes the existing patient's username.
    path = write_csv(
        tmp_path,
        [f"{first},Ann,Lee,ann-{tag}", f"{second},Bo,Ek,c-{tag}-taken"],
        header="email,first_name,last_name,username",
    )
    existing = await raw_pool.fetchval("SELECT username FROM account WHERE email = $1", taken)
    path.write_text(path.read_text().replace(f"c-{tag}-taken", existing), encoding="utf-8")
    result = run_hduce(tmp_path, migrated, nats_url, "import", "patients", str(path))
    assert result.returncode == 1
    assert "line 3:" in result.stderr and "already exists" in result.stderr, result.stderr
    assert await emails_in(raw_pool, [first, second]) == set(), "the good row is not imported"


async def test_invite_mails_an_invitation_whose_link_outlives_the_night(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool
) -> None:
    admin = create_admin(tmp_path, migrated, nats_url)
    email = f"inv-{uuid.uuid4().hex[:8]}@clinic.example"
    path = write_csv(tmp_path, [f"{email},Ann,Lee"], header="email,first_name,last_name")
    args = ("import", "patients", str(path), "--invite", "--as", admin)
    result = run_hduce(tmp_path, migrated, nats_url, *args)
    assert result.returncode == 0, result.stderr
    assert "imported and invited 1 patients" in result.stdout
    account = await raw_pool.fetchval("SELECT id FROM account WHERE email = $1", email)
    mail = await raw_pool.fetchrow(
        "SELECT subject, body_text FROM delivery WHERE recipient = $1 AND channel = 'email'",
        account,
    )
    text = mail["body_text"]
    assert "opened an account for you" in text and "choose your password" in text, text
    assert "asked to reset" not in text and "ignore" not in text, text
    assert "reset" not in mail["subject"].lower(), mail["subject"]
    token = re.search(r"/reset-password\?token=([\w-]+)", text)
    assert token, text
    # The link is the reset page's, valid as long as a verification link (48 h), not 1 hour.
    link = await raw_pool.fetchrow(
        "SELECT purpose, expires_at > now() + interval '2 hours' AS after_two_hours, "
        "expires_at > now() + interval '47 hours' AS two_days FROM one_time_token "
        "WHERE token_hash = $1 AND used_at IS NULL",
        hashlib.sha256(token[1].encode()).hexdigest(),
    )
    assert link is not None and link["purpose"] == "reset_password"
    assert link["after_two_hours"] and link["two_days"]
    invited = await raw_pool.fetchval(
        "SELECT count(*) FROM audit_event WHERE subject_id = $1 AND action = 'auth.invited'",
        account,
    )
    assert invited == 1
    # Single use as before: a later reset link spends the invitation's.
    reset = run_hduce(tmp_path, migrated, nats_url, "user", "reset-password", email)
    assert reset.returncode == 0, reset.stderr
    spent = "SELECT used_at IS NOT NULL FROM one_time_token WHERE token_hash = $1"
    assert await raw_pool.fetchval(spent, hashlib.sha256(token[1].encode()).hexdigest())


def test_a_file_that_is_not_utf8_is_one_clear_line(
    tmp_path: Path, migrated: str, nats_url: str
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        "email,first_name,last_name\nr@clinic.example,Ren\xe9e,M\xfcller\n".encode("latin-1")
    )
    result = run_hduce(tmp_path, migrated, nats_url, "import", "patients", str(path))
    assert result.returncode == 1
    assert "UTF-8" in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_values_the_database_refuses_are_caught_by_the_dry_run(
    tmp_path: Path, migrated: str, nats_url: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    path = write_csv(
        tmp_path,
        [
            f"phone-{tag}@clinic.example,Ann,Lee,{'5' * 40}",
            f"nul-{tag}@clinic.example,Jo\x00e,Lee,",
            f"long-{tag}@clinic.example,Bo,{'L' * 101},",
            f"esc-{tag}@clinic.example,Al,Lee\x1b[2J,",
        ],
        header="email,first_name,last_name,phone",
    )
    dry = run_hduce(tmp_path, migrated, nats_url, "import", "patients", str(path), "--dry-run")
    assert dry.returncode == 1, dry.stdout
    errors = dry.stderr.strip().splitlines()
    assert any(line.startswith("line 2:") and "phone" in line for line in errors), errors
    assert any(line.startswith("line 3:") and "U+0000" in line for line in errors), errors
    assert any(line.startswith("line 4:") and "last_name" in line for line in errors), errors
    # Seen: ESC was stored, and `hduce user list` wrote it to the terminal.
    assert any(line.startswith("line 5: `last_name`") and "U+001B" in line for line in errors)
    assert errors[-1] == "hduce: 4 rows cannot be imported; nothing was imported"


async def test_a_row_the_database_refuses_is_one_line_and_skip_existing_finishes(
    tmp_path: Path, clinic_database: str, nats_url: str
) -> None:
    create_admin(tmp_path, clinic_database, nats_url)
    tag = uuid.uuid4().hex[:8]
    emails = [f"b{i}-{tag}@clinic.example" for i in range(3)]
    path = write_csv(
        tmp_path,
        [f"{emails[0]},Ann,Lee", f"{emails[1]},Bo,Ek", f"{emails[2]},Cy,Refused"],
        header="email,first_name,last_name",
    )
    database = await asyncpg.connect(clinic_database)
    try:  # a rule of the database the row checks do not know
        await database.execute(
            "ALTER TABLE profile ADD CONSTRAINT no_refused CHECK (last_name <> 'Refused')"
        )
        args = ("import", "patients", str(path), "--batch-size", "2")
        failed = run_hduce(tmp_path, clinic_database, nats_url, *args)
        assert failed.returncode == 1, failed.stdout
        assert "Traceback" not in failed.stderr, failed.stderr
        first, last = [line for line in failed.stderr.splitlines() if " to do" not in line]
        assert first.startswith("line 4:") and "database refused" in first, first
        assert "2 patients of earlier batches were imported" in last, last
        assert "--skip-existing" in last, last
        await database.execute("ALTER TABLE profile DROP CONSTRAINT no_refused")

        again = run_hduce(tmp_path, clinic_database, nats_url, *args)
        assert again.returncode == 1, again.stdout
        assert "hduce: 2 rows cannot be imported" in again.stderr, again.stderr
        finished = run_hduce(tmp_path, clinic_database, nats_url, *args, "--skip-existing")
        assert finished.returncode == 0, finished.stderr
        assert "imported 1 patients" in finished.stdout
        assert "2 already there, skipped" in finished.stdout, finished.stdout
        count = await database.fetchval(
            "SELECT count(*) FROM account WHERE email = ANY($1)", emails
        )
        assert count == 3
    finally:
        await database.close()


def test_a_bad_byte_is_reported_on_its_own_line(
    tmp_path: Path, migrated: str, nats_url: str
) -> None:
    rows = b"".join(b"enc%d@clinic.example,N%d,L\n" % (i, i) for i in range(300))
    path = tmp_path / "encoding.csv"
    path.write_bytes(b"email,first_name,last_name\n" + rows + b"x@clinic.example,Jos\xe9,M\n")
    result = run_hduce(tmp_path, migrated, nats_url, "import", "patients", "--dry-run", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith("line 302: not UTF-8"), result.stderr


def test_extra_values_in_a_row_are_refused(tmp_path: Path, migrated: str, nats_url: str) -> None:
    path = write_csv(
        tmp_path,
        [f"x-{uuid.uuid4().hex[:8]}@clinic.example,John,Smith,555-1234,1970-01-01"],
        header="email,first_name,last_name",
    )
    result = run_hduce(tmp_path, migrated, nats_url, "import", "patients", "--dry-run", str(path))
    assert result.returncode == 1, result.stdout
    assert "line 2: 5 values for 3 columns" in result.stderr, result.stderr


async def test_the_acting_admin_is_checked_and_audited(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool
) -> None:
    email = f"as-{uuid.uuid4().hex[:8]}@clinic.example"
    path = write_csv(tmp_path, [f"{email},As,Nobody"], header="email,first_name,last_name")
    args = ("import", "patients", str(path))
    unknown = run_hduce(tmp_path, migrated, nats_url, *args, "--as", "no-such-admin")
    assert unknown.returncode == 1, unknown.stdout
    assert len(unknown.stderr.strip().splitlines()) == 1, unknown.stderr
    assert await emails_in(raw_pool, [email]) == set()

    admin = create_admin(tmp_path, migrated, nats_url)
    imported = run_hduce(tmp_path, migrated, nats_url, *args, "--as", admin)
    assert imported.returncode == 0, imported.stderr
    row = await raw_pool.fetchrow(
        "SELECT a.username, e.actor_id, (SELECT id FROM account WHERE username = $2) AS admin "
        "FROM account a JOIN audit_event e ON e.subject_id = a.id "
        "AND e.action = 'auth.registered' WHERE a.email = $1",
        email,
        admin,
    )
    assert row["actor_id"] == row["admin"] is not None
    digest = hashlib.sha256(email.encode()).hexdigest()[:6]
    assert row["username"].startswith("as-") and row["username"] != f"as-{email[3:11]}-{digest}"
    assert not row["username"].endswith(digest), "a username nobody can compute from the e-mail"


def test_rows_with_several_problems_are_counted_once(
    tmp_path: Path, migrated: str, nats_url: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    row = f"twin-{tag}@clinic.example,Ann,Lee,twin-{tag}"
    path = write_csv(tmp_path, [row, row], header="email,first_name,last_name,username")
    result = run_hduce(tmp_path, migrated, nats_url, "import", "patients", "--dry-run", str(path))
    assert result.returncode == 1, result.stdout
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 3 and all(line.startswith("line 3:") for line in errors[:2]), errors
    assert errors[-1] == "hduce: 1 row cannot be imported; nothing was imported"


async def written_by_an_open_transaction(raw_pool: asyncpg.Pool, email: str) -> bool:
    """Whether a transaction not yet committed has written an account with `email`.

    A probe row with the same address waits for that transaction (the unique index) and
    gives up after half a second; without one it is written, and rolled back.
    """
    async with raw_pool.acquire() as connection:
        probe = connection.transaction()
        await probe.start()
        try:
            await connection.execute("SET LOCAL lock_timeout = '500ms'")
            await connection.execute(PROBE_ACCOUNT, email, f"probe-{uuid.uuid4().hex[:8]}")
        except asyncpg.LockNotAvailableError:
            return True
        finally:
            await probe.rollback()
    return False


async def test_a_batch_takes_the_audit_chain_head_once_its_rows_are_written(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool
) -> None:
    """Logins append to the audit chain too: a batch holds its head only to append, not longer.

    With the head held here, the import writes every row of its batch (no password to hash)
    and only then waits for the head, to append the batch's audit events and commit.
    """
    create_admin(tmp_path, migrated, nats_url)
    tag = uuid.uuid4().hex[:8]
    emails = [f"head{i}-{tag}@clinic.example" for i in range(3)]
    path = write_csv(
        tmp_path, [f"{e},Ann,Lee" for e in emails], header="email,first_name,last_name"
    )
    args = ("import", "patients", str(path), "--batch-size", "3")
    holder = await raw_pool.acquire()
    held = holder.transaction()
    await held.start()
    try:
        await holder.execute("SELECT 1 FROM audit_chain_head WHERE id = 1 FOR UPDATE")
        importing = asyncio.ensure_future(
            asyncio.to_thread(run_hduce, tmp_path, migrated, nats_url, *args)
        )
        deadline = time.monotonic() + 60
        while not await raw_pool.fetchval(WAITING_FOR_CHAIN_HEAD):
            assert not importing.done(), importing.result().stderr
            assert time.monotonic() < deadline, "the import never asked for the chain head"
            await asyncio.sleep(0.05)
        assert await written_by_an_open_transaction(raw_pool, emails[-1]), (
            "the batch took the chain head before writing its last row"
        )
    finally:
        await held.rollback()
        await raw_pool.release(holder)
    imported = await importing
    assert imported.returncode == 0, imported.stderr
    stored = await raw_pool.fetch("SELECT password_hash FROM account WHERE email = ANY($1)", emails)
    assert [row["password_hash"] for row in stored] == [NO_PASSWORD] * 3, "no argon2 hash"
    registered = await raw_pool.fetchval(
        "SELECT count(*) FROM audit_event e JOIN account a ON a.id = e.subject_id "
        "WHERE a.email = ANY($1) AND e.action = 'auth.registered'",
        emails,
    )
    assert registered == 3


def test_a_column_named_twice_is_refused(tmp_path: Path, migrated: str, nats_url: str) -> None:
    tag = uuid.uuid4().hex[:8]
    path = write_csv(
        tmp_path,
        [f"one-{tag}@clinic.example,Ann,Lee,two-{tag}@clinic.example"],
        header="email,first_name,last_name,email",
    )
    errors = refused_dry_run(tmp_path, migrated, nats_url, path)
    assert errors[0] == "line 1: column `email` appears twice", errors


def test_a_date_of_birth_in_the_future_is_refused_by_line(
    tmp_path: Path, migrated: str, nats_url: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    path = write_csv(
        tmp_path,
        [
            f"past-{tag}@clinic.example,Ann,Lee,1999-01-01",
            f"fut-{tag}@clinic.example,Bo,Ek,2999-01-01",
        ],
        header="email,first_name,last_name,date_of_birth",
    )
    errors = refused_dry_run(tmp_path, migrated, nats_url, path)
    assert errors[0] == "line 3: `date_of_birth`: date of birth is in the future", errors
    assert errors[-1] == "hduce: 1 row cannot be imported; nothing was imported", errors


def test_a_phone_number_refused_by_line_says_what_is_allowed(
    tmp_path: Path, migrated: str, nats_url: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    rows = [
        f"ok-{tag}@clinic.example,Ann,Lee,+33 1 23 45 67 89",
        f"ph-{tag}@clinic.example,Bo,Ek,12",
    ]
    path = write_csv(tmp_path, rows, header="email,first_name,last_name,phone")
    errors = refused_dry_run(tmp_path, migrated, nats_url, path)
    assert errors[0].startswith("line 3: `phone`: "), errors
    assert "7 to 15 digits" in errors[0] and "regex" not in errors[0], errors


def test_an_address_that_cannot_be_delivered_is_refused_by_line(
    tmp_path: Path, migrated: str, nats_url: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    rows = [f"ok-{tag}@clinic.example,Ann,Lee", f"dd-{tag}@clinic..example,Bo,Ek"]
    path = write_csv(tmp_path, rows, header="email,first_name,last_name")
    errors = refused_dry_run(tmp_path, migrated, nats_url, path)
    assert errors[0].startswith("line 3: `email`: not a usable e-mail address: "), errors
    assert errors[-1] == "hduce: 1 row cannot be imported; nothing was imported", errors


async def test_problems_in_the_file_and_clashes_are_reported_together(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool
) -> None:
    create_admin(tmp_path, migrated, nats_url)
    tag = uuid.uuid4().hex[:8]
    taken = f"taken-{tag}@clinic.example"
    before = write_csv(tmp_path, [f"{taken},Cy,Do"], header="email,first_name,last_name")
    assert (
        run_hduce(tmp_path, migrated, nats_url, "import", "patients", str(before)).returncode == 0
    )
    twice = f"twice-{tag}@clinic.example"
    path = write_csv(
        tmp_path,
        [f"{twice},Ann,Lee", f"{taken},Cy,Do", f"{twice},Bo,Ek"],
        header="email,first_name,last_name",
    )
    errors = refused_dry_run(tmp_path, migrated, nats_url, path)
    assert errors[0].startswith("line 3:") and "already exists" in errors[0], errors
    assert errors[1].startswith("line 4:") and "twice" in errors[1], errors
    assert errors[-1] == "hduce: 2 rows cannot be imported; nothing was imported", errors


def test_every_bad_field_and_every_duplicate_is_reported_in_one_run(
    tmp_path: Path, migrated: str, nats_url: str
) -> None:
    """Seen: a row's first bad field hid its others, and a bad row hid its duplicates."""
    twice = f"twice-{uuid.uuid4().hex[:8]}@clinic.example"
    # A bad phone, then its row's e-mail again; a bad e-mail and a birth in the future.
    rows = [f"{twice},Ok,One,+1 555,", f"{twice},Dup,Row,,", "bad,Bad,Email,,2999-01-01"]
    header = "email,first_name,last_name,phone,date_of_birth"
    errors = refused_dry_run(tmp_path, migrated, nats_url, write_csv(tmp_path, rows, header))
    assert errors[0].startswith("line 2: `phone`: "), errors
    assert errors[1] == f"line 3: {twice} appears twice (first on line 2)", errors
    assert errors[2].startswith("line 4: `email`: "), errors
    assert errors[3] == "line 4: `date_of_birth`: date of birth is in the future", errors
    assert errors[4:] == ["hduce: 3 rows cannot be imported; nothing was imported"], errors
