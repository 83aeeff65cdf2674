"""The registry and readings API: who may do what, pagination and problem answers."""

import uuid
from datetime import UTC, datetime, timedelta

from tests.plugins.devices.helpers import API, eventually, mqtt, register, telemetry
from tests.plugins.users.clinic import Clinic, Member

PROBLEM = "application/problem+json"


async def test_registration_returns_the_secret_once_and_stores_only_its_hash(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    body = {"kind": "thermometer", "name": "Ear", "serial": "TH-1 " + uuid.uuid4().hex}
    created = await clinic.client.post(API, json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    device, credentials = created.json()["device"], created.json()["credentials"]
    assert credentials["username"] == device["id"]
    assert len(credentials["secret"]) >= 43
    assert credentials["telemetry_topic"] == f"devices/{device['id']}/telemetry"
    [row] = await clinic.fetch(
        "SELECT secret_hash FROM device WHERE id = $1", uuid.UUID(device["id"])
    )
    assert credentials["secret"] not in row["secret_hash"] and len(row["secret_hash"]) == 64
    shown = await clinic.client.get(f"{API}/{device['id']}", headers=admin.headers)
    assert "secret" not in shown.text
    event = await eventually(
        clinic,
        "SELECT payload::text AS p FROM outbox WHERE name = 'device.registered' "
        "AND payload->>'device_id' = $1",
        device["id"],
    )
    assert credentials["secret"] not in event["p"]
    again = await clinic.client.post(API, json=body, headers=admin.headers)
    assert again.status_code == 409 and again.headers["content-type"].startswith(PROBLEM)


async def test_bad_registrations_are_problems_not_errors(clinic: Clinic, admin: Member) -> None:
    nurse = await clinic.member("nurse")
    cases = [
        {"kind": "toaster", "name": "x", "serial": "s1"},
        {"kind": "scale", "name": "", "serial": "s2"},
        {"kind": "scale", "name": "x", "serial": "s3", "extra": 1},
        {"kind": "scale", "name": "x", "serial": "s4", "patient_id": str(nurse.id)},
        {"kind": "scale", "name": "x", "serial": "s5", "patient_id": "nope"},
    ]
    for body in cases:
        response = await clinic.client.post(API, json=body, headers=admin.headers)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
    missing = await clinic.client.get(f"{API}/{uuid.uuid4()}", headers=admin.headers)
    assert missing.status_code == 404


async def test_assigning_moves_new_readings_to_the_new_patient(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, kind="scale")
    url = f"{API}/{device}/patient"
    response = await clinic.client.put(
        url, json={"patient_id": str(patient.id)}, headers=admin.headers
    )
    assert response.status_code == 200 and response.json()["patient_id"] == str(patient.id)
    listed = await clinic.client.get(
        API, params={"patient_id": str(patient.id)}, headers=admin.headers
    )
    assert [d["id"] for d in listed.json()["items"]] == [device]
    async with mqtt(clinic, device, secret) as client:
        await client.publish(
            f"devices/{device}/telemetry", telemetry(("weight", 71.5, "kg")), qos=1
        )
        await eventually(clinic, "SELECT 1 FROM reading WHERE patient = $1", patient.id)
    cleared = await clinic.client.put(url, json={"patient_id": None}, headers=admin.headers)
    assert cleared.json()["patient_id"] is None


async def test_a_deactivated_device_is_assigned_to_nobody_new(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, _ = await register(clinic, admin, patient)
    done = await clinic.client.post(f"{API}/{device}/deactivate", headers=admin.headers)
    assert done.status_code == 200, done.text
    url = f"{API}/{device}/patient"
    other = await clinic.member("patient")
    moved = await clinic.client.put(url, json={"patient_id": str(other.id)}, headers=admin.headers)
    assert moved.status_code == 409, moved.text
    assert moved.headers["content-type"].startswith(PROBLEM)
    assert "deactivated" in moved.json()["detail"]
    listed = await clinic.client.get(
        API, params={"patient_id": str(other.id)}, headers=admin.headers
    )
    assert listed.json()["items"] == []
    cleared = await clinic.client.put(url, json={"patient_id": None}, headers=admin.headers)
    assert cleared.status_code == 200, "unassigning a retired device is still allowed"
    assert cleared.json()["patient_id"] is None


async def store_readings(clinic: Clinic, admin: Member, patient: Member, count: int) -> None:
    device, secret = await register(clinic, admin, patient)
    start = datetime.now(UTC) - timedelta(hours=1)
    async with mqtt(clinic, device, secret) as client:
        for n in range(count):
            payload = telemetry(("heart_rate", 60 + n, "bpm"), ts=start + timedelta(minutes=n))
            await client.publish(f"devices/{device}/telemetry", payload, qos=1)
    await eventually(
        clinic,
        "SELECT 1 FROM reading WHERE patient = $1 HAVING count(*) = $2",
        patient.id,
        count,
    )


async def test_readings_page_newest_first_and_the_read_is_audited(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    await store_readings(clinic, admin, patient, 5)
    doctor = await clinic.member("doctor")
    params = {"patient_id": str(patient.id), "metric": "heart_rate", "limit": 3}
    first = await clinic.client.get(f"{API}/readings", params=params, headers=doctor.headers)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [r["value"] for r in page["items"]] == [64, 63, 62]
    params["cursor"] = page["next_cursor"]
    second = (
        await clinic.client.get(f"{API}/readings", params=params, headers=doctor.headers)
    ).json()
    assert [r["value"] for r in second["items"]] == [61, 60] and second["next_cursor"] is None
    audited = await clinic.fetch(
        "SELECT 1 FROM audit_event WHERE action = 'devices.readings_read' AND actor_id = $1 "
        "AND subject_id = $2",
        doctor.id,
        patient.id,
    )
    assert len(audited) == 2
    own = await clinic.client.get(f"{API}/readings", headers=patient.headers)
    assert len(own.json()["items"]) == 5
    params["cursor"] = "garbage"
    bad = await clinic.client.get(f"{API}/readings", params=params, headers=doctor.headers)
    assert bad.status_code == 422
    odd = [
        {"start": "2026-01-01T00:00:00"},
        {"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"},
        {"metric": "mood"},
        {"limit": 0},
    ]
    for extra in odd:
        query = {"patient_id": str(patient.id), **extra}
        response = await clinic.client.get(f"{API}/readings", params=query, headers=doctor.headers)
        assert response.status_code in (200, 400, 422), (extra, response.text)
    # Seen: a page larger than the largest was cut to it without a word; other lists say 422.
    for listing in ("readings", "alerts"):
        query = {"patient_id": str(patient.id), "limit": 501}
        response = await clinic.client.get(f"{API}/{listing}", params=query, headers=doctor.headers)
        assert response.status_code == 422, (listing, response.text)
        assert response.json()["detail"] == "limit: at most 500", response.text
        assert response.json()["errors"] == [
            {"message": "at most 500", "key": "limit", "source": "query"}
        ]
        query["limit"] = 500
        response = await clinic.client.get(f"{API}/{listing}", params=query, headers=doctor.headers)
        assert response.status_code == 200, (listing, response.text)


async def test_a_bound_without_offset_is_utc_beside_one_with_an_offset(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    await store_readings(clinic, admin, patient, 5)  # a minute apart from an hour ago
    first = before - timedelta(hours=1)
    naive = (first + timedelta(minutes=2, seconds=30)).replace(tzinfo=None).isoformat()
    aware = (first - timedelta(minutes=1)).isoformat()
    url, base = f"{API}/readings", {"patient_id": str(patient.id)}
    for bounds, values in (
        ({"start": aware, "end": naive}, [62, 61, 60]),
        ({"start": naive, "end": before.isoformat()}, [64, 63]),
    ):
        response = await clinic.client.get(url, params={**base, **bounds}, headers=patient.headers)
        assert response.status_code == 200, (bounds, response.text)
        assert [r["value"] for r in response.json()["items"]] == values, bounds
    backwards = {"start": naive, "end": aware}
    response = await clinic.client.get(url, params={**base, **backwards}, headers=patient.headers)
    assert response.status_code in (400, 422), response.text
    assert "end: must be after `start`" in response.text


async def test_readings_are_the_patients_and_the_clinicians_only(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    other = await clinic.member("patient")
    receptionist = await clinic.member("receptionist")
    url = f"{API}/readings"
    mine = {"patient_id": str(patient.id)}
    assert (await clinic.client.get(url, params=mine, headers=other.headers)).status_code == 403
    assert (
        await clinic.client.get(url, params=mine, headers=receptionist.headers)
    ).status_code == 403
    assert (await clinic.client.get(url, params=mine, headers=admin.headers)).status_code == 403
    nurse = await clinic.member("nurse")
    assert (await clinic.client.get(url, headers=nurse.headers)).status_code == 422
    assert (await clinic.client.get(url, params=mine, headers=nurse.headers)).status_code == 200


async def test_audit_events_record_the_callers_address(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    doctor = await clinic.member("doctor")
    device_id, _ = await register(clinic, admin)
    device = f"{API}/{device_id}"
    assigned = await clinic.client.put(
        f"{device}/patient", json={"patient_id": str(patient.id)}, headers=admin.headers
    )
    assert assigned.status_code == 200, assigned.text
    for action in ("rotate-secret", "deactivate"):
        done = await clinic.client.post(f"{device}/{action}", headers=admin.headers)
        assert done.status_code == 200, done.text
    threshold = f"{API}/thresholds/{patient.id}/heart_rate"
    for response in (
        await clinic.client.get(
            f"{API}/readings", params={"patient_id": str(patient.id)}, headers=doctor.headers
        ),
        await clinic.client.get(f"{API}/alerts", headers=doctor.headers),
        await clinic.client.put(threshold, json={"above": 150}, headers=doctor.headers),
        await clinic.client.delete(threshold, headers=doctor.headers),
    ):
        assert response.status_code == 200, response.text
    rows = await clinic.fetch(
        "SELECT action, ip FROM audit_event WHERE actor_id = ANY($1::uuid[]) "
        "AND action LIKE 'devices.%'",
        [admin.id, doctor.id],
    )
    assert {row["action"] for row in rows} >= {
        "devices.registered",
        "devices.secret_rotated",
        "devices.deactivated",
        "devices.assigned",
        "devices.readings_read",
        "devices.alerts_read",
        "devices.threshold_set",
        "devices.threshold_reset",
    }
    assert {row["ip"] for row in rows} == {"testclient"}, rows
