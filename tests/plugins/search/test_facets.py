"""Facets and filters: counts by kind, document kind, month, entity and patient; scoped as ever.

Entries indexed before dates and entities existed get them from an upgrade's migration.
"""

import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from hduce.core.config import Settings
from tests.plugins.search.documents_clinic import documents_clinic, text_document
from tests.plugins.search.helpers import API, booked, register, search, wait_for_entry, word
from tests.plugins.users.clinic import Clinic, Member
from tests.support.migrations import run_forwards

ALL_FACETS = "kind,document_kind,date,entity,patient"


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Clinic]:
    """Search with the documents plugin enabled too."""
    async with documents_clinic(settings, tmp_path_factory) as running:
        yield running


def ids(page: dict[str, object]) -> set[str]:
    """The ids of a page's hits."""
    return {hit["id"] for hit in page["hits"]}  # type: ignore[attr-defined, index]


async def test_facets_count_and_filters_narrow(clinic: Clinic) -> None:
    marker, drug = word(), "metformin"
    on_drug, other = await clinic.member("patient"), await clinic.member("patient")
    doctor = await clinic.member("doctor")
    note = await text_document(
        clinic,
        doctor,
        on_drug,
        f"Visit {marker}: started {drug} 500 mg twice daily. Diagnosis ICD-10 E11.9.",
        "Diabetes visit",
        kind="clinical_note",
    )
    letter = await text_document(
        clinic,
        doctor,
        other,
        f"Dear colleague, {marker}: lisinopril 10 mg for hypertension.",
        "Letter",
        kind="letter",
    )
    month = datetime.now(UTC).strftime("%Y-%m")

    page = await search(clinic, doctor, marker, facets=ALL_FACETS)
    assert ids(page) == {note["id"], letter["id"]}
    facets = page["facets"]
    assert facets["kind"] == {"document": 2}
    assert facets["document_kind"] == {"clinical_note": 1, "letter": 1}
    assert facets["date"] == {month: 2}
    assert facets["entity"]["medication:metformin"] == 1
    assert facets["entity"]["diagnosis:e11"] == facets["entity"]["diagnosis:e11.9"] == 1
    assert facets["patient"] == {str(on_drug.id): 1, str(other.id): 1}

    # "Patients on metformin": no words, an entity filter and the patient facet.
    on_metformin = await search(
        clinic, doctor, "", entity=f"medication:{drug}", facets="patient", kind="document"
    )
    # Other tests' patients may take metformin too: only ours are checked.
    assert note["id"] in ids(on_metformin) and letter["id"] not in ids(on_metformin)
    patients = on_metformin["facets"]["patient"]
    assert patients[str(on_drug.id)] == 1 and str(other.id) not in patients
    assert ids(await search(clinic, doctor, marker, entity="Diagnosis:E11")) == {note["id"]}
    assert ids(await search(clinic, doctor, marker, patient_id=str(other.id))) == {letter["id"]}
    audited = await clinic.fetch(
        "SELECT detail FROM audit_event WHERE actor_id = $1 AND action = 'search.queried' "
        "AND detail->'filters'->>'patient_id' = $2",
        doctor.id,
        str(other.id),
    )
    assert len(audited) == 1, "a clinician's search of one patient is audited with its filter"

    today = datetime.now(UTC).date()
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    assert ids(await search(clinic, doctor, marker, date_from=str(today))) == ids(page)
    assert ids(await search(clinic, doctor, marker, date_to=str(today))) == ids(page)
    assert ids(await search(clinic, doctor, marker, date_from=str(tomorrow))) == set()
    assert ids(await search(clinic, doctor, marker, date_to=str(yesterday))) == set()


async def test_filters_and_facets_keep_the_callers_scope(clinic: Clinic) -> None:
    marker = word()
    patient, other = await clinic.member("patient"), await clinic.member("patient")
    doctor, desk = await clinic.member("doctor"), await clinic.member("receptionist")
    own = await text_document(clinic, doctor, patient, f"{marker} metformin 850 mg", "Mine")
    await text_document(clinic, doctor, other, f"{marker} metformin 850 mg", "Theirs")

    mine = await search(clinic, patient, marker, entity="medication:metformin", facets="patient")
    assert ids(mine) == {own["id"]}
    assert mine["facets"]["patient"] == {str(patient.id): 1}
    assert ids(await search(clinic, patient, marker, patient_id=str(patient.id))) == {own["id"]}
    at_desk = await search(clinic, desk, "", entity="medication:metformin", facets="kind")
    assert (at_desk["hits"], at_desk["total"], at_desk["facets"]) == ([], 0, {"kind": {}})

    foreign = await clinic.client.get(
        API, params={"q": marker, "patient_id": str(other.id)}, headers=patient.headers
    )
    assert foreign.status_code == 403, foreign.text
    assert foreign.headers["content-type"].startswith("application/problem+json")


BACKFILL = "2026-12-10T08:00:00:000000"
# What search/2026-12-02T11:50 left on the entries indexed before it: both columns empty.
AS_OLD_VERSIONS_LEFT = (
    "UPDATE search_entry SET dated_at = NULL, entities = '{}' WHERE ref_id = ANY($1::uuid[])"
)


async def test_the_backfill_dates_old_entries_and_gives_documents_their_entities(
    clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    # Seen upgrading a 2026-12-02 install: its documents and appointments were missing from
    # `entity=` and `date_from=` filters and from the date and entity facets, until someone
    # ran `hduce search reindex` (nothing said so).
    marker, symptom = word(), word()
    doctor, desk = await clinic.member("doctor"), await clinic.member("receptionist")
    patient = await register(clinic, "Olga", word())
    note = await text_document(
        clinic, doctor, patient, f"{marker}: started metformin 500 mg. ICD-10 E11.9.", "Visit"
    )
    visit_id, _ = await booked(clinic, patient, f"Sore {symptom}", 9)
    entry = await clinic.in_app(
        wait_for_entry, clinic.context.db.shared_pool, "appointment", visit_id
    )
    visit_day: date = entry["dated_at"].date()
    await clinic.execute(AS_OLD_VERSIONS_LEFT, [note["id"], visit_id])

    by_entity = {"entity": "medication:metformin", "facets": "entity,date"}
    assert ids(await search(clinic, doctor, marker, **by_entity)) == set()
    assert ids(await search(clinic, desk, symptom, date_from=str(visit_day))) == set()

    with caplog.at_level(logging.INFO, logger="hduce.migrations"):
        await clinic.in_app(run_forwards, "search", BACKFILL)
    assert "search: filled in 1 old document entries, as a reindex would" in caplog.text
    assert "search: filled in 1 old appointment entries, as a reindex would" in caplog.text

    found = await search(clinic, doctor, marker, **by_entity)
    assert ids(found) == {note["id"]}
    assert found["facets"]["entity"] == {
        "diagnosis:e11": 1,
        "diagnosis:e11.9": 1,
        "medication:metformin": 1,
    }
    assert list(found["facets"]["date"].values()) == [1]
    visit = await search(clinic, desk, symptom, date_from=str(visit_day), facets="date")
    assert ids(visit) == {visit_id}
    assert visit["facets"]["date"] == {visit_day.strftime("%Y-%m"): 1}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x", "facets": "colour"}, "facets: unknown colour"),
        ({"q": "x", "entity": "metformin"}, "entity: `kind:value`"),
        ({"q": "x", "date_from": "2026-13-01"}, "date_from: a date"),
        ({"q": "x", "date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_to: not before"),
        ({"q": "x", "patient_id": "42"}, "patient_id: a UUID"),
        ({"q": "", "facets": "kind"}, "q: give at least one letter"),
    ],
)
async def test_bad_filters_are_problems(
    clinic: Clinic, params: dict[str, str], message: str
) -> None:
    doctor: Member = await clinic.member("doctor")
    response = await clinic.client.get(API, params=params, headers=doctor.headers)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
