"""Clinical alerts: in-app and e-mail always reach the clinician; SMS and push follow switches."""

import msgspec

from tests.plugins.notifications.test_preferences import PREFERENCES, put
from tests.plugins.users.clinic import Clinic, Member
from tests.plugins.webhooks.test_catalogue import spo2_alert
from tests.support.context import wait_for_row
from tests.support.sms_provider import Provider


async def raise_alert(clinic: Clinic, patient: Member, nurse: Member) -> None:
    """Put `nurse` on the patient's care team and publish a device alert for the patient."""
    answer = await clinic.client.put(
        f"/api/v1/users/{patient.id}/care-team/{nurse.id}", headers=nurse.headers
    )
    assert answer.status_code == 200, answer.text
    event = msgspec.structs.replace(spo2_alert(), patient_id=patient.id)

    async def publish() -> None:
        async with clinic.context.db.transaction():
            await clinic.context.events.publish(event)

    await clinic.in_app(publish)


async def test_in_app_and_email_cannot_be_turned_off_for_clinical_alerts(
    sms_clinic: Clinic,
) -> None:
    """Seen: a clinician turned every clinical-alert channel off (200, shown off); alerts still
    came on all of them."""
    clinic = sms_clinic  # one app in this module at a time: they would share its tasks
    nurse = await clinic.member("nurse")
    for channel in ("email", "in_app"):
        body = {"channels": {"clinical_alerts": {channel: False}}}
        refused = await clinic.client.put(PREFERENCES, json=body, headers=nurse.headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["key"] == f"channels.clinical_alerts.{channel}"
    chosen = await put(clinic, nurse, {"channels": {"clinical_alerts": {"sms": False}}})
    assert chosen["channels"]["clinical_alerts"] == {
        "email": True,
        "sms": False,
        "push": True,
        "in_app": True,
    }


async def test_a_device_alert_follows_the_clinicians_sms_switch(
    sms_clinic: Clinic, provider: Provider
) -> None:
    nurse = await sms_clinic.member("nurse", phone="+15550104444")
    await put(sms_clinic, nurse, {"channels": {"clinical_alerts": {"sms": False}}})
    await raise_alert(sms_clinic, await sms_clinic.member("patient"), nurse)
    rows = {}
    for channel in ("email", "in_app", "sms"):
        rows[channel] = await sms_clinic.in_app(
            wait_for_row,
            sms_clinic.context.db.shared_pool,
            "SELECT d.status, d.last_error FROM delivery d JOIN notification n "
            "ON n.id = d.notification WHERE d.recipient = $1 AND n.template = 'device_alert' "
            "AND d.channel = $2 AND d.status <> 'pending'",
            nurse.id,
            channel,
        )
    assert rows["email"]["status"] == rows["in_app"]["status"] == "sent"
    assert (rows["sms"]["status"], rows["sms"]["last_error"]) == (
        "skipped",
        "turned off in the user's preferences",
    )
    assert provider.requests == []
