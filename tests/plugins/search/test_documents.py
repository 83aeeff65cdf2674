"""Documents in search: indexed from upload to extraction, edits and deletion; clinical scope."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hduce.core.config import Settings
from tests.plugins.search.documents_clinic import documents_clinic, text_document
from tests.plugins.search.helpers import plugin, search, wait_for_entry, word
from tests.plugins.users.clinic import Clinic
from tests.support.context import wait_for_row


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Clinic]:
    """Search with the documents plugin enabled too."""
    async with documents_clinic(settings, tmp_path_factory) as running:
        yield running


def ids(page: dict[str, Any]) -> list[str]:
    """The ids of a page's hits."""
    return [hit["id"] for hit in page["hits"]]


async def test_extracted_text_is_found_by_clinicians_and_the_patient_only(clinic: Clinic) -> None:
    marker = word()
    patient = await clinic.member("patient", first_name="Ines", last_name="Okoro")
    other = await clinic.member("patient")
    doctor, nurse = await clinic.member("doctor"), await clinic.member("nurse")
    desk, admin = await clinic.member("receptionist"), await clinic.member("admin")
    text = f"Haemoglobin 13.2 g/dL\nComment: {marker} <b>normal</b> range.\n"
    document = await text_document(clinic, doctor, patient, text, "Blood count")

    for reader in (doctor, nurse, patient):
        page = await search(clinic, reader, marker)
        assert ids(page) == [document["id"]], reader.roles
        (hit,) = page["hits"]
        assert hit["kind"] == "document"
        assert hit["title"].startswith("Blood count · Ines Okoro")
        assert f"<mark>{marker}</mark>" in hit["snippet"]
        assert "<b>" not in hit["snippet"], "markup in a document never reaches the snippet"
    for outsider in (other, desk, admin):
        page = await search(clinic, outsider, marker)
        assert (page["hits"], page["total"]) == ([], 0), outsider.roles
    only_documents = await search(clinic, doctor, "Okoro", kind="document")
    assert ids(only_documents) == [document["id"]]


async def test_a_new_title_is_indexed_and_a_deleted_document_leaves_the_index(
    clinic: Clinic,
) -> None:
    first, second = word(), word()
    patient, doctor = await clinic.member("patient"), await clinic.member("doctor")
    document = await text_document(clinic, doctor, patient, f"Report {first}", f"Visit {first}")
    url = f"/api/v1/documents/{document['id']}"

    renamed = await clinic.client.patch(
        url, json={"title": f"Visit {second}"}, headers=doctor.headers
    )
    assert renamed.status_code == 200, renamed.text
    pool = clinic.context.db.shared_pool
    await clinic.in_app(
        wait_for_entry, pool, "document", document["id"], "title LIKE $3", f"Visit {second}%"
    )
    assert ids(await search(clinic, doctor, second)) == [document["id"]]

    admin = await clinic.member("admin")
    deleted = await clinic.client.delete(url, headers=admin.headers)
    assert deleted.status_code == 204, deleted.text
    gone = "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM search_entry WHERE ref_id = $1)"
    await clinic.in_app(wait_for_row, pool, gone, uuid.UUID(document["id"]))
    assert (await search(clinic, doctor, first))["hits"] == []


async def test_a_rebuild_includes_documents(clinic: Clinic) -> None:
    marker = word()
    patient, doctor = await clinic.member("patient"), await clinic.member("doctor")
    document = await text_document(clinic, doctor, patient, f"Note {marker}", "Note")
    await clinic.execute("DELETE FROM search_entry WHERE ref_id = $1", uuid.UUID(document["id"]))
    assert (await search(clinic, doctor, marker))["hits"] == []
    total = await clinic.in_app(plugin(clinic).reindex_total)
    report = await clinic.in_app(plugin(clinic).reindex)
    assert report.written["document"] >= 1
    # `Source.count` may count a few more than a rebuild reads (its docstring says so).
    assert total >= sum(report.written.values()), "the progress total counts every kind"
    assert ids(await search(clinic, doctor, marker)) == [document["id"]]


async def test_words_in_angle_brackets_urls_and_paths_are_found(clinic: Clinic) -> None:
    # PostgreSQL's parser reads `<low>` as a tag and `/path/word` as one token: neither was indexed.
    tag, flag, path, file = word(), word(), word(), word()
    patient, doctor = await clinic.member("patient"), await clinic.member("doctor")
    text = (
        f"WBC <{tag}> 3.2. Range <hemoglobin {flag}> noted. "
        f"See http://clinic.example/results/{path} and C:/scans/{file}.pdf here."
    )
    document = await text_document(clinic, doctor, patient, text, "Lab report")

    for typed in (tag, flag, path, file, tag[:5], f"<{tag}>", f"results/{path}", f"{file}.pdf"):
        assert ids(await search(clinic, doctor, typed)) == [document["id"]], typed
    page = await search(clinic, doctor, flag)
    assert f"<mark>{flag}</mark>" in page["hits"][0]["snippet"]
