"""A person's copy of their data: every plugin's section, only their own rows, audited."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hduce.core.config import Settings
from tests.plugins.appointments.helpers import book, open_practice, two_days_ahead_at
from tests.plugins.devices.helpers import register
from tests.plugins.documents.files import CLINIC_LETTER
from tests.plugins.documents.helpers import extracted, uploaded
from tests.plugins.users.clinic import Clinic, Member, every_plugin_settings, running_clinic

SECTIONS = {"account", "appointments", "audit", "devices", "documents", "notifications", "profile"}


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Clinic]:
    """Every plugin, booking allowed minutes ahead."""
    configured = every_plugin_settings(
        settings, tmp_path_factory.mktemp("export-documents"), appointments={"min_notice": "0s"}
    )
    async with running_clinic(configured) as running:
        yield running


async def export_of(clinic: Clinic, caller: Member, path: str = "/api/v1/users/me/export") -> Any:
    return await clinic.client.get(path, headers=caller.headers)


async def a_patient_with_records(clinic: Clinic) -> tuple[Member, Member]:
    """A patient with a visit, a letter, a device with a reading, and a care team; their doctor."""
    practice = await open_practice(clinic)
    patient = await clinic.member("patient", first_name="Renée", last_name="Müller")
    booked = await book(clinic, practice, patient, two_days_ahead_at(10))
    assert booked.status_code == 201, booked.text
    await clinic.execute(
        "UPDATE appointment SET notes = 'clinician only' WHERE id = $1",
        uuid.UUID(booked.json()["id"]),
    )
    letter = await uploaded(clinic, practice.doctor, CLINIC_LETTER.encode(), patient=patient)
    await extracted(clinic, letter["id"])
    device, _ = await register(clinic, practice.admin, patient)
    await clinic.execute(
        "INSERT INTO reading (device, patient, metric, value, unit, measured_at, received_at) "
        "VALUES ($1, $2, 'spo2', 97, '%', now(), now())",
        uuid.UUID(device),
        patient.id,
    )
    joined = await clinic.client.put(
        f"/api/v1/users/{patient.id}/care-team/{practice.doctor.id}",
        headers=practice.doctor.headers,
    )
    assert joined.status_code == 200, joined.text
    return patient, practice.doctor


async def test_a_patient_downloads_everything_held_about_them(clinic: Clinic) -> None:
    patient, doctor = await a_patient_with_records(clinic)
    other, _ = await a_patient_with_records(clinic)
    answer = await export_of(clinic, patient)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="hduce-data-{patient.id}.json"'
    )
    assert answer.headers["cache-control"] == "no-store"
    export = answer.json()
    assert export["user_id"] == str(patient.id)
    sections = export["sections"]
    assert set(sections) == SECTIONS

    assert sections["account"]["account"][0]["email"] == patient.email
    assert sections["profile"]["profile"][0]["last_name"] == "Müller"
    assert [m["clinician"] for m in sections["profile"]["care_team"]] == [str(doctor.id)]
    (visit,) = sections["appointments"]["appointments"]
    assert visit["practitioner"] == str(doctor.id) and "notes" not in visit
    (letter,) = sections["documents"]["documents"]
    assert letter["download"] == f"/api/v1/documents/{letter['id']}/content"
    medications = [e["value"] for e in letter["entities"] if e["kind"] == "medication"]
    assert medications == ["lisinopril"]  # decoded, not a JSON string
    assert [(r["metric"], r["value"]) for r in sections["devices"]["readings"]] == [("spo2", 97.0)]
    assert len(sections["devices"]["devices"]) == 1
    actions = {event["action"] for event in sections["audit"]["access_log"]}
    assert "users.care_team_added" in actions
    # Nothing of the other patient's, anywhere.
    assert str(other.id) not in answer.text and other.email not in answer.text
    assert "clinician only" not in answer.text


async def test_only_admins_export_someone_else_and_it_is_audited(clinic: Clinic) -> None:
    patient, doctor = await a_patient_with_records(clinic)
    path = f"/api/v1/users/{patient.id}/export"
    assert (await export_of(clinic, doctor, path)).status_code == 403
    assert (await clinic.client.get(path)).status_code == 401
    admin = await clinic.member("admin")
    answer = await export_of(clinic, admin, path)
    assert answer.status_code == 200 and answer.json()["user_id"] == str(patient.id)
    missing = await export_of(clinic, admin, f"/api/v1/users/{uuid.uuid4()}/export")
    assert missing.status_code == 404
    rows = await clinic.fetch(
        "SELECT actor_id FROM audit_event WHERE action = 'users.data_exported' AND subject_id = $1",
        patient.id,
    )
    assert [row["actor_id"] for row in rows] == [admin.id]


async def test_devices_the_patient_had_before_are_in_their_export(clinic: Clinic) -> None:
    """Their readings and alerts name a device given to someone else since: it is listed."""
    patient, _ = await a_patient_with_records(clinic)
    admin, other = await clinic.member("admin"), await clinic.member("patient")
    (device,) = await clinic.fetch("SELECT device FROM reading WHERE patient = $1", patient.id)
    moved = await clinic.client.put(
        f"/api/v1/devices/{device['device']}/patient",
        json={"patient_id": str(other.id)},
        headers=admin.headers,
    )
    assert moved.status_code == 200, moved.text
    sections = (await export_of(clinic, patient)).json()["sections"]["devices"]
    assert [d["id"] for d in sections["devices"]] == [str(device["device"])]
    (had,) = sections["assignments"]
    assert had["device"] == str(device["device"]) and had["until"] is not None
