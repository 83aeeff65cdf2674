"""`hduce import patients FILE.csv`: every row or none of a failed batch, errors by line."""

import uuid
from pathlib import Path

import asyncpg

from tests.support.cli import run_hduce


def write_csv(tmp_path: Path, rows: list[str], header: str) -> Path:
    path = tmp_path / f"patients-{uuid.uuid4().hex[:6]}.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


async def emails_in(raw_pool: asyncpg.Pool, emails: list[str]) -> set[str]:
    rows = await raw_pool.fetch("SELECT email FROM account WHERE email = ANY($1)", emails)
    return {row["email"] for row in rows}


async def test_import_patients_dry_run_then_for_real(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool
) -> None:
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


async def test_invite_asks_each_patient_to_choose_a_password(
    tmp_path: Path, migrated: str, nats_url: str, raw_pool: asyncpg.Pool
) -> None:
    admin = f"admin-{uuid.uuid4().hex[:8]}"
    created = run_hduce(
        tmp_path, migrated, nats_url, "user", "create", "--email", f"{admin}@clinic.example",
        "--username", admin, "--password-stdin", stdin="ferric-meadow-lantern-58\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    email = f"inv-{uuid.uuid4().hex[:8]}@clinic.example"
    path = write_csv(tmp_path, [f"{email},Ann,Lee"], header="email,first_name,last_name")
    args = ("import", "patients", str(path), "--invite", "--as", admin)
    result = run_hduce(tmp_path, migrated, nats_url, *args)
    assert result.returncode == 0, result.stderr
    assert "imported and invited 1 patients" in result.stdout
    row = await raw_pool.fetchrow(
        "SELECT a.must_reset_password, "
        "(SELECT count(*) FROM audit_event e WHERE e.subject_id = a.id "
        " AND e.action = 'auth.password_reset_forced') AS invited "
        "FROM account a WHERE a.email = $1",
        email,
    )
    assert row["must_reset_password"] is True and row["invited"] == 1


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
