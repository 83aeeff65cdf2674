"""Webhook deliveries reach a real HTTP receiver, signed, retried after a 500, then disabled."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hduce.contracts.appointments import AppointmentCancelled
from hduce.contracts.audit import AuditLog
from hduce.contracts.documents import (
    DocumentExtracted,
    DocumentKind,
    DocumentProcessed,
    DocumentStatus,
)
from hduce.core.events import Event
from hduce.plugins.webhooks import WebhooksPlugin
from hduce.plugins.webhooks.services import WebhookSender
from hduce.plugins.webhooks.store import WebhookStore
from tests.plugins.users.clinic import Clinic, Member
from tests.plugins.webhooks.conftest import DISABLE_AFTER
from tests.plugins.webhooks.test_catalogue import README, spo2_alert
from tests.support.sms_provider import Provider

API = "/api/v1/webhooks"


def readme_verifier() -> Any:
    """The signature check README gives receivers, run as written."""
    text = README.read_text(encoding="utf-8")
    snippet = text.split("```python\nimport hashlib, hmac, time\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec("import hashlib, hmac, time\n" + snippet, namespace)
    return namespace["verify_hduce_signature"]


verify = readme_verifier()


async def register(clinic: Clinic, admin: Member, url: str, events: list[str]) -> dict[str, Any]:
    response = await clinic.client.post(
        API, json={"url": url, "events": events}, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def publish(clinic: Clinic, event: Event) -> None:
    """Publish `event` through the outbox, as the plugin owning it would."""

    async def write() -> None:
        async with clinic.context.db.transaction():
            await clinic.context.events.publish(event)

    await clinic.in_app(write)


async def wait_until(condition: Any, timeout: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def deliveries(clinic: Clinic, admin: Member, webhook_id: str) -> list[dict[str, Any]]:
    response = await clinic.client.get(f"{API}/{webhook_id}/deliveries", headers=admin.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def settled(clinic: Clinic, admin: Member, webhook_id: str) -> list[dict[str, Any]]:
    """The delivery log once its one delivery is no longer pending."""

    async def done() -> bool:
        items = await deliveries(clinic, admin, webhook_id)
        return len(items) == 1 and items[0]["status"] != "pending"

    await wait_until(done)
    return await deliveries(clinic, admin, webhook_id)


def cancelled() -> AppointmentCancelled:
    start = datetime.now(UTC) + timedelta(days=1)
    return AppointmentCancelled(
        appointment_id=uuid.uuid4(),
        patient_id=uuid.uuid4(),
        practitioner_id=uuid.uuid4(),
        type_id=uuid.uuid4(),
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        cancelled_by=uuid.uuid4(),
        reason="chest pain got worse, going to A&E",
    )


async def test_delivery_is_signed_and_carries_no_free_text(
    clinic: Clinic, provider: Provider
) -> None:
    admin = await clinic.member("admin")
    webhook = await register(clinic, admin, provider.url, ["appointment.*"])
    event = cancelled()
    await publish(clinic, event)

    [delivery] = await settled(clinic, admin, webhook["id"])
    assert delivery["status"] == "delivered"
    assert (delivery["response_code"], delivery["attempts"]) == (201, 1)
    [request] = provider.requests
    body = request.body
    assert verify(webhook["secret"], request.headers["HDuce-Signature"], body)
    assert not verify("whsec_wrong", request.headers["HDuce-Signature"], body)
    assert request.headers["HDuce-Event"] == "appointment.cancelled"
    payload = json.loads(body)
    assert payload["type"] == "appointment.cancelled"
    assert payload["id"] == request.headers["HDuce-Event-Id"] == delivery["event_id"]
    assert payload["data"]["appointment_id"] == str(event.appointment_id)
    assert "reason" not in payload["data"]
    assert b"chest pain" not in body


async def test_events_not_subscribed_are_not_sent(clinic: Clinic, provider: Provider) -> None:
    admin = await clinic.member("admin")
    only_alerts = await register(clinic, admin, provider.url, ["device.alert_raised"])
    everything = await register(clinic, admin, provider.url, ["appointment.*"])
    await publish(clinic, cancelled())

    await settled(clinic, admin, everything["id"])
    assert await deliveries(clinic, admin, only_alerts["id"]) == []
    assert len(provider.requests) == 1


async def test_a_500_is_retried_then_delivered(clinic: Clinic, provider: Provider) -> None:
    provider.replies.append((500, "boom"))
    admin = await clinic.member("admin")
    webhook = await register(clinic, admin, provider.url, ["device.alert_raised"])
    await publish(clinic, spo2_alert())

    [delivery] = await settled(clinic, admin, webhook["id"])
    assert delivery["status"] == "delivered"
    assert (delivery["attempts"], delivery["response_code"]) == (2, 201)
    assert delivery["last_error"] == "HTTP 500: boom"
    first, second = provider.requests
    assert first.headers["HDuce-Delivery"] == second.headers["HDuce-Delivery"] == delivery["id"]
    assert verify(webhook["secret"], second.headers["HDuce-Signature"], second.body)
    data = json.loads(second.body)["data"]
    assert (data["metric"], data["bound"]) == ("spo2", "below")
    assert "value" not in data and "threshold" not in data
    read = await clinic.client.get(f"{API}/{webhook['id']}", headers=admin.headers)
    assert read.json()["consecutive_failures"] == 0


async def test_a_webhook_failing_every_time_is_disabled(clinic: Clinic, provider: Provider) -> None:
    provider.replies.extend([(500, "down")] * (DISABLE_AFTER + 5))
    admin = await clinic.member("admin")
    webhook = await register(clinic, admin, provider.url, ["appointment.cancelled"])
    await publish(clinic, cancelled())

    [delivery] = await settled(clinic, admin, webhook["id"])
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == DISABLE_AFTER
    assert len(provider.requests) == DISABLE_AFTER
    read = (await clinic.client.get(f"{API}/{webhook['id']}", headers=admin.headers)).json()
    assert read["active"] is False
    assert read["disabled_reason"] == f"disabled after {DISABLE_AFTER} failed attempts in a row"

    disabled = await clinic.fetch(
        "SELECT actor_id FROM audit_event WHERE action = 'webhook.disabled' "
        "AND detail->>'webhook_id' = $1",
        webhook["id"],
    )
    assert [row["actor_id"] for row in disabled] == [None]

    enabled = await clinic.client.patch(
        f"{API}/{webhook['id']}", json={"active": True}, headers=admin.headers
    )
    assert enabled.status_code == 200, enabled.text
    assert (enabled.json()["active"], enabled.json()["consecutive_failures"]) == (True, 0)


async def stored_delivery(clinic: Clinic, webhook_id: str, due: str = "now()") -> uuid.UUID:
    """A pending delivery of an `appointment.booked` event to the webhook, due at `due` (SQL)."""
    delivery_id = uuid.uuid4()
    await clinic.execute(
        "INSERT INTO webhook_delivery (id, webhook, event_id, event_name, payload, attempts, "
        f"next_attempt_at) VALUES ($1, $2, $3, 'appointment.booked', '{{}}', 1, {due})",
        delivery_id,
        uuid.UUID(webhook_id),
        uuid.uuid4(),
    )
    return delivery_id


async def deliver_with(
    clinic: Clinic, delivery_id: uuid.UUID, *, public_only: bool = False
) -> None:
    """Run `deliver` once in a sender of its own."""
    env = clinic.client.app.plugins.get(WebhooksPlugin).env
    store, audit = WebhookStore(env.db), env.require(AuditLog)
    sender = WebhookSender(env, store, audit, public_only=public_only)
    try:
        await clinic.in_app(sender.deliver, delivery_id)
    finally:
        await clinic.in_app(sender.aclose)


async def test_a_retry_is_not_sent_before_its_time(clinic: Clinic, provider: Provider) -> None:
    admin = await clinic.member("admin")
    webhook = await register(clinic, admin, provider.url, ["appointment.*"])
    delivery_id = await stored_delivery(clinic, webhook["id"], due="now() + interval '1 hour'")
    await deliver_with(clinic, delivery_id)  # a duplicate, early due-event
    [delivery] = await deliveries(clinic, admin, webhook["id"])
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    assert provider.requests == []


async def test_one_extraction_is_one_delivery(clinic: Clinic, provider: Provider) -> None:
    # `document.*` matched both names of the fact, published together: two deliveries, with
    # different event ids, for one extraction.
    admin = await clinic.member("admin")
    every = await register(clinic, admin, provider.url, ["document.*"])
    # A subscription stored under the older name keeps getting it, once.
    older = await register(clinic, admin, provider.url, ["document.extracted"])
    fields = {
        "document_id": uuid.uuid4(),
        "patient_id": uuid.uuid4(),
        "kind": DocumentKind.LAB_RESULT,
        "status": DocumentStatus.DONE,
    }

    async def extracted() -> None:
        async with clinic.context.db.transaction():
            facts = (DocumentProcessed, DocumentExtracted)
            await clinic.context.events.publish_many([(fact(**fields), None) for fact in facts])

    await clinic.in_app(extracted)

    async def both_sent() -> bool:
        return len(provider.requests) >= 2

    await wait_until(both_sent)
    await asyncio.sleep(1)  # a duplicate would be on its way by now
    sent = sorted(
        (request.headers["HDuce-Event"], json.loads(request.body)["data"]["document_id"])
        for request in provider.requests
    )
    document = str(fields["document_id"])
    assert sent == [("document.extracted", document), ("document.processed", document)]
    [to_every] = await deliveries(clinic, admin, every["id"])
    [to_older] = await deliveries(clinic, admin, older["id"])
    assert (to_every["event_name"], to_older["event_name"]) == (
        "document.processed",
        "document.extracted",
    )
