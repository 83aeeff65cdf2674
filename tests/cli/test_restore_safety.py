"""`hduce restore --force` replaces the clinic once the backup is in: a failure changes nothing."""

from pathlib import Path

import asyncpg

from tests.cli.archives import Members, rewritten
from tests.cli.test_backup_refusals import hduce, one_line
from tests.e2e.test_cli_commands import run
from tests.plugins.documents.helpers import stored_files

# A CHECK calling a function that names a table without its schema: pg_dump writes it, and
# pg_restore fails on its rows (pg_dump's restore runs with an empty search_path).
POISON = (
    "CREATE TABLE limits (n int)",
    "CREATE FUNCTION under_limit(v int) RETURNS boolean LANGUAGE sql"
    " AS 'SELECT v < 10 + (SELECT count(*) FROM limits)'",
    "CREATE TABLE checked (v int CHECK (under_limit(v)))",
    "INSERT INTO checked VALUES (1)",
)


def clinic(tmp_path: Path, database: str, nats_url: str, store: str = "store") -> dict[str, str]:
    """The environment of a clinic on `database` keeping its documents under `tmp_path/store`."""
    return {
        "DATABASE_URL": database,
        "HDUCE_NATS__URL": nats_url,
        "HDUCE_PLUGINS__DOCUMENTS__STORAGE_DIR": str(tmp_path / store),
    }


async def tables(database: str) -> set[str]:
    """The tables of the `public` schema."""
    connection = await asyncpg.connect(database)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        return {row["tablename"] for row in rows}
    finally:
        await connection.close()


def with_document(tmp_path: Path) -> list[Path]:
    """One document file in the store under `tmp_path/store`; the store's files."""
    (tmp_path / "store" / "ab").mkdir(parents=True)
    (tmp_path / "store" / "ab" / "scan.pdf").write_bytes(b"%PDF-1.7 a scan\n")
    return stored_files(tmp_path / "store")


def newer_pg_dump(members: Members) -> None:
    """The dump's header as a newer pg_dump writes it (custom format 1.99)."""
    dump = bytearray(members["database.dump"])
    dump[5:7] = bytes([1, 99])
    members["database.dump"] = bytes(dump)


async def test_a_dump_pg_restore_cannot_read_leaves_the_clinic_as_it_was(
    tmp_path: Path, clinic_database: str, nats_url: str
) -> None:
    env = clinic(tmp_path, clinic_database, nats_url)
    files = with_document(tmp_path)
    code, output = run(["backup", str(tmp_path / "clinic.tar")], tmp_path, **env)
    assert code == 0, output
    newer = rewritten(tmp_path / "clinic.tar", tmp_path / "newer.tar", members=newer_pg_dump)
    before = await tables(clinic_database)

    refused = hduce(tmp_path, "restore", "--force", str(newer), **env)
    assert refused.returncode == 1, refused.stdout
    assert "unsupported version (1.99)" in one_line(refused.stderr)
    assert await tables(clinic_database) == before, "the live database is untouched"
    assert stored_files(tmp_path / "store") == files


async def test_a_restore_failing_midway_leaves_the_clinic_as_it_was(
    tmp_path: Path, clinic_database: str, nats_url: str
) -> None:
    connection = await asyncpg.connect(clinic_database)
    try:
        for statement in POISON:
            await connection.execute(statement)
    finally:
        await connection.close()
    env = clinic(tmp_path, clinic_database, nats_url)
    files = with_document(tmp_path)
    code, output = run(["backup", str(tmp_path / "poison.tar")], tmp_path, **env)
    assert code == 0, output
    before = await tables(clinic_database)

    failed = hduce(tmp_path, "restore", "--force", str(tmp_path / "poison.tar"), **env)
    assert failed.returncode == 1, failed.stdout
    assert 'relation "limits" does not exist' in one_line(failed.stderr)
    assert await tables(clinic_database) == before, "the live database is untouched"
    connection = await asyncpg.connect(clinic_database)
    try:
        assert await connection.fetchval("SELECT count(*) FROM checked") == 1
    finally:
        await connection.close()
    assert stored_files(tmp_path / "store") == files, "documents are replaced only after"


def test_a_forced_restore_of_a_backup_without_documents_empties_the_store(
    tmp_path: Path, clinic_database: str, nats_url: str
) -> None:
    nodocs = tmp_path / "nodocs.tar"
    empty = clinic(tmp_path, clinic_database, nats_url, store="empty-store")
    code, output = run(["backup", str(nodocs)], tmp_path, **empty)
    assert code == 0 and "0 document files" in output, output
    env = clinic(tmp_path, clinic_database, nats_url)
    assert with_document(tmp_path)

    code, output = run(["restore", "--force", str(nodocs)], tmp_path, **env)
    assert code == 0 and "0 document files" in output, output
    assert stored_files(tmp_path / "store") == [], "--force replaces the store, files and all"
