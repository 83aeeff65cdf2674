"""A backup leaves the store's id out (file and table): a restored store gets its own at start."""

import tarfile
from pathlib import Path

import asyncpg

from hduce.core.config import Settings
from tests.cli.test_shared_storage import MARKER, on_database, warnings_about_storage
from tests.e2e.test_cli_commands import run
from tests.support.serving import serving

STORED_IDS = "SELECT name, storage_id FROM shared_storage"


async def stored_ids(database_url: str) -> dict[str, str]:
    """The store ids the database keeps, by plugin name."""
    connection = await asyncpg.connect(database_url)
    try:
        return {row["name"]: row["storage_id"] for row in await connection.fetch(STORED_IDS)}
    finally:
        await connection.close()


async def test_a_restored_store_gets_a_new_id_at_its_next_start_without_a_warning(
    tmp_path: Path,
    settings: Settings,
    nats_url: str,
    clinic_database: str,
    another_empty_database: str,
) -> None:
    store = tmp_path / "store"
    at_store = {"HDUCE_PLUGINS__DOCUMENTS__STORAGE_DIR": str(store)}
    with serving(tmp_path / "source", on_database(settings, clinic_database), **at_store):
        pass
    source_id = (store / MARKER).read_text().strip()
    assert await stored_ids(clinic_database) == {"documents": source_id}

    archive = tmp_path / "clinic.tar"
    source = {"DATABASE_URL": clinic_database, "HDUCE_NATS__URL": nats_url, **at_store}
    code, output = run(["backup", str(archive)], tmp_path, **source)
    assert code == 0, output
    assert "and 0 document files" in output, "the id is not a document"
    with tarfile.open(archive) as tar:
        assert [name for name in tar.getnames() if name.startswith("documents")] == []

    restored = tmp_path / "restored"
    target = {
        "DATABASE_URL": another_empty_database,
        "HDUCE_NATS__URL": nats_url,
        "HDUCE_PLUGINS__DOCUMENTS__STORAGE_DIR": str(restored),
    }
    code, output = run(["restore", str(archive)], tmp_path, **target)
    assert code == 0 and "and 0 document files" in output, output
    assert await stored_ids(another_empty_database) == {}, "the dump leaves the ids out"

    on_restored = on_database(settings, another_empty_database)
    with serving(
        tmp_path / "target", on_restored, HDUCE_PLUGINS__DOCUMENTS__STORAGE_DIR=str(restored)
    ) as server:
        pass
    assert warnings_about_storage(server.log) == [], server.log.read_text()[-2000:]
    restored_id = (restored / MARKER).read_text().strip()
    assert restored_id and restored_id != source_id, "a restored store is a new store"
    assert await stored_ids(another_empty_database) == {"documents": restored_id}
