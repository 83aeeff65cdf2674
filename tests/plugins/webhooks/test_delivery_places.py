"""Slow receivers hold no more than the webhooks' own places: other tasks keep their workers,
and webhooks whose receivers answer keep a place of their own."""

import asyncio
import uuid
from datetime import datetime

from hduce.plugins.webhooks import WebhooksPlugin
from tests.plugins.users.clinic import Clinic
from tests.plugins.webhooks.receivers import Streamer, streaming
from tests.plugins.webhooks.test_catalogue import spo2_alert
from tests.plugins.webhooks.test_delivery import cancelled, publish, register, wait_until

SLOW_WEBHOOKS = 12
"""More than a process's task slots (`worker.concurrency`, 8)."""


async def test_slow_receivers_leave_the_workers_to_other_tasks(clinic: Clinic) -> None:
    # Each attempt held a task slot until `timeout`: 12 slow webhooks took every slot, and the
    # tasks of other plugins (document extraction, here auth's forgot-password mail) waited.
    admin, patient = await clinic.member("admin"), await clinic.member("patient")
    places = clinic.client.app.plugins.get(WebhooksPlugin).env.config.send_concurrency
    with streaming(Streamer(delay=600)) as slow:
        hooks = [
            (await register(clinic, admin, slow.url, ["appointment.cancelled"]))["id"]
            for _ in range(SLOW_WEBHOOKS)
        ]
        await publish(clinic, cancelled())

        async def sending() -> bool:
            return slow.requests >= places

        await wait_until(sending)
        asked = await clinic.client.post(
            "/api/v1/auth/forgot-password", json={"email": patient.email}
        )
        assert asked.status_code == 202, asked.text

        async def mailed() -> bool:
            return bool(await token_issued(clinic, patient.email))

        await wait_until(mailed, timeout=30)
        in_flight = slow.requests
        first_failure = await clinic.fetch(
            "SELECT min(updated_at) AS at FROM webhook_delivery "
            "WHERE webhook = ANY($1::uuid[]) AND last_error IS NOT NULL",
            hooks,
        )
    issued = await token_issued(clinic, patient.email)
    assert issued is not None
    failed_at = first_failure[0]["at"]
    # The link went out while the first slow attempts were still waiting for an answer, and
    # no more of them were sent at once than the webhooks' places.
    assert failed_at is None or issued < failed_at, (issued, failed_at)
    assert in_flight <= places, in_flight


async def test_a_failing_receiver_leaves_a_place_to_the_others(clinic: Clinic) -> None:
    # A hanging receiver with as many webhooks as there are places took all of them, attempt
    # after attempt (each until `timeout`): a healthy webhook's deliveries waited seconds
    # behind it, put off again and again.
    admin = await clinic.member("admin")
    places = clinic.client.app.plugins.get(WebhooksPlugin).env.config.send_concurrency
    alerts = 3
    with streaming(Streamer(delay=600)) as slow, streaming(Streamer()) as fast:
        hanging = [
            uuid.UUID((await register(clinic, admin, slow.url, ["appointment.cancelled"]))["id"])
            for _ in range(places)
        ]
        await register(clinic, admin, fast.url, ["device.alert_raised"])
        await publish(clinic, cancelled())

        async def all_failed_once() -> bool:
            rows = await clinic.fetch(
                "SELECT 1 FROM webhook WHERE id = ANY($1::uuid[]) AND consecutive_failures > 0",
                hanging,
            )
            return len(rows) == places

        await wait_until(all_failed_once, timeout=30)
        await asyncio.sleep(1)  # their retries are due after 100 ms: hanging again by now
        for _ in range(alerts):
            await publish(clinic, spo2_alert())

        async def all_arrived() -> bool:
            return fast.requests >= alerts

        await wait_until(all_arrived, timeout=3)


async def token_issued(clinic: Clinic, email: str) -> datetime | None:
    """When the account's password reset token was issued (None: not yet)."""
    rows = await clinic.fetch(
        "SELECT t.created_at FROM one_time_token t JOIN account a ON a.id = t.account "
        "WHERE a.email = $1 AND t.purpose = 'reset_password'",
        email,
    )
    return rows[0]["created_at"] if rows else None
