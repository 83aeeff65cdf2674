"""Where a delivery may connect: in production only to the public address its name resolves to."""

import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugins.users.clinic import Clinic
from tests.plugins.webhooks.test_delivery import deliver_with, deliveries, register, stored_delivery
from tests.support.sms_provider import Provider
from tests.support.tls import self_signed


async def test_production_does_not_deliver_to_a_name_now_pointing_inside(
    clinic: Clinic, provider: Provider
) -> None:
    # The URL was accepted when registered; its name now resolves to this machine (a changed
    # DNS record, DNS rebinding): the sender checked only the text of the URL and posted to it.
    admin = await clinic.member("admin")
    url = f"http://localhost:{provider.port}/in"
    webhook = await register(clinic, admin, url, ["appointment.*"])  # development accepts it
    delivery_id = await stored_delivery(clinic, webhook["id"])

    await deliver_with(clinic, delivery_id, public_only=True)

    assert provider.requests == []
    [delivery] = await deliveries(clinic, admin, webhook["id"])
    assert (delivery["status"], delivery["attempts"]) == ("pending", 2)  # retried later
    assert "not a public address" in delivery["last_error"], delivery


async def test_a_stored_url_whose_host_cannot_be_encoded_is_a_failed_attempt(
    clinic: Clinic,
) -> None:
    # A URL taken before hosts were checked: the delivery crashed (UnicodeError), the task was
    # dead-lettered and the delivery stayed pending with no error, the failure streak at 0.
    admin = await clinic.member("admin")
    webhook_id = uuid.uuid4()
    await clinic.execute(
        "INSERT INTO webhook (id, url, events, secret, created_by) "
        "VALUES ($1, 'https://a..b/x', '{appointment.*}', 'whsec_x', $1)",
        webhook_id,
    )
    delivery_id = await stored_delivery(clinic, str(webhook_id))

    await deliver_with(clinic, delivery_id)

    [delivery] = await deliveries(clinic, admin, str(webhook_id))
    assert (delivery["status"], delivery["attempts"]) == ("pending", 2), delivery
    assert delivery["last_error"].startswith("cannot resolve a..b: "), delivery
    [webhook] = await clinic.fetch(
        "SELECT consecutive_failures FROM webhook WHERE id = $1", webhook_id
    )
    assert webhook["consecutive_failures"] == 1


@pytest.fixture
def tls_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    """An HTTPS receiver on loopback whose certificate names `localhost`, trusted by the test."""
    cert, key = self_signed(tmp_path, "receiver", host="localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # httpx trusts it (a sender made after this)
    server = Provider(tls=context)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_a_delivery_over_https_checks_the_certificate_of_the_name(
    clinic: Clinic, tls_provider: Provider
) -> None:
    # The sender connects to the address it resolved: TLS must still name (SNI) and verify the
    # URL's host, and the request carry it as Host.
    admin = await clinic.member("admin")
    url = f"https://localhost:{tls_provider.port}/in"
    webhook = await register(clinic, admin, url, ["appointment.*"])
    delivery_id = await stored_delivery(clinic, webhook["id"])

    await deliver_with(clinic, delivery_id)

    [delivery] = await deliveries(clinic, admin, webhook["id"])
    assert (delivery["status"], delivery["response_code"]) == ("delivered", 201), delivery
    [request] = tls_provider.requests
    assert request.headers["Host"] == f"localhost:{tls_provider.port}"
