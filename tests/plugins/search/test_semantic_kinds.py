"""A staff semantic search finds every kind it asks for, however many nearer chunks others hold."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import msgspec
import pytest

from hduce.core.config import Settings
from hduce.plugins.search.services._entries import Entry
from hduce.plugins.search.services.embedding.local import LocalEmbedder
from tests.plugins.search.documents_clinic import documents_settings
from tests.plugins.search.helpers import embedding_clinic, plugin, search, word
from tests.plugins.users.clinic import Clinic

NEARER = 450
"""Patient entries nearer the query than the appointment: more than a page's candidate pool."""


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory, local_embedder: LocalEmbedder
) -> AsyncIterator[Clinic]:
    """Search over documents too, with the local embedder (the session's embedding process)."""
    configured = documents_settings(settings, tmp_path_factory, embedder="local")
    async with embedding_clinic(configured, local_embedder) as running:
        yield running


def entry(kind: str, patient_id: uuid.UUID, title: str, body: str) -> Entry:
    """An entry of `kind` about `patient_id`, written now."""
    return Entry(
        kind=kind,
        ref_id=uuid.uuid4(),
        patient_id=patient_id,
        title=title,
        body=body,
        updated_at=datetime.now(UTC),
    )


async def test_a_kind_with_fewer_and_farther_chunks_is_still_found(clinic: Clinic) -> None:
    # The front desk reads every appointment: each kind's HNSW index answers its search.
    patient, desk = await clinic.member("patient"), await clinic.member("receptionist")
    said = "Acute myocardial infarction, troponin raised"
    notes = [entry("patient", patient.id, "Note", said) for _ in range(NEARER)]
    visit = entry(
        "appointment", patient.id, f"Visit {word()}", "Follow-up after a heart attack last month"
    )
    await clinic.in_app(plugin(clinic).backend.upsert, [*notes, visit])

    # Other tests' appointments may be found too, but none is nearer than this one.
    page = await search(clinic, desk, said, mode="semantic", kind="appointment")
    assert page["hits"] and page["hits"][0]["id"] == str(visit.ref_id)
    assert {hit["kind"] for hit in page["hits"]} == {"appointment"}

    every = await search(clinic, desk, said, mode="semantic", limit=100)
    assert {hit["kind"] for hit in every["hits"]} == {"patient"}, "the nearer notes come first"

    # A narrow filter keeps none of the indexes' nearest: the allowed entries are ranked exactly.
    old = msgspec.structs.replace(
        entry("patient", patient.id, f"Letter {word()}", "Old note about a heart attack"),
        dated_at=datetime(2001, 6, 1, tzinfo=UTC),
    )
    await clinic.in_app(plugin(clinic).backend.upsert, [old])
    dated = await search(
        clinic, desk, said, mode="semantic", date_from="2001-01-01", date_to="2001-12-31"
    )
    assert [hit["id"] for hit in dated["hits"]] == [str(old.ref_id)]


async def test_staff_who_are_patients_find_their_own_documents_and_no_one_elses(
    clinic: Clinic,
) -> None:
    # A receptionist reads no clinical documents, but as a patient reads their own.
    me, other = await clinic.member("receptionist", "patient"), await clinic.member("patient")
    said = f"Discharge {word()}: acute myocardial infarction, stent placed"
    mine, theirs = (
        entry("document", me.id, "Discharge", said),
        entry("document", other.id, "Discharge", said),
    )
    await clinic.in_app(plugin(clinic).backend.upsert, [mine, theirs])

    page = await search(clinic, me, said, mode="semantic", limit=100)
    documents = {hit["id"] for hit in page["hits"] if hit["kind"] == "document"}
    assert documents == {str(mine.ref_id)}
