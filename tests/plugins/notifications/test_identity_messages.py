"""Identity events end as real messages: verification, password reset, new login, lockout."""

import asyncio
import time
import uuid

import nats
from nats.aio.msg import Msg

from hduce.core.config import Settings
from tests.plugins.notifications.test_delivery import body_of, quiet_now
from tests.plugins.users.clinic import Clinic, Member
from tests.support.mail import token_in
from tests.support.smtp import SmtpServer

PASSWORD = "Quiet-Lantern-Orbit-7421"
NEW_PASSWORD = "Velvet-Harbor-Cactus-9315"


async def login(clinic: Clinic, email: str, password: str = PASSWORD) -> int:
    """The status of a login attempt."""
    answer = await clinic.client.post(
        "/api/v1/auth/login", json={"login": email, "password": password}
    )
    return answer.status_code


def registration(email: str | None = None) -> dict[str, str]:
    """A patient named Ada with a fresh username (and address unless `email` is given)."""
    return {
        "email": email or f"new-{uuid.uuid4().hex[:8]}@example.org",
        "username": f"u{uuid.uuid4().hex[:10]}",
        "password": PASSWORD,
        "first_name": "Ada",
        "last_name": "Quill",
    }


async def register(clinic: Clinic) -> str:
    """Register a patient named Ada through the API; the e-mail address."""
    body = registration()
    answer = await clinic.client.post("/api/v1/auth/register", json=body)
    assert answer.status_code == 202, answer.text
    return body["email"]


async def registered(clinic: Clinic, smtp: SmtpServer) -> str:
    """Register a patient, verify through the e-mail's token; the e-mail address."""
    email = await register(clinic)
    assert await login(clinic, email) == 403

    message = await smtp.wait_for_message(lambda m: m["To"] == email)
    assert message["From"] == "Test Clinic <noreply@clinic.test>"
    assert "Ada" in body_of(message)
    token = token_in(body_of(message))
    verified = await clinic.client.post("/api/v1/auth/verify-email", json={"token": token})
    assert verified.status_code == 204, verified.text
    return email


async def test_registration_ends_with_an_email_whose_token_verifies_the_account(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    email = await registered(clinic, smtp)
    assert await login(clinic, email) == 200


async def test_the_password_reset_email_carries_a_token_that_resets(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    email = await registered(clinic, smtp)
    asked = await clinic.client.post("/api/v1/auth/forgot-password", json={"email": email})
    assert asked.status_code == 202, asked.text
    reset_mail = await smtp.wait_for_message(
        lambda m: m["To"] == email and "reset" in m["Subject"].lower()
    )
    body = {"token": token_in(body_of(reset_mail)), "new_password": NEW_PASSWORD}
    reset = await clinic.client.post("/api/v1/auth/reset-password", json=body)
    assert reset.status_code == 204, reset.text
    assert await login(clinic, email, NEW_PASSWORD) == 200


async def test_a_new_login_and_a_lockout_are_announced(clinic: Clinic, smtp: SmtpServer) -> None:
    email = await registered(clinic, smtp)
    assert await login(clinic, email) == 200
    await smtp.wait_for_message(lambda m: m["To"] == email and "sign-in" in m["Subject"])

    statuses = [await login(clinic, email, "Wrong-Password-000") for _ in range(6)]
    assert statuses[-1] == 429, statuses
    locked = await smtp.wait_for_message(lambda m: m["To"] == email and "locked" in m["Subject"])
    assert "locked" in body_of(locked)


async def member_of(clinic: Clinic, email: str) -> Member:
    """The registered patient with this address, with API headers."""
    account_id = await clinic.in_app(
        clinic.context.db.shared_pool.fetchval, "SELECT id FROM account WHERE email = $1", email
    )
    patient = ("patient",)
    return Member(account_id, email, "", frozenset(patient), clinic.headers(account_id, patient))


async def test_a_new_login_is_announced_during_quiet_hours(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    # README: critical messages (security, clinical alerts) always go out.
    email = await registered(clinic, smtp)
    await quiet_now(clinic, await member_of(clinic, email))
    assert await login(clinic, email) == 200
    await smtp.wait_for_message(lambda m: m["To"] == email and "sign-in" in m["Subject"])


async def test_a_new_login_is_mailed_even_to_whoever_switched_security_messages_off(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    # README: every security message (a new sign-in...) always goes out, at least by e-mail.
    email = await registered(clinic, smtp)
    member = await member_of(clinic, email)
    off = {"security": {"in_app": False, "push": False, "sms": False}}
    answer = await clinic.client.put(
        "/api/v1/notifications/preferences", json={"channels": off}, headers=member.headers
    )
    assert answer.status_code == 200, answer.text
    # A switch stored off before e-mail became mandatory does not hold the message back either.
    await clinic.execute(
        "UPDATE notification_preference SET channels = jsonb_set(channels, "
        "'{security,email}', 'false') WHERE \"user\" = $1",
        member.id,
    )
    assert await login(clinic, email) == 200
    await smtp.wait_for_message(lambda m: m["To"] == email and "sign-in" in m["Subject"])
    rows = await clinic.fetch(
        "SELECT d.channel, d.status FROM delivery d JOIN notification n ON n.id = d.notification "
        "WHERE n.recipient = $1 AND n.template = 'new_login'",
        member.id,
    )
    assert {row["channel"]: row["status"] for row in rows}["in_app"] == "skipped"


async def test_no_one_time_token_crosses_the_bus(
    settings: Settings, clinic: Clinic, smtp: SmtpServer
) -> None:
    """Every message on the real nats-server during register, verify, forgot and reset."""
    seen: list[Msg] = []
    bus = await nats.connect(settings.nats.url)

    async def keep(message: Msg) -> None:
        seen.append(message)

    try:
        await bus.subscribe(">", cb=keep)
        await bus.flush()
        email = await register(clinic)
        verify_mail = await smtp.wait_for_message(lambda m: m["To"] == email)
        verify_token = token_in(body_of(verify_mail))
        verified = await clinic.client.post(
            "/api/v1/auth/verify-email", json={"token": verify_token}
        )
        assert verified.status_code == 204, verified.text
        await clinic.client.post("/api/v1/auth/forgot-password", json={"email": email})
        reset_mail = await smtp.wait_for_message(
            lambda m: m["To"] == email and "reset" in m["Subject"].lower()
        )
        reset_token = token_in(body_of(reset_mail))
        body = {"token": reset_token, "new_password": NEW_PASSWORD}
        reset = await clinic.client.post("/api/v1/auth/reset-password", json=body)
        assert reset.status_code == 204, reset.text
        facts = {
            "hduce.events.user.verification_requested",
            "hduce.events.user.password_reset_requested",
        }
        deadline = time.monotonic() + 10
        while not facts <= {message.subject for message in seen}:
            assert time.monotonic() < deadline, sorted({message.subject for message in seen})
            await asyncio.sleep(0.05)
    finally:
        await bus.drain()
    for message in seen:
        for token in (verify_token, reset_token):
            assert token not in message.subject
            assert token.encode() not in message.data, message.subject


async def test_registering_an_unverified_address_again_mails_a_new_verification_link(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    """Seen: the owner who lost the first mail and signed up again was told to sign in with the
    existing account, which answered 403 (address not verified), with no way forward."""
    email = await register(clinic)
    first = await smtp.wait_for_message(lambda m: m["To"] == email)
    again = await clinic.client.post("/api/v1/auth/register", json=registration(email))
    assert again.status_code == 202, again.text
    second = await smtp.wait_for_message(  # a second verification mail, not a notice
        lambda m: (
            (m["To"], m["Subject"]) == (email, first["Subject"])
            and m["Message-ID"] != first["Message-ID"]
        )
    )
    verified = await clinic.client.post(
        "/api/v1/auth/verify-email", json={"token": token_in(body_of(second))}
    )
    assert verified.status_code == 204, verified.text
    assert await login(clinic, email) == 200


async def test_registering_a_taken_address_answers_as_a_new_one_and_tells_its_owner(
    clinic: Clinic, smtp: SmtpServer
) -> None:
    email = await registered(clinic, smtp)
    fresh = await clinic.client.post("/api/v1/auth/register", json=registration())
    taken = await clinic.client.post("/api/v1/auth/register", json=registration(email.upper()))
    assert (taken.status_code, taken.json()) == (fresh.status_code, fresh.json()), taken.text
    assert taken.headers.keys() == fresh.headers.keys()
    assert taken.headers["content-type"] == fresh.headers["content-type"] == "application/json"
    notice = await smtp.wait_for_message(
        lambda m: m["To"] == email and "sign-up" in m["Subject"].lower()
    )
    text = body_of(notice)
    assert "already has an account" in text and "reset your password" in text
    accounts = await clinic.fetch("SELECT id FROM account WHERE email = $1", email)
    assert len(accounts) == 1  # no second account
