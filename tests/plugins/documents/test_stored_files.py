"""Stored files are private to the service's user; downloads are named and served safely."""

import os
import stat
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from hduce.plugins.documents.services._files import TEMP_DIR, BlobStore, StoreUnusable
from tests.plugins.documents.files import CLINIC_LETTER, image
from tests.plugins.documents.helpers import API, extracted, partial_files, stored_files, uploaded
from tests.plugins.users.clinic import Clinic, Member


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store left world-readable by an older version: fixed when the plugin starts.

    Its temporary folder holds the part file of an upload cut short an hour ago (a killed
    serve) and one being written now (by another serve sharing the store).
    """
    folder = tmp_path_factory.mktemp("documents")
    folder.chmod(0o755)
    incoming = folder / TEMP_DIR
    incoming.mkdir(0o700)
    (incoming / "cut-short.part").write_bytes(b"%PDF-1.7\n")
    an_hour_ago = time.time() - 3600
    os.utime(incoming / "cut-short.part", (an_hour_ago, an_hour_ago))
    (incoming / "being-written.part").write_bytes(b"%PDF-1.7\n")
    return folder


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def attachment_name(disposition: str) -> str | None:
    message = EmailMessage()
    message["content-disposition"] = disposition
    return message.get_filename()


async def test_files_are_0600_and_folders_0700(
    clinic: Clinic, storage: Path, doctor: Member, patient: Member
) -> None:
    assert mode(storage) == 0o700
    await uploaded(clinic, doctor, image("PNG", (31, 17)), patient=patient)
    files = stored_files(storage)
    assert files
    assert {mode(path) for path in files} == {0o600}
    folders = [path for path in storage.rglob("*") if path.is_dir()]
    assert {mode(path) for path in folders} == {0o700}


async def test_part_files_left_long_ago_are_swept_at_start(clinic: Clinic, storage: Path) -> None:
    assert sorted(path.name for path in partial_files(storage)) == ["being-written.part"]


async def test_a_download_is_named_after_the_sniffed_type_and_never_cached_or_sniffed(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    created = await uploaded(
        clinic, doctor, CLINIC_LETTER.encode(), patient=patient, filename="x.html"
    )
    await extracted(clinic, created["id"])
    url = f"{API}/{created['id']}"
    for path in ("/content", "/text"):
        response = await clinic.client.get(url + path, headers=doctor.headers)
        assert response.status_code == 200, response.text
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "no-store" in response.headers["cache-control"]
    download = await clinic.client.get(f"{url}/content", headers=doctor.headers)
    assert attachment_name(download.headers["content-disposition"]) == "x.txt"
    assert download.headers["content-type"].startswith("text/plain")


async def test_a_download_keeps_a_matching_extension_and_gets_one_when_missing(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    names = {}
    for filename in ("Scan.PNG", "scan"):
        created = await uploaded(
            clinic, doctor, image("PNG", (33, len(filename))), patient=patient, filename=filename
        )
        download = await clinic.client.get(f"{API}/{created['id']}/content", headers=doctor.headers)
        names[filename] = attachment_name(download.headers["content-disposition"])
    assert names == {"Scan.PNG": "Scan.PNG", "scan": "scan.png"}


def test_a_store_that_cannot_be_made_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(StoreUnusable) as refused:
        BlobStore(tmp_path / "a-file" / "documents").secure()
    assert str(refused.value).startswith("plugins.documents.storage_dir: cannot use ")
    assert str(refused.value).endswith(": Not a directory")
