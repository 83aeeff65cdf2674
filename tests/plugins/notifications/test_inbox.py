"""The inbox, preferences and delivery log through the API: each user sees only their own."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from hduce.contracts.notifications import Category
from hduce.core.security import Principal
from hduce.plugins.notifications import NotificationsPlugin
from tests.plugins.notifications.test_delivery import delivery, notifier, notify
from tests.plugins.users.clinic import Clinic, Member
from tests.support.context import wait_for_row


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
    assert changed.json()["quiet_hours"] == {"start": "22:00", "end": "07:00"}

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
    assert bad.status_code == 422
    assert "status" in bad.json()["detail"]
    twice = await clinic.client.get(
        "/api/v1/notifications/deliveries?status=sent&status=failed", headers=admin.headers
    )
    assert twice.status_code == 422, twice.text
    assert twice.headers["content-type"].startswith("application/problem+json")
    assert twice.json()["errors"] == [
        {"message": "given more than once", "key": "status", "source": "query"}
    ]


def _delivered_in_app_later(clinic: Clinic, member: Member, text: str) -> uuid.UUID:
    """From another thread: wait, then deliver an in-app item on the app's loop."""
    time.sleep(0.3)
    return clinic.client.blocking_portal.call(_deliver, clinic, member, text)


async def _deliver(clinic: Clinic, member: Member, text: str) -> uuid.UUID:
    async with clinic.context.db.transaction():
        notification = await notifier(clinic).notify(
            member.id, "test_message", {"text": text}, Category.GENERAL
        )
    row = await wait_for_row(
        clinic.context.db.shared_pool,
        "SELECT id FROM delivery WHERE notification = $1 AND channel = 'in_app' "
        "AND status = 'sent'",
        notification,
    )
    return row["id"]


async def stream_while_notified(
    clinic: Clinic, viewer: Member, owner: Member
) -> tuple[str, uuid.UUID]:
    """`viewer`'s stream (closed by the app after 1.5 s) while `owner` gets an in-app item.

    The test client blocks this loop for the whole request, so the item is sent from a thread.
    """
    with ThreadPoolExecutor(1) as pool:
        later = pool.submit(_delivered_in_app_later, clinic, owner, "live for the owner")
        response = await clinic.client.get("/api/v1/notifications/stream", headers=viewer.headers)
        item = later.result(timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    return response.text, item


async def test_the_live_stream_carries_a_new_item_to_its_owner(clinic: Clinic) -> None:
    alice = await clinic.member("patient")
    text, item = await stream_while_notified(clinic, alice, alice)
    events = [block for block in text.split("\r\n\r\n") if "event: notification" in block]
    assert len(events) == 1, text
    assert f"id: {item}" in events[0]
    assert "live for the owner" in events[0]


async def test_the_live_stream_never_carries_another_users_item(clinic: Clinic) -> None:
    alice = await clinic.member("patient")
    bob = await clinic.member("patient")
    text, _ = await stream_while_notified(clinic, bob, alice)
    assert "event: notification" not in text
    assert "\r\n: connected\r\n\r\n" in text, text
    assert "data:" not in text, "a comment-only frame is no (empty) message event"


async def test_a_stream_beyond_the_per_user_cap_is_a_429_problem(clinic: Clinic) -> None:
    alice = await clinic.member("patient")
    plugin = clinic.client.app.plugins.get(NotificationsPlugin)
    cap = plugin.config.max_streams_per_user
    principal = Principal(id=alice.id, roles=frozenset({"patient"}))
    token = alice.headers["Authorization"].removeprefix("Bearer ")
    held = [plugin.services.live(principal, token) for _ in range(cap)]
    refused = await clinic.client.get("/api/v1/notifications/stream", headers=alice.headers)
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert str(cap) in refused.json()["detail"]
    del held


async def stream_after(clinic: Clinic, member: Member, last_event_id: str) -> list[str]:
    """The `notification` events of `member`'s stream reconnecting with `Last-Event-ID`."""
    headers = {**member.headers, "Last-Event-ID": last_event_id}
    response = await clinic.client.get("/api/v1/notifications/stream", headers=headers)
    assert response.status_code == 200, response.text
    return [block for block in response.text.split("\r\n\r\n") if "event: notification" in block]


async def test_a_reconnecting_stream_first_replays_what_came_after_its_last_event(
    clinic: Clinic,
) -> None:
    # Seen: an app reconnecting (to another serve) missed what came in between.
    alice = await clinic.member("patient")
    bob = await clinic.member("patient")
    seen, *missed = [await delivered_in_app(clinic, alice, f"item {n}") for n in range(3)]
    events = await stream_after(clinic, alice, str(seen))
    assert [event.split("id: ")[1].split("\r\n")[0] for event in events] == list(map(str, missed))
    assert "item 1" in events[0] and "item 2" in events[1]

    assert await stream_after(clinic, bob, str(seen)) == []  # not bob's: nothing to replay
    assert await stream_after(clinic, alice, "not-an-id") == []
