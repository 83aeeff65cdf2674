"""The Meilisearch backend against a fake Meilisearch server (no real one runs here)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from hduce.core.config import ConfigError, Settings, load_settings
from hduce.plugins.search.services._entries import Entry
from tests.plugins.search.fake_meilisearch import FakeMeilisearch
from tests.plugins.search.helpers import (
    MEILI_KEY,
    plugin,
    register,
    search,
    search_settings,
    wait_for_entry,
    word,
)
from tests.plugins.users.clinic import Clinic, running_clinic


@pytest.fixture(scope="module")
async def clinic(settings: Settings, meili: FakeMeilisearch) -> AsyncIterator[Clinic]:
    """The app with search on Meilisearch."""
    configured = search_settings(settings, meilisearch_url=meili.url, meilisearch_api_key=MEILI_KEY)
    async with running_clinic(configured) as running:
        yield running


async def pushed(meili: FakeMeilisearch, document_id: str) -> dict[str, object]:
    """Wait until the indexing task pushed a document."""
    for _ in range(200):
        if document_id in meili.documents:
            return meili.documents[document_id]
        await asyncio.sleep(0.05)
    raise AssertionError(f"{document_id} never reached Meilisearch")


async def test_entries_are_pushed_and_searched_with_the_callers_filter(
    clinic: Clinic, meili: FakeMeilisearch, raw_pool: asyncpg.Pool
) -> None:
    surname = word()
    alma = await register(clinic, "Alma", surname)
    anja = await register(clinic, "Anja", surname)
    for member in (alma, anja):
        await wait_for_entry(raw_pool, "patient", member.id)
        document = await pushed(meili, f"patient-{member.id}")
        assert document["patient_id"] == str(member.id)
        assert document["kind"] == "patient"

    settings = [body for method, path, body in meili.requests if path.endswith("/settings")]
    assert settings, "index settings were never sent"
    assert sorted(settings[0]["filterableAttributes"]) == ["kind", "patient_id", "practitioner_id"]
    assert settings[0]["searchableAttributes"] == ["title", "body"]

    desk = await clinic.member("receptionist")
    page = await search(clinic, desk, f"al {surname}")
    assert [hit["id"] for hit in page["hits"]] == [str(alma.id)]
    assert "<mark>Alma</mark>" in page["hits"][0]["snippet"]
    staff_filter = meili.requests[-1][2]["filter"]
    assert staff_filter == "kind IN ['patient', 'appointment']"

    own = await search(clinic, alma, surname)
    assert [hit["id"] for hit in own["hits"]] == [str(alma.id)]
    assert own["total"] == 1
    patient_filter = meili.requests[-1][2]["filter"]
    assert patient_filter == (
        f"((patient_id = '{alma.id}' OR practitioner_id = '{alma.id}') "
        "AND kind IN ['patient', 'appointment'])"
    )


async def test_doctors_find_only_the_appointments_they_hold_in_meilisearch(
    clinic: Clinic, meili: FakeMeilisearch
) -> None:
    patient, mine, stranger = (
        await clinic.member("patient"),
        await clinic.member("doctor"),
        await clinic.member("doctor"),
    )
    symptom = word()
    appointment = Entry(
        kind="appointment",
        ref_id=uuid.uuid4(),
        patient_id=patient.id,
        practitioner_id=mine.id,
        title="Consultation",
        body=f"private: {symptom}",
        updated_at=datetime.now(UTC),
    )
    await clinic.in_app(plugin(clinic).backend.upsert, [appointment])
    document = await pushed(meili, f"appointment-{appointment.ref_id}")
    assert document["practitioner_id"] == str(mine.id)

    assert (await search(clinic, stranger, symptom))["total"] == 0
    naming = f"(patient_id = '{stranger.id}' OR practitioner_id = '{stranger.id}')"
    assert meili.requests[-1][2]["filter"] == (
        f"kind IN ['patient'] OR ({naming} AND kind IN ['appointment'])"
    )
    found = await search(clinic, mine, symptom)
    assert [hit["id"] for hit in found["hits"]] == [str(appointment.ref_id)]
    desk = await clinic.member("receptionist")
    assert (await search(clinic, desk, symptom))["total"] == 1


async def test_health_and_reindex_go_to_meilisearch(
    clinic: Clinic, meili: FakeMeilisearch, raw_pool: asyncpg.Pool
) -> None:
    patient = await register(clinic, "Bruna", word())
    await wait_for_entry(raw_pool, "patient", patient.id)
    await pushed(meili, f"patient-{patient.id}")
    meili.documents.clear()
    report = await clinic.in_app(plugin(clinic).reindex)
    assert report.written["patient"] >= 1
    assert f"patient-{patient.id}" in meili.documents

    response = await clinic.health_detailed()
    check = response.json()["checks"]["search"]
    assert check["ok"] is True
    assert check["detail"]["backend"] == "meilisearch"
    assert check["detail"]["status"] == "available"


def test_the_api_key_comes_only_from_the_environment(tmp_path: object) -> None:
    config = tmp_path / "hduce.toml"  # type: ignore[operator]
    config.write_text('[plugins.search]\nmeilisearch_api_key = "in-a-file"\n')
    with pytest.raises(ConfigError, match="MEILISEARCH_API_KEY"):
        load_settings(config_file=str(config), environ={})
    loaded = load_settings(config_file=None, environ={"MEILISEARCH_API_KEY": "from-env"})
    assert loaded.plugins.sections["search"]["meilisearch_api_key"] == "from-env"


async def test_a_failed_index_task_raises(clinic: Clinic, meili: FakeMeilisearch) -> None:
    from hduce.plugins.search.services.backends.meilisearch import MeilisearchTaskFailed

    patient = await clinic.member("patient")
    entry = Entry(
        kind="patient",
        ref_id=patient.id,
        patient_id=patient.id,
        title="Failing",
        body="",
        updated_at=datetime.now(UTC),
    )
    meili.failing = True
    try:
        with pytest.raises(MeilisearchTaskFailed, match="failed"):
            await clinic.in_app(plugin(clinic).backend.upsert, [entry])
    finally:
        meili.failing = False
