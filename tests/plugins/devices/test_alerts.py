"""Threshold alerts: raised once per patient, metric and direction, told and acknowledged."""

import uuid

import pytest

from tests.plugins.devices.helpers import (
    API,
    NOTIFIED_WITHIN,
    eventually,
    mqtt,
    register,
    telemetry,
)
from tests.plugins.users.clinic import Clinic, Member

OPEN_ALERT = (
    "SELECT * FROM device_alert WHERE patient = $1 AND metric = $2 AND acknowledged_at IS NULL"
)


async def send(
    clinic: Clinic, device: str, secret: str, *values: float, metric: str = "spo2", unit: str = "%"
) -> None:
    """Publish values (SpO2 unless told), a message each, then wait until the last is stored."""
    async with mqtt(clinic, device, secret) as client:
        for value in values:
            await client.publish(
                f"devices/{device}/telemetry", telemetry((metric, value, unit)), qos=1
            )
    await eventually(
        clinic,
        "SELECT 1 FROM reading WHERE device = $1 AND value = $2",
        uuid.UUID(device),
        values[-1],
    )


async def test_a_low_spo2_raises_one_alert_and_tells_the_clinicians(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    nurse = await clinic.member("nurse")
    device, secret = await register(clinic, admin, patient)
    await send(clinic, device, secret, 97, 88, 85, 86)
    alerts = await clinic.fetch("SELECT * FROM device_alert WHERE patient = $1", patient.id)
    assert len(alerts) == 1, "one open alert per patient, metric and bound, however many readings"
    alert = alerts[0]
    assert (alert["metric"], alert["value"], alert["bound"], alert["threshold"]) == (
        "spo2",
        88.0,
        "below",
        92.0,
    )
    event = await eventually(
        clinic,
        "SELECT payload FROM outbox WHERE name = 'device.alert_raised' "
        "AND payload->>'alert_id' = $1",
        str(alert["id"]),
    )
    assert event is not None
    notified = await eventually(
        clinic,
        "SELECT n.id, n.critical, n.category FROM notification n WHERE n.recipient = $1 "
        "AND n.template = 'device_alert'",
        nurse.id,
    )
    # Not critical: e-mail and in-app always go (README), SMS and push as the nurse chose.
    assert (notified["critical"], notified["category"]) == (False, "clinical_alerts")
    inbox = await eventually(
        clinic,
        "SELECT body_text FROM delivery WHERE notification = $1 AND channel = 'in_app'",
        notified["id"],
    )
    assert "Pat Ient" in inbox["body_text"]
    assert "spo2 88 %" in inbox["body_text"]


async def test_the_message_shows_the_value_with_every_digit_sent(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    """39.0000004 °C is above 39: the message must not read "39 °C (above 39)"."""
    nurse = await clinic.member("nurse")
    await join_care_team(clinic, patient, nurse)
    device, secret = await register(clinic, admin, patient, kind="thermometer")
    await send(clinic, device, secret, 39.0000004, metric="temperature", unit="°C")
    alert = await eventually(clinic, OPEN_ALERT, patient.id, "temperature")
    told = await eventually(
        clinic,
        "SELECT id FROM notification WHERE key = $1",
        f"device_alert:{alert['id']}:{nurse.id}",
        timeout=NOTIFIED_WITHIN,
    )
    inbox = await eventually(
        clinic,
        "SELECT body_text FROM delivery WHERE notification = $1 AND channel = 'in_app'",
        told["id"],
        timeout=NOTIFIED_WITHIN,
    )
    assert "temperature 39.0000004 °C (above 39)" in inbox["body_text"], inbox["body_text"]


async def test_acknowledging_lets_the_next_breach_raise_a_new_alert(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    doctor = await clinic.member("doctor")
    device, secret = await register(clinic, admin, patient)
    await send(clinic, device, secret, 90)
    alert = await eventually(clinic, OPEN_ALERT, patient.id, "spo2")
    listed = await clinic.client.get(
        f"{API}/alerts", params={"patient_id": str(patient.id)}, headers=doctor.headers
    )
    assert listed.status_code == 200, listed.text
    assert [a["id"] for a in listed.json()["items"]] == [str(alert["id"])]
    url = f"{API}/alerts/{alert['id']}/acknowledge"
    acknowledged = await clinic.client.post(url, headers=doctor.headers)
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["acknowledged_by"] == str(doctor.id)
    again = await clinic.client.post(url, headers=doctor.headers)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    await send(clinic, device, secret, 89)
    new = await eventually(clinic, OPEN_ALERT, patient.id, "spo2")
    assert new["id"] != alert["id"] and new["value"] == 89.0


async def test_a_breach_the_other_way_opens_its_own_alert(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    """An open mild tachycardia alert does not hide a later bradycardia, nor the reverse."""
    device, secret = await register(clinic, admin, patient)
    await send(clinic, device, secret, 130, 35, 30, 140, metric="heart_rate", unit="bpm")
    rows = await clinic.fetch(OPEN_ALERT + " ORDER BY raised_at", patient.id, "heart_rate")
    assert [(a["bound"], a["value"]) for a in rows] == [("above", 130.0), ("below", 35.0)]
    together = await clinic.member("patient")
    device, secret = await register(clinic, admin, together)
    async with mqtt(clinic, device, secret) as client:  # both in one message, hence one batch
        payload = telemetry(("heart_rate", 35, "bpm"), ("heart_rate", 130, "bpm"))
        await client.publish(f"devices/{device}/telemetry", payload, qos=1)
    await eventually(clinic, "SELECT 1 FROM reading WHERE device = $1", uuid.UUID(device))
    rows = await clinic.fetch(OPEN_ALERT, together.id, "heart_rate")
    assert sorted(a["bound"] for a in rows) == ["above", "below"]


# Wider and narrower than the default (spo2 below 92): the writer's one-statement path checks
# the bounds in SQL, where the patient's row must win as well.
@pytest.mark.parametrize(("below", "values"), [(85, (88, 84)), (95, (93,))])
async def test_a_doctors_threshold_for_one_patient_replaces_the_default(
    clinic: Clinic, admin: Member, patient: Member, below: int, values: tuple[float, ...]
) -> None:
    doctor = await clinic.member("doctor")
    url = f"{API}/thresholds/{patient.id}/spo2"
    response = await clinic.client.put(url, json={"below": below}, headers=doctor.headers)
    assert response.status_code == 200, response.text
    spo2 = next(t for t in response.json() if t["metric"] == "spo2")
    assert spo2 == {
        "metric": "spo2",
        "unit": "%",
        "above": None,
        "below": below,
        "source": "patient",
        "above_source": "none",
        "below_source": "patient",
    }
    device, secret = await register(clinic, admin, patient)
    await send(clinic, device, secret, *values)
    alert = await eventually(clinic, OPEN_ALERT, patient.id, "spo2")
    assert alert["value"] == values[-1] and alert["threshold"] == below
    reset = await clinic.client.delete(url, headers=doctor.headers)
    assert next(t for t in reset.json() if t["metric"] == "spo2")["source"] == "clinic"


async def test_thresholds_are_for_doctors_and_checked(clinic: Clinic, patient: Member) -> None:
    doctor, nurse = await clinic.member("doctor"), await clinic.member("nurse")
    url = f"{API}/thresholds/{patient.id}"
    assert (
        await clinic.client.put(f"{url}/spo2", json={}, headers=nurse.headers)
    ).status_code == 403
    bad = await clinic.client.put(f"{url}/mood", json={"below": 1}, headers=doctor.headers)
    assert bad.status_code == 422 and "metric: unknown" in bad.json()["detail"]
    reversed_ = await clinic.client.put(
        f"{url}/heart_rate", json={"below": 130, "above": 50}, headers=doctor.headers
    )
    assert reversed_.status_code == 422
    nobody = await clinic.client.put(
        f"{API}/thresholds/{uuid.uuid4()}/spo2", json={"below": 90}, headers=doctor.headers
    )
    assert nobody.status_code == 422
    assert (await clinic.client.get(url, headers=nurse.headers)).status_code == 200
    # Seen: a read (or a reset) for an id that is no patient answered the clinic's bounds, 200.
    for someone in (uuid.uuid4(), nurse.id):
        for method in ("GET", "PUT", "DELETE"):
            where = f"{API}/thresholds/{someone}" + ("" if method == "GET" else "/spo2")
            body = {"json": {"below": 90}} if method == "PUT" else {}
            answer = await clinic.client.request(method, where, headers=doctor.headers, **body)
            assert answer.status_code == 422, (method, answer.text)
            assert "is not a patient" in answer.json()["detail"], answer.text


@pytest.mark.parametrize(
    ("body", "words"),
    [
        # JSON has no infinity or NaN: text is no number (a JSON body is read strictly).
        ({"above": "-inf"}, "above: Expected `float | null`, got `str`"),
        ({"above": "Infinity"}, "above: Expected `float | null`, got `str`"),
        ({"below": "NaN"}, "below: Expected `float | null`, got `str`"),
        ({"above": 400}, "above: heart_rate 400 is outside 10..350"),
        ({"below": 5, "above": 120}, "below: heart_rate 5 is outside 10..350"),
    ],
)
async def test_a_threshold_must_be_a_number_a_sensor_can_report(
    clinic: Clinic, patient: Member, body: dict[str, object], words: str
) -> None:
    doctor = await clinic.member("doctor")
    url = f"{API}/thresholds/{patient.id}/heart_rate"
    refused = await clinic.client.put(url, json=body, headers=doctor.headers)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert words in refused.json()["detail"]
    shown = await clinic.client.get(f"{API}/thresholds/{patient.id}", headers=doctor.headers)
    heart_rate = next(t for t in shown.json() if t["metric"] == "heart_rate")
    assert heart_rate["source"] == "clinic", "nothing was stored"
    rows = await clinic.fetch("SELECT 1 FROM device_threshold WHERE patient = $1", patient.id)
    assert rows == []


async def test_readings_of_an_unassigned_device_raise_no_alert(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    await send(clinic, device, secret, 70)
    rows = await clinic.fetch("SELECT 1 FROM device_alert WHERE device = $1", uuid.UUID(device))
    assert rows == []


async def join_care_team(clinic: Clinic, patient: Member, clinician: Member) -> None:
    """`clinician` puts themself on `patient`'s care team through the API."""
    answer = await clinic.client.put(
        f"/api/v1/users/{patient.id}/care-team/{clinician.id}", headers=clinician.headers
    )
    assert answer.status_code == 200, answer.text


async def alert_recipients(clinic: Clinic, patient: Member, last: uuid.UUID) -> set[uuid.UUID]:
    """Who was told of the patient's alert, once `last` (the one told last) has been."""
    alert = await eventually(clinic, "SELECT id FROM device_alert WHERE patient = $1", patient.id)
    await eventually(
        clinic,
        "SELECT 1 FROM notification WHERE recipient = $1 AND key LIKE $2",
        last,
        f"device_alert:{alert['id']}:%",
        timeout=NOTIFIED_WITHIN,
    )
    rows = await clinic.fetch(
        "SELECT recipient FROM notification WHERE key LIKE $1", f"device_alert:{alert['id']}:%"
    )
    return {row["recipient"] for row in rows}


async def test_an_alert_goes_to_the_patients_care_team_only(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    doctor, nurse, outsider = [await clinic.member(role) for role in ("doctor", "nurse", "nurse")]
    await join_care_team(clinic, patient, doctor)
    await join_care_team(clinic, patient, nurse)  # told after the doctor (joined later)
    device, secret = await register(clinic, admin, patient)
    await send(clinic, device, secret, 85)
    recipients = await alert_recipients(clinic, patient, last=nurse.id)
    assert recipients == {doctor.id, nurse.id}
    assert outsider.id not in recipients


async def test_without_an_active_care_team_every_clinician_is_told(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    former = await clinic.member("doctor")
    await join_care_team(clinic, patient, former)
    await clinic.execute("UPDATE account SET status = 'deactivated' WHERE id = $1", former.id)
    latest = await clinic.member("nurse")
    device, secret = await register(clinic, admin, patient)
    await send(clinic, device, secret, 85)
    told_last = await clinic.fetch(  # everyone is told in the order of their ids
        "SELECT id FROM account WHERE status = 'active' AND roles && '{doctor,nurse}'::varchar[] "
        "ORDER BY id DESC LIMIT 1"
    )
    recipients = await alert_recipients(clinic, patient, last=told_last[0]["id"])
    assert latest.id in recipients and former.id not in recipients


async def test_a_doctor_setting_one_bound_keeps_the_clinics_other_bound(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    # PUT {"above": 150} dropped the clinic's bradycardia bound (below 45) too: a heart rate of
    # 25 raised nothing. An omitted side now keeps the clinic's bound, a null one drops it.
    doctor = await clinic.member("doctor")
    url = f"{API}/thresholds/{patient.id}/heart_rate"
    response = await clinic.client.put(url, json={"above": 150}, headers=doctor.headers)
    assert response.status_code == 200, response.text
    heart_rate = next(t for t in response.json() if t["metric"] == "heart_rate")
    assert heart_rate == {
        "metric": "heart_rate",
        "unit": "bpm",
        "above": 150,
        "below": 45,
        "source": "patient",
        "above_source": "patient",
        "below_source": "clinic",
    }
    device, secret = await register(clinic, admin, patient)
    await send(clinic, device, secret, 130, 25, metric="heart_rate", unit="bpm")
    alert = await eventually(clinic, OPEN_ALERT, patient.id, "heart_rate")
    assert (alert["bound"], alert["value"], alert["threshold"]) == ("below", 25, 45)

    response = await clinic.client.put(url, json={"below": None}, headers=doctor.headers)
    heart_rate = next(t for t in response.json() if t["metric"] == "heart_rate")
    assert (heart_rate["above"], heart_rate["above_source"]) == (120, "clinic")
    assert (heart_rate["below"], heart_rate["below_source"]) == (None, "patient")
    empty = await clinic.client.put(url, json={}, headers=doctor.headers)
    assert empty.status_code == 422, empty.text
    assert "DELETE" in empty.json()["detail"]
    shown = await clinic.client.get(f"{API}/thresholds/{patient.id}", headers=doctor.headers)
    assert next(t for t in shown.json() if t["metric"] == "heart_rate") == heart_rate


async def test_a_stored_threshold_without_a_side_still_means_no_bound(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    # A row stored before sides could be inherited: its null side never alerts, as it did.
    doctor = await clinic.member("doctor")
    await clinic.execute(
        "INSERT INTO device_threshold (id, patient, metric, above, below, updated_by) "
        "VALUES ($1, $2, 'heart_rate', 150, NULL, $3)",
        uuid.uuid4(),
        patient.id,
        doctor.id,
    )
    device, secret = await register(clinic, admin, patient)
    await send(clinic, device, secret, 25, 160, metric="heart_rate", unit="bpm")
    alert = await eventually(clinic, OPEN_ALERT, patient.id, "heart_rate")
    assert (alert["bound"], alert["value"]) == ("above", 160)
    rows = await clinic.fetch(OPEN_ALERT, patient.id, "heart_rate")
    assert len(rows) == 1, "25 bpm stays below no bound"


async def test_the_openapi_schema_says_what_a_null_or_missing_side_means(clinic: Clinic) -> None:
    schemas = (await clinic.client.get("/schema/openapi.json")).json()["components"]["schemas"]
    below = schemas["ThresholdSet"]["properties"]["below"]["description"]
    assert "null: no bound" in below and "left out: the clinic's bound" in below
    assert "below_source" in schemas["ThresholdRead"]["properties"]
