"""Rotating a webhook's secret: a new one at once, the old one signing beside it for a while."""

import uuid
from datetime import UTC, datetime, timedelta

from hduce.plugins.webhooks import WebhooksPlugin
from tests.plugins.users.clinic import Clinic
from tests.plugins.webhooks.test_delivery import (
    API,
    cancelled,
    publish,
    register,
    verify,
    wait_until,
)
from tests.plugins.webhooks.test_routes import audited
from tests.support.sms_provider import Provider, Request


async def next_request(clinic: Clinic, provider: Provider) -> Request:
    """The request a newly published event brings to `provider`."""
    before = len(provider.requests)
    await publish(clinic, cancelled())

    async def arrived() -> bool:
        return len(provider.requests) > before

    await wait_until(arrived)
    return provider.requests[before]


async def test_a_rotated_secret_signs_beside_the_old_one_until_the_grace_ends(
    clinic: Clinic, provider: Provider
) -> None:
    # A secret could not be changed but by removing the webhook and registering it again: the
    # events in between were lost, and the receiver had to switch secrets at that very moment.
    admin = await clinic.member("admin")
    webhook = await register(clinic, admin, provider.url, ["appointment.*"])
    old = webhook["secret"]
    rotated = await clinic.client.post(
        f"{API}/{webhook['id']}/rotate-secret", headers=admin.headers
    )
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != old
    grace = float(clinic.client.app.plugins.get(WebhooksPlugin).env.config.rotation_grace)
    until = datetime.fromisoformat(rotated.json()["previous_secret_until"])
    assert abs(until - datetime.now(UTC) - timedelta(seconds=grace)) < timedelta(minutes=1)
    read = await clinic.client.get(f"{API}/{webhook['id']}", headers=admin.headers)
    assert "secret" not in read.json()
    assert read.json()["previous_secret_until"] == rotated.json()["previous_secret_until"]
    assert ("webhook.secret_rotated", admin.id) in await audited(clinic, webhook["id"])

    during = await next_request(clinic, provider)
    header = during.headers["HDuce-Signature"]
    assert header.count("v1=") == 2, header
    assert verify(new, header, during.body) and verify(old, header, during.body)
    assert not verify("whsec_wrong", header, during.body)

    await clinic.execute(
        "UPDATE webhook SET previous_secret_until = now() - interval '1 second' WHERE id = $1",
        uuid.UUID(webhook["id"]),
    )
    after = await next_request(clinic, provider)
    header = after.headers["HDuce-Signature"]
    assert header.count("v1=") == 1, header
    assert verify(new, header, after.body) and not verify(old, header, after.body)
    read = await clinic.client.get(f"{API}/{webhook['id']}", headers=admin.headers)
    assert read.json()["previous_secret_until"] is None


async def test_rotating_an_unknown_webhook_is_404(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    missing = await clinic.client.post(f"{API}/{uuid.uuid4()}/rotate-secret", headers=admin.headers)
    assert missing.status_code == 404, missing.text
