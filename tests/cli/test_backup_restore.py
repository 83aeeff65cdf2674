"""`hduce backup` a populated clinic, `hduce restore` it into a fresh data dir, find it all."""

import hashlib
import io
import tarfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import msgspec

from hduce.core.config import Settings
from hduce.runtime import EmbeddedPostgres
from tests.e2e.test_cli_commands import run
from tests.plugins.appointments.helpers import appointment_settings, book, open_practice
from tests.plugins.documents.helpers import documents_settings, stored_files, uploaded
from tests.plugins.users.clinic import running_clinic
from tests.support.context import isolated
from tests.support.processes import processes_using

DOCUMENT = b"Discharge letter\nBlood pressure 128/82, follow-up in two weeks.\n"


def populated_settings(settings: Settings, database_url: str, storage: Path) -> Settings:
    """Identity, appointments and documents on `database_url`, files under `storage`."""
    with_appointments = appointment_settings(settings, notifications={})
    with_documents = documents_settings(with_appointments, storage)
    enabled = tuple(
        dict.fromkeys((*with_appointments.plugins.enabled, *with_documents.plugins.enabled))
    )
    sections = {**with_appointments.plugins.sections, **with_documents.plugins.sections}
    plugins = msgspec.structs.replace(with_documents.plugins, enabled=enabled, sections=sections)
    database = msgspec.structs.replace(settings.database, url=database_url)
    return isolated(msgspec.structs.replace(with_documents, plugins=plugins, database=database))


async def test_backup_then_restore_into_a_fresh_data_dir(
    tmp_path: Path, settings: Settings, clinic_database: str, nats_url: str
) -> None:
    storage = tmp_path / "store"
    async with running_clinic(populated_settings(settings, clinic_database, storage)) as clinic:
        practice = await open_practice(clinic)
        patient = await clinic.member("patient")
        day = datetime.now(UTC).date() + timedelta(days=3)
        visit = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
        booked = await book(clinic, practice, patient, visit)
        assert booked.status_code == 201, booked.text
        document = await uploaded(clinic, patient, DOCUMENT, content_type="text/plain")
    source_files = {p.relative_to(storage): p.read_bytes() for p in stored_files(storage)}
    assert DOCUMENT in source_files.values()

    archive = tmp_path / "nightly" / "clinic.tar"
    source = {
        "DATABASE_URL": clinic_database,
        "HDUCE_NATS__URL": nats_url,
        "HDUCE_PLUGINS__DOCUMENTS__STORAGE_DIR": str(storage),
    }
    code, output = run(["backup", str(archive)], tmp_path, **source)
    assert code == 0, output
    assert f"{len(source_files)} document files" in output
    assert f"backup: {len(source_files) + 1} done" in output, "plain progress lines in a pipe"
    assert archive.stat().st_mode & 0o777 == 0o600, "password hashes and medical documents"
    with tarfile.open(archive) as tar:
        manifest = msgspec.json.decode(tar.extractfile("manifest.json").read())
    dumped = manifest["files"]["database.dump"]
    assert len(dumped["sha256"]) == 64 and dumped["size"] > 0
    code, output = run(["backup", str(archive)], tmp_path, **source)
    assert code == 1 and "exists" in output, "a backup is never overwritten"

    fresh = tmp_path / "fresh"
    target = {"HDUCE_DATA_DIR": str(fresh), "HDUCE_NATS__URL": nats_url}
    try:
        code, output = run(["restore", str(archive)], tmp_path, **target)
        assert code == 0, output
        assert "restore database: 1 done" in output
        code, output = run(["restore", str(archive)], tmp_path, **target)
        assert code == 1 and "--force" in output, "a second restore needs --force"

        code, output = run(["audit", "verify"], tmp_path, **target)
        assert code == 0, output
        code, output = run(["user", "show", patient.email], tmp_path, **target)
        assert code == 0 and f"id: {patient.id}" in output, output

        restored = {
            p.relative_to(fresh / "documents"): p.read_bytes()
            for p in stored_files(fresh / "documents")
        }
        assert restored == source_files, "documents come back byte for byte"
        folders = [
            fresh / "documents",
            *(p for p in (fresh / "documents").rglob("*") if p.is_dir()),
        ]
        assert len(folders) > 1 and {p.stat().st_mode & 0o777 for p in folders} == {0o700}

        again = tmp_path / "from-embedded.tar"
        code, output = run(["backup", str(again)], tmp_path, **target)
        assert code == 0, output  # the embedded server's own pg_dump
        with tarfile.open(again) as tar:
            names = {n for n in tar.getnames() if n.startswith("documents/")}
        assert names == {f"documents/{path.as_posix()}" for path in source_files}

        server = EmbeddedPostgres(fresh / "pg")
        connection = await asyncpg.connect(server.start())
        try:
            appointment = await connection.fetchrow(
                "SELECT starts_at FROM appointment WHERE id = $1",
                uuid.UUID(booked.json()["id"]),
            )
            assert appointment["starts_at"] == visit
            sha = await connection.fetchval(
                "SELECT sha256 FROM document WHERE id = $1", uuid.UUID(document["id"])
            )
            assert sha == hashlib.sha256(DOCUMENT).hexdigest()
        finally:
            await connection.close()
            server.stop()
    finally:
        for process in processes_using(fresh):
            process.kill()


def test_a_damaged_archive_is_refused_before_anything_changes(tmp_path: Path) -> None:
    archive = tmp_path / "broken.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(Path(__file__), arcname="database.dump")
    code, output = run(["restore", str(archive)], tmp_path)
    assert code == 1 and "not a readable HDuce backup" in output, output
    assert not (tmp_path / "data").exists()


def test_a_checksum_mismatch_is_refused_before_anything_changes(tmp_path: Path) -> None:
    dump = tmp_path / "database.dump"
    dump.write_bytes(b"PGDMP not really")
    manifest = {"format": 1, "files": {"database.dump": {"sha256": "0" * 64, "size": 16}}}
    archive = tmp_path / "tampered.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(dump, arcname="database.dump")
        data = msgspec.json.encode(manifest)
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    code, output = run(["restore", str(archive)], tmp_path)
    assert code == 1 and "database.dump is damaged" in output, output
    assert not (tmp_path / "data").exists()
