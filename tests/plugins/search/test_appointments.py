"""Appointments: indexed on every lifecycle event from what the appointments plugin says now."""

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from hduce.plugins.search.services._entries import Entry
from tests.plugins.appointments.helpers import API as APPOINTMENTS
from tests.plugins.search.helpers import (
    API,
    booked,
    plugin,
    redeliver,
    register,
    search,
    wait_for_entry,
    word,
)
from tests.plugins.users.clinic import Clinic


async def test_a_booking_is_found_by_reason_and_only_by_its_patient_and_staff(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    surname, symptom = word(), word()
    patient = await register(clinic, "Elena", surname)
    other = await register(clinic, "Elias", surname)
    appointment_id, _ = await booked(clinic, patient, f"Sore {symptom} since Monday", 9)
    await wait_for_entry(raw_pool, "appointment", appointment_id)

    receptionist = await clinic.member("receptionist")
    page = await search(clinic, receptionist, symptom, kind="appointment")
    assert [hit["id"] for hit in page["hits"]] == [appointment_id]
    hit = page["hits"][0]
    assert f"Elena {surname}" in hit["title"]
    assert "09:00 (UTC)" in hit["title"]
    assert f"<mark>{symptom}</mark>" in hit["snippet"]
    assert hit["extra"]["status"] == "booked"
    assert hit["extra"]["practitioner_name"] == "Ada Okafor"

    assert [h["id"] for h in (await search(clinic, patient, symptom))["hits"]] == [appointment_id]
    assert (await search(clinic, other, symptom))["total"] == 0
    assert (await search(clinic, other, f"elena {surname}"))["total"] == 0


async def test_doctors_and_nurses_find_only_the_appointments_the_appointments_api_shows_them(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    symptom = word()
    patient = await register(clinic, "Ines", word())
    appointment_id, practice = await booked(clinic, patient, f"private: {symptom}", 10)
    await wait_for_entry(raw_pool, "appointment", appointment_id)
    doctor, nurse = await clinic.member("doctor"), await clinic.member("nurse")
    desk = await clinic.member("receptionist")
    found = {appointment_id}

    # The appointments API answers the unrelated doctor and nurse 404; search finds nothing either.
    for stranger in (doctor, nurse):
        read = await clinic.client.get(f"{APPOINTMENTS}/{appointment_id}", headers=stranger.headers)
        assert read.status_code == 404, read.text
        page = await search(clinic, stranger, symptom, facets="kind,patient")
        assert (page["hits"], page["total"], page["facets"]["kind"]) == ([], 0, {})
        alone = await search(clinic, stranger, symptom, kind="appointment")
        assert alone["total"] == 0
        by_patient = await search(clinic, stranger, symptom, patient_id=str(patient.id))
        assert by_patient["total"] == 0
        suggested = await clinic.client.get(
            f"{API}/suggest", params={"q": symptom[:6]}, headers=stranger.headers
        )
        assert symptom not in suggested.json()["suggestions"]

    # Its practitioner, the front desk, admins and its patient find it, as the API shows it them.
    for reader in (practice.doctor, desk, practice.admin, patient):
        page = await search(clinic, reader, symptom)
        assert {hit["id"] for hit in page["hits"]} == found, reader.roles
        alone = await search(clinic, reader, symptom, kind="appointment")
        assert {hit["id"] for hit in alone["hits"]} == found, reader.roles


async def test_cancelling_updates_the_status_and_a_late_event_never_regresses_it(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    patient = await register(clinic, "Fiona", word())
    appointment_id, practice = await booked(clinic, patient, f"Check-up {word()}", 11)
    await wait_for_entry(raw_pool, "appointment", appointment_id)
    response = await clinic.client.post(
        f"{APPOINTMENTS}/{appointment_id}/cancel",
        json={"reason": "Feeling better"},
        headers=practice.admin.headers,
    )
    assert response.status_code == 200, response.text
    await wait_for_entry(raw_pool, "appointment", appointment_id, "extra->>'status' = 'cancelled'")

    # The booking event delivered again, after the cancellation (at-least-once delivery).
    await redeliver(clinic, raw_pool, "appointment.booked", "appointment_id", appointment_id)
    row = await wait_for_entry(raw_pool, "appointment", appointment_id)
    assert "status cancelled" in row["body"]

    # An entry older than the stored one is refused by the version check.
    stale = Entry(
        kind="appointment",
        ref_id=uuid.UUID(appointment_id),
        patient_id=patient.id,
        title="stale",
        body="status booked",
        updated_at=datetime.now(UTC) - timedelta(days=1),
    )
    assert await clinic.in_app(plugin(clinic).backend.upsert, [stale]) == []
    assert (await wait_for_entry(raw_pool, "appointment", appointment_id))["title"] != "stale"


async def test_renaming_a_patient_renames_their_appointments(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    old, new = word(), word()
    patient = await register(clinic, "Greta", old)
    appointment_id, practice = await booked(clinic, patient, "Follow-up", 14)
    await wait_for_entry(raw_pool, "appointment", appointment_id)
    response = await clinic.client.put(
        "/api/v1/users/me", json={"last_name": new}, headers=patient.headers
    )
    assert response.status_code == 200, response.text
    await wait_for_entry(raw_pool, "appointment", appointment_id, "title LIKE $3", f"%Greta {new}%")
    doctor = practice.doctor
    assert (await search(clinic, doctor, old))["total"] == 0
    kinds = sorted(hit["kind"] for hit in (await search(clinic, doctor, f"greta {new}"))["hits"])
    assert kinds == ["appointment", "patient"]


async def test_renaming_a_type_renames_its_appointments(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    new_name = f"Checkup {word()}"
    patient = await register(clinic, "Hugo", word())
    appointment_id, practice = await booked(clinic, patient, "Yearly", 15)
    await wait_for_entry(raw_pool, "appointment", appointment_id)
    renamed = await clinic.client.patch(
        f"{APPOINTMENTS}/types/{practice.type_id}",
        json={"name": new_name},
        headers=practice.admin.headers,
    )
    assert renamed.status_code == 200, renamed.text
    await wait_for_entry(raw_pool, "appointment", appointment_id, "title LIKE $3", f"{new_name} ·%")
    (hit,) = (await search(clinic, practice.admin, new_name.split()[1]))["hits"]
    assert (hit["id"], hit["extra"]["type_name"]) == (appointment_id, new_name)


async def test_a_rebuilds_progress_total_counts_the_appointments(clinic: Clinic) -> None:
    patient = await register(clinic, "Rita", word())
    await booked(clinic, patient, "Counted", 16)
    search = plugin(clinic)
    count = await clinic.in_app(search.indexer.sources["appointment"].count)
    total = await clinic.in_app(search.reindex_total)
    report = await clinic.in_app(search.reindex)
    assert count == report.written["appointment"] >= 1
    assert total == sum(report.written.values())
