"""Servers sharing one database must share its document store: the start says when they do not."""

from pathlib import Path

import msgspec

from hduce.core.config import Settings
from tests.support.context import isolated
from tests.support.serving import serving, working

MARKER = ".hduce-storage-id"


def on_database(settings: Settings, database_url: str) -> Settings:
    """`settings` with the external database `database_url`."""
    database = msgspec.structs.replace(settings.database, url=database_url)
    return msgspec.structs.replace(settings, database=database)


def warnings_about_storage(log: Path) -> list[str]:
    """The lines of a `serve` log that say its document store is not the database's."""
    lines = log.read_text().splitlines()
    return [line for line in lines if "is not the store the other servers" in line]


def test_a_second_server_with_a_store_of_its_own_is_warned(
    tmp_path: Path, settings: Settings, clinic_database: str
) -> None:
    # Seen: two `hduce serve` on one PostgreSQL, each with `<data_dir>/documents`; a document
    # uploaded through one was missing on the other, and nothing said so.
    on_clinic = on_database(settings, clinic_database)
    first_store = tmp_path / "a" / "data" / "documents"
    with serving(tmp_path / "a", on_clinic) as first:
        pass
    assert warnings_about_storage(first.log) == [], first.log.read_text()[-2000:]
    storage_id = (first_store / MARKER).read_text().strip()
    assert storage_id

    with serving(tmp_path / "b", on_clinic) as second:
        pass
    (line,) = warnings_about_storage(second.log)
    second_store = tmp_path / "b" / "data" / "documents"
    assert f"{second_store} (storage id none)" in line, line
    assert f"{first_store} (storage id {storage_id})" in line, line
    assert not (second_store / MARKER).exists(), "a store of its own is never made the shared one"

    shared = {"HDUCE_PLUGINS__DOCUMENTS__STORAGE_DIR": str(first_store)}
    with serving(tmp_path / "c", on_clinic, **shared) as third:
        pass
    assert warnings_about_storage(third.log) == [], third.log.read_text()[-2000:]

    (second_store / MARKER).write_text("another\n")
    with serving(
        tmp_path / "d", on_clinic, HDUCE_PLUGINS__DOCUMENTS__STORAGE_DIR=str(second_store)
    ) as fourth:
        pass
    (line,) = warnings_about_storage(fourth.log)
    assert f"{second_store} (storage id another)" in line, line


def test_a_worker_with_a_store_of_its_own_is_warned(
    tmp_path: Path, settings: Settings, clinic_database: str
) -> None:
    # The worker reads the stored files to extract their text: its store must be the shared one.
    on_clinic = on_database(settings, clinic_database)
    with working(tmp_path / "a", isolated(on_clinic)) as first:
        pass
    assert warnings_about_storage(first.log) == [], first.log.read_text()[-2000:]
    first_store = tmp_path / "a" / "data" / "documents"
    storage_id = (first_store / MARKER).read_text().strip()

    with working(tmp_path / "b", isolated(on_clinic)) as second:
        pass
    (line,) = warnings_about_storage(second.log)
    assert f"{tmp_path / 'b' / 'data' / 'documents'} (storage id none)" in line, line
    assert f"{first_store} (storage id {storage_id})" in line, line
