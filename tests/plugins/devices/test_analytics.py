"""The devices section of the clinic analytics, fed by real MQTT telemetry."""

from tests.plugins.devices.helpers import eventually, register
from tests.plugins.devices.test_alerts import OPEN_ALERT, send
from tests.plugins.users.clinic import Clinic, Member
from tests.support.analytics import analytics_sections, this_hour


async def test_readings_and_alerts_are_counted(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    recent = this_hour()
    before = (await analytics_sections(clinic, admin, *recent))["devices"]
    device, secret = await register(clinic, admin, patient)
    await send(clinic, device, secret, 97, 89)
    alert = await eventually(clinic, OPEN_ALERT, patient.id, "spo2")
    doctor = await clinic.member("doctor")
    url = f"/api/v1/devices/alerts/{alert['id']}/acknowledge"
    assert (await clinic.client.post(url, headers=doctor.headers)).status_code == 200

    after = (await analytics_sections(clinic, admin, *recent))["devices"]
    for key in ("active_devices", "assigned_devices", "seen_devices", "alerts_raised"):
        assert after[key] - before[key] == 1, key
    spo2 = [figures["readings_by_metric"].get("spo2", 0) for figures in (before, after)]
    assert spo2[1] - spo2[0] == 2
    assert after["monitored_patients_by_metric"]["spo2"] >= 1
    assert after["median_seconds_to_acknowledge"] is not None
    assert 0 < after["alerts_acknowledged_rate"] <= 1
