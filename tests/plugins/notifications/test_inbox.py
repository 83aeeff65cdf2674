"""The inbox, preferences and delivery log through the API: each user sees only their own."""

import uuid

from hduce.contracts.notifications import Category
from tests.plugins.notifications.test_delivery import delivery, notify
from tests.plugins.users.clinic import Clinic, Member


async def delivered_in_app(clinic: Clinic, member: Member, text: str) -> uuid.UUID:
    """Notify `member` and wait until the in-app item is in their inbox; its delivery id."""
    notification_id = await notify(
        clinic, member.id, "test_message", {"text": text}, category=Category.GENERAL
    )
    row = await delivery(clinic, notification_id, "in_app", "status = 'sent'")
    return row["id"]


async def test_a_user_reads_only_their_own_inbox(clinic: Clinic) -> None:
    alice = await clinic.member("patient")
    bob = await clinic.member("patient")
    item = await delivered_in_app(clinic, alice, "for alice")

    mine = (await clinic.client.get("/api/v1/notifications", headers=alice.headers)).json()
    assert [entry["id"] for entry in mine["items"]] == [str(item)]
    assert "for alice" in mine["items"][0]["text"]
    assert (mine["total"], mine["unread"]) == (1, 1)

    theirs = (await clinic.client.get("/api/v1/notifications", headers=bob.headers)).json()
    assert theirs["items"] == [] and theirs["total"] == 0
    stolen = await clinic.client.post(f"/api/v1/notifications/{item}/read", headers=bob.headers)
    assert stolen.status_code == 404
    assert stolen.headers["content-type"].startswith("application/problem+json")


async def test_marking_read_and_counting_unread(clinic: Clinic) -> None:
    member = await clinic.member("patient")
    first = await delivered_in_app(clinic, member, "one")
    await delivered_in_app(clinic, member, "two")
    count = await clinic.client.get("/api/v1/notifications/unread-count", headers=member.headers)
    assert count.json() == {"unread": 2}

    read = await clinic.client.post(f"/api/v1/notifications/{first}/read", headers=member.headers)
    assert read.status_code == 204
    again = await clinic.client.post(f"/api/v1/notifications/{first}/read", headers=member.headers)
    assert again.status_code == 204
    unread = await clinic.client.get(
        "/api/v1/notifications", params={"unread_only": True}, headers=member.headers
    )
    assert [item["text"].strip() for item in unread.json()["items"]] != []
    assert unread.json()["total"] == 1

    everything = await clinic.client.post("/api/v1/notifications/read-all", headers=member.headers)
    assert everything.json() == {"marked": 1}
    count = await clinic.client.get("/api/v1/notifications/unread-count", headers=member.headers)
    assert count.json() == {"unread": 0}


async def test_preferences_belong_to_the_caller(clinic: Clinic) -> None:
    alice = await clinic.member("patient")
    bob = await clinic.member("patient")
    changed = await clinic.client.put(
        "/api/v1/notifications/preferences",
        json={
            "channels": {"appointments": {"sms": False}},
            "quiet_hours": {"start": "22:00", "end": "07:00"},
        },
        headers=alice.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["quiet_hours"] == {"start": "22:00:00", "end": "07:00:00"}

    bobs = (
        await clinic.client.get("/api/v1/notifications/preferences", headers=bob.headers)
    ).json()
    assert bobs["quiet_hours"] is None
    assert bobs["channels"]["appointments"]["sms"] is True
    alices = (
        await clinic.client.get("/api/v1/notifications/preferences", headers=alice.headers)
    ).json()
    assert alices["channels"]["appointments"]["sms"] is False
    assert alices["channels"]["appointments"]["email"] is True


async def test_bad_preferences_are_a_clear_422(clinic: Clinic) -> None:
    member = await clinic.member("patient")
    for body in (
        {"channels": {"gossip": {"email": True}}},
        {"channels": {"general": {"pigeon": True}}},
        {"quiet_hours": {"start": "25:00", "end": "07:00"}},
        {"roles": ["admin"]},
    ):
        answer = await clinic.client.put(
            "/api/v1/notifications/preferences", json=body, headers=member.headers
        )
        assert answer.status_code in (400, 422), (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")


async def test_admins_see_the_delivery_log_filtered_by_status(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    patient = await clinic.member("patient")
    await delivered_in_app(clinic, patient, "logged")
    answer = await clinic.client.get(
        "/api/v1/notifications/deliveries",
        params={"status": "sent", "recipient_id": str(patient.id)},
        headers=admin.headers,
    )
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["total"] >= 1
    assert {item["status"] for item in page["items"]} == {"sent"}
    assert all(item["recipient_id"] == str(patient.id) for item in page["items"])
    refused = await clinic.client.get("/api/v1/notifications/deliveries", headers=patient.headers)
    assert refused.status_code == 403
    bad = await clinic.client.get(
        "/api/v1/notifications/deliveries", params={"status": "lost"}, headers=admin.headers
    )
    assert bad.status_code == 400
