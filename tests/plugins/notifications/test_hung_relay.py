"""A hung SMTP relay (accepts, never answers) holds up e-mail only, never the other channels."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from hduce.contracts.notifications import Category
from hduce.core.config import Settings
from tests.plugins.notifications.conftest import SENDER, notifications_settings
from tests.plugins.notifications.test_delivery import delivery, notify
from tests.plugins.users.clinic import Clinic, running_clinic
from tests.support import sms_provider
from tests.support.sms_provider import Provider
from tests.support.smtp import HOST, SmtpServer

provider = sms_provider.provider
QUEUED = 24
"""E-mails waiting for the hung relay: three times the worker's task slots."""


@pytest.fixture
async def hung_relay() -> AsyncIterator[int]:
    """A relay that takes connections and never says a word; its port."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.read()  # until the client gives up

    server = await asyncio.start_server(hold, HOST, 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for writer in held:
            writer.close()


@pytest.fixture
async def stalled_clinic(
    settings: Settings, hung_relay: int, provider: Provider
) -> AsyncIterator[Clinic]:
    """The app sending e-mail to the hung relay (20 s timeout) and SMS to `provider`."""
    email = {"url": f"smtp://{HOST}:{hung_relay}", "from_address": SENDER, "timeout": "20s"}
    sms = {"url": provider.url, "sender": "+15559990000"}
    configured = notifications_settings(settings, hung_relay, email=email, sms=sms)
    async with running_clinic(configured) as running:
        yield running


async def alert_behind_stuck_email(clinic: Clinic, prefix: str) -> tuple[float, uuid.UUID]:
    """`QUEUED` e-mails taken up by the worker (and stuck at the relay), then a security alert
    to a patient with a phone: when it was sent, and its notification id."""
    for number in range(QUEUED):
        await notify(
            clinic,
            f"{prefix}{number}@clinic.example",
            "test_message",
            {"name": "Q", "text": "stuck"},
            category=Category.GENERAL,
        )
    await asyncio.sleep(1)  # the worker takes the e-mails up: some reach the relay, and hang

    member = await clinic.member("patient", phone="+15550102030")
    started = time.monotonic()
    alert = await notify(
        clinic, member.id, "account_locked", {"until": "soon"}, category=Category.SECURITY
    )
    return started, alert


async def test_e_mail_to_a_hung_relay_holds_up_neither_in_app_nor_sms(
    stalled_clinic: Clinic, provider: Provider, raw_pool: asyncpg.Pool
) -> None:
    clinic = stalled_clinic
    started, alert = await alert_behind_stuck_email(clinic, "queued")
    await delivery(clinic, alert, "in_app", "status = 'sent'")
    await delivery(clinic, alert, "sms", "status = 'sent'")
    assert time.monotonic() - started < 3
    assert [request.path for request in provider.requests] == ["/2010-04-01/Messages.json"]

    # An e-mail in the hands of the hung relay holds no lock on its row: it is claimed (its
    # attempt counted, due again only once the claim expires) and the claim was committed.
    stuck = await raw_pool.fetchrow(
        "SELECT id, status, attempts, next_attempt_at > now() AS claimed FROM delivery "
        "WHERE channel = 'email' AND address LIKE 'queued%@clinic.example' AND attempts > 0 "
        "LIMIT 1"
    )
    assert stuck is not None
    assert (stuck["status"], stuck["attempts"], stuck["claimed"]) == ("pending", 1, True)
    async with raw_pool.acquire() as connection, connection.transaction():
        locked = await connection.fetchval(
            "SELECT id FROM delivery WHERE id = $1 FOR UPDATE NOWAIT", stuck["id"]
        )
    assert locked == stuck["id"]


@pytest.fixture
async def tarpit_clinic(settings: Settings, provider: Provider) -> AsyncIterator[Clinic]:
    """E-mail to an aiosmtpd relay that sits 20 s on each mail, allowed as many connections
    as the process has delivery places; SMS to `provider`."""
    async with SmtpServer() as tarpit:
        tarpit.delay = 20.0
        email = {
            "url": f"smtp://{HOST}:{tarpit.port}",
            "from_address": SENDER,
            "timeout": "30s",
            "connections": 4,
        }
        sms = {"url": provider.url, "sender": "+15559990000"}
        configured = notifications_settings(
            settings, tarpit.port, email=email, sms=sms, send_concurrency=4
        )
        async with running_clinic(configured) as running:
            yield running


async def test_a_tarpit_relay_takes_at_most_its_channels_share_of_the_places(
    tarpit_clinic: Clinic, provider: Provider
) -> None:
    # Seen: with `email.connections` not below `send_concurrency` (only warned of), a slow
    # relay held every delivery place of the process and SMS waited for it.
    started, alert = await alert_behind_stuck_email(tarpit_clinic, "slow")
    await delivery(tarpit_clinic, alert, "sms", "status = 'sent'")
    assert time.monotonic() - started < 3
