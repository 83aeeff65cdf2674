"""`/notifications/preferences`: switches merge, quiet hours stay unless replaced or cleared."""

from typing import Any

from tests.plugins.users.clinic import Clinic, Member

PREFERENCES = "/api/v1/notifications/preferences"
NIGHT = {"start": "22:00", "end": "07:00"}


async def put(clinic: Clinic, member: Member, body: dict[str, Any]) -> Any:
    """PUT the preferences; the answer (200 expected)."""
    answer = await clinic.client.put(PREFERENCES, json=body, headers=member.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_changing_a_switch_keeps_the_quiet_hours(clinic: Clinic) -> None:
    member = await clinic.member("patient")
    assert (await put(clinic, member, {"quiet_hours": NIGHT}))["quiet_hours"] == NIGHT

    changed = await put(clinic, member, {"channels": {"general": {"email": False}}})
    assert changed["quiet_hours"] == NIGHT
    assert changed["channels"]["general"]["email"] is False
    read = await clinic.client.get(PREFERENCES, headers=member.headers)
    assert read.json()["quiet_hours"] == NIGHT


async def test_quiet_hours_are_replaced_or_cleared_only_when_given(clinic: Clinic) -> None:
    member = await clinic.member("patient")
    await put(clinic, member, {"quiet_hours": NIGHT})
    lunch = {"start": "12:00", "end": "13:30"}
    assert (await put(clinic, member, {"quiet_hours": lunch}))["quiet_hours"] == lunch

    cleared = await put(clinic, member, {"quiet_hours": None})
    assert cleared["quiet_hours"] is None
    assert (await put(clinic, member, {}))["quiet_hours"] is None


async def test_security_email_cannot_be_switched_off(clinic: Clinic) -> None:
    # README: every security message (a new sign-in, a lockout...) always goes out by e-mail.
    member = await clinic.member("patient")
    body = {"channels": {"security": {"email": False, "in_app": False}}}
    refused = await clinic.client.put(PREFERENCES, json=body, headers=member.headers)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert "security messages always go out on the `email` channel" in problem["detail"]
    assert problem["errors"][0]["key"] == "channels.security.email"
    # Nothing was stored; the other security switches can be turned off.
    quiet = await put(clinic, member, {"channels": {"security": {"in_app": False, "sms": False}}})
    assert quiet["channels"]["security"] == {
        "email": True,
        "sms": False,
        "push": True,
        "in_app": False,
    }


async def test_patients_are_not_offered_the_clinical_alerts_switches(clinic: Clinic) -> None:
    # Seen: a patient's preferences listed `clinical_alerts` and took switches for it, though
    # clinical alerts go to clinicians only (the portal hid them; the API did not).
    patient = await clinic.member("patient")
    read = await clinic.client.get(PREFERENCES, headers=patient.headers)
    assert "clinical_alerts" not in read.json()["channels"]
    assert "clinical_alerts" not in (await put(clinic, patient, {}))["channels"]

    body = {"channels": {"clinical_alerts": {"sms": False}, "general": {"sms": True}}}
    refused = await clinic.client.put(PREFERENCES, json=body, headers=patient.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [
        {
            "message": "clinical alerts go to clinicians only",
            "key": "channels.clinical_alerts",
            "source": "body",
        }
    ]
    read = await clinic.client.get(PREFERENCES, headers=patient.headers)
    assert read.json()["channels"]["general"]["sms"] is False  # nothing of it was kept

    nurse = await clinic.member("nurse")
    offered = await clinic.client.get(PREFERENCES, headers=nurse.headers)
    assert offered.json()["channels"]["clinical_alerts"]["in_app"] is True
