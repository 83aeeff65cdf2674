"""A delivery is bounded: `timeout` caps the whole attempt, the answer's body is not read, and
no database lock or connection is held while the receiver takes its time."""

import asyncio
import gzip
import time
import uuid
from typing import Any

import pytest

from hduce.contracts.audit import AuditLog
from hduce.plugins.webhooks import WebhooksPlugin
from hduce.plugins.webhooks.services import WebhookSender
from hduce.plugins.webhooks.store import WebhookStore
from tests.plugins.users.clinic import Clinic, Member
from tests.plugins.webhooks.receivers import Streamer, streaming
from tests.plugins.webhooks.test_delivery import (
    API,
    deliver_with,
    deliveries,
    register,
    stored_delivery,
    wait_until,
)
from tests.support.memory import peak_growth
from tests.support.sms_provider import HANG, Provider

TIMEOUT = 5.0
"""The `timeout` of the webhooks tests' settings."""
MB = 1024 * 1024


async def timed_delivery(clinic: Clinic, streamer: Streamer) -> tuple[float, dict[str, Any]]:
    """Deliver once to `streamer`: how long it took, and the delivery as the log shows it."""
    admin = await clinic.member("admin")
    with streaming(streamer) as receiver:
        webhook = await register(clinic, admin, receiver.url, ["appointment.*"])
        delivery_id = await stored_delivery(clinic, webhook["id"])
        started = time.monotonic()
        await deliver_with(clinic, delivery_id)
        took = time.monotonic() - started
        [delivery] = await deliveries(clinic, admin, webhook["id"])
    return took, delivery


async def test_a_receiver_trickling_its_answer_is_cut_off_at_timeout(clinic: Clinic) -> None:
    # Each byte came within `timeout` (httpx's timeout is per read), so a head sent one byte a
    # second held the delivery (its row lock, a connection, a task slot) for a minute.
    took, delivery = await timed_delivery(clinic, Streamer(head_pause=1.0))
    assert took < TIMEOUT + 2, took
    assert (delivery["status"], delivery["attempts"]) == ("pending", 2), delivery
    assert delivery["last_error"] == "no answer within 5s"


@pytest.mark.parametrize(("status", "outcome"), [(200, "delivered"), (500, "pending")])
async def test_the_status_is_the_answer_whatever_the_body_does(
    clinic: Clinic, status: int, outcome: str
) -> None:
    # A body trickled one byte a second was waited for, 30 s, before the status counted.
    took, delivery = await timed_delivery(clinic, Streamer(status, size=30, pause=1.0))
    assert took < 3, took
    assert (delivery["status"], delivery["response_code"]) == (outcome, status), delivery
    if status == 500:
        assert delivery["last_error"].startswith("HTTP 500: x"), delivery


async def hanging_delivery(
    clinic: Clinic, provider: Provider
) -> tuple[Member, dict[str, Any], uuid.UUID]:
    """An admin, a webhook to `provider` and a due delivery whose first POST gets no answer."""
    provider.replies.append((HANG, ""))
    admin = await clinic.member("admin")
    webhook = await register(clinic, admin, provider.url, ["appointment.*"])
    return admin, webhook, await stored_delivery(clinic, webhook["id"])


async def test_a_webhook_is_deleted_while_its_delivery_waits_for_an_answer(
    clinic: Clinic, provider: Provider
) -> None:
    # The delivery row stayed locked for the whole POST: DELETE waited for it (503 after 10 s).
    admin, webhook, delivery_id = await hanging_delivery(clinic, provider)
    sending = asyncio.create_task(deliver_with(clinic, delivery_id))

    async def received() -> bool:
        return bool(provider.requests)

    await wait_until(received)

    started = time.monotonic()
    deleted = await clinic.client.delete(f"{API}/{webhook['id']}", headers=admin.headers)
    assert (deleted.status_code, time.monotonic() - started < 2) == (204, True)
    await sending  # the attempt ends on its timeout and finds nothing to record
    disabled = await clinic.fetch(
        "SELECT 1 FROM audit_event WHERE action = 'webhook.disabled' "
        "AND detail->>'webhook_id' = $1",
        webhook["id"],
    )
    assert disabled == []


async def stopped_mid_post(clinic: Clinic, delivery_id: uuid.UUID, provider: Provider) -> None:
    """Start `deliver` in a sender of its own and stop it once the receiver has the request."""
    env = clinic.client.app.plugins.get(WebhooksPlugin).env
    sender = WebhookSender(env, WebhookStore(env.db), env.require(AuditLog), public_only=False)

    async def run() -> None:
        task = asyncio.create_task(sender.deliver(delivery_id))
        while not provider.requests:
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await sender.aclose()

    await clinic.in_app(run)


async def test_a_sender_stopped_mid_post_leaves_a_claim_that_expires(
    clinic: Clinic, provider: Provider
) -> None:
    # The attempt was one transaction: a sender that died mid-POST left no trace of it.
    admin, webhook, delivery_id = await hanging_delivery(clinic, provider)

    await stopped_mid_post(clinic, delivery_id, provider)

    [claimed] = await deliveries(clinic, admin, webhook["id"])
    assert (claimed["status"], claimed["attempts"]) == ("pending", 2), claimed

    async def delivered() -> bool:
        [delivery] = await deliveries(clinic, admin, webhook["id"])
        return delivery["status"] == "delivered"

    await wait_until(delivered, timeout=40)  # the claim expired; the worker sent it again
    [delivery] = await deliveries(clinic, admin, webhook["id"])
    assert (delivery["attempts"], delivery["response_code"]) == (3, 201), delivery
    assert len(provider.requests) == 2


@pytest.mark.parametrize("status", [200, 500])
async def test_the_answers_body_is_not_read(clinic: Clinic, status: int) -> None:
    # The whole body was read into memory: 600 MB took the server from 170 MB to 974 MB.
    admin = await clinic.member("admin")
    with streaming(Streamer(status=status, size=256 * MB, chunk=MB)) as receiver:
        webhook = await register(clinic, admin, receiver.url, ["appointment.*"])
        delivery_id = await stored_delivery(clinic, webhook["id"])
        await deliver_with(clinic, delivery_id)
        [delivery] = await deliveries(clinic, admin, webhook["id"])
        await asyncio.sleep(0.5)  # what the sender took before it hung up, in flight
        assert receiver.sent < 32 * MB, receiver.sent
    assert delivery["response_code"] == status
    if status == 200:
        assert delivery["status"] == "delivered"
    else:
        assert delivery["last_error"].startswith("HTTP 500: xxxx"), delivery
        assert len(delivery["last_error"]) <= len("HTTP 500: ") + 2048


async def test_last_error_keeps_the_first_2_kb_of_the_answer(clinic: Clinic) -> None:
    # README promised 2 KB; the error text was cut at 500 characters.
    _, delivery = await timed_delivery(clinic, Streamer(500, size=3000, chunk=3000))
    assert delivery["last_error"] == "HTTP 500: " + "x" * 2048, len(delivery["last_error"])


async def test_a_gzip_answer_is_not_read_at_all(clinic: Clinic, provider: Provider) -> None:
    # The sender asks for `identity`; a receiver gzipping anyway had its compressed bytes (NULs
    # among them) taken as the error text: PostgreSQL refused to record it, the task failed.
    provider.encoding = "gzip"
    provider.replies.append((500, gzip.compress(b"broken " + bytes(50 * MB))))
    admin = await clinic.member("admin")
    webhook = await register(clinic, admin, provider.url, ["appointment.*"])
    delivery_id = await stored_delivery(clinic, webhook["id"])
    with peak_growth() as growth:
        await deliver_with(clinic, delivery_id)
    assert growth.bytes < 10 * MB, f"{growth.bytes / MB:.0f} MB"
    [delivery] = await deliveries(clinic, admin, webhook["id"])
    assert (delivery["status"], delivery["response_code"]) == ("pending", 500), delivery
    assert delivery["last_error"] == "HTTP 500 (a gzip-encoded body, not read)", delivery


async def test_delivered_at_is_when_the_receiver_answered(clinic: Clinic) -> None:
    # It was the time the attempt started (the transaction's now()).
    admin = await clinic.member("admin")
    with streaming(Streamer(size=2, delay=1.5)) as receiver:
        webhook = await register(clinic, admin, receiver.url, ["appointment.*"])
        delivery_id = await stored_delivery(clinic, webhook["id"])
        await deliver_with(clinic, delivery_id)
    [when] = await clinic.fetch(
        "SELECT extract(epoch FROM delivered_at) AS at FROM webhook_delivery WHERE id = $1",
        delivery_id,
    )
    assert float(when["at"]) >= receiver.answered_at, (when["at"], receiver.answered_at)
