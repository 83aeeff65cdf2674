"""An unverified address registered first by a stranger: the owner's own registration wins."""

import uuid
from typing import Any

from hduce.contracts.auth import AccountAdmin
from hduce.core.config import Settings
from tests.plugins.auth.helpers import AuthApp, bearer, running_app
from tests.support.mail import token_in

ATTACKER_PASSWORD = "Attacker-Known-Secret-913"
OWNER_PASSWORD = "RealOwner-Own-Pass-7731"
VERIFY = "/api/v1/auth/verify-email"


def person(email: str, username: str, password: str, first_name: str, **fields: Any) -> dict:
    return {
        "email": email,
        "username": username,
        "password": password,
        "first_name": first_name,
        "last_name": "New",
        **fields,
    }


async def sign_up(app: AuthApp, body: dict) -> None:
    response = await app.client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 202, response.text


async def verification_mails(app: AuthApp, email: str) -> list[str]:
    """The bodies of the verification e-mails sent to `email`, newest first."""
    rows = await app.pool.fetch(
        "SELECT d.body_text FROM delivery d JOIN notification n ON n.id = d.notification "
        "JOIN account a ON a.id = n.recipient WHERE a.email = $1 AND n.template = 'verify_email' "
        "ORDER BY d.created_at DESC",
        email,
    )
    return [row["body_text"] for row in rows]


async def race_for(app: AuthApp, role: str | None = None, owner_role: str | None = None) -> dict:
    """A stranger registers the address first, then its owner; returns what is known."""
    suffix = uuid.uuid4().hex[:8]
    email = f"newdoc{suffix}@example.org"
    attacker = person(email, f"drnew{suffix}", ATTACKER_PASSWORD, "Mallory")
    owner = person(email, f"nora{suffix}", OWNER_PASSWORD, "Nora")
    if role:
        attacker["role"] = role
    if owner_role:
        owner["role"] = owner_role
    await sign_up(app, attacker)
    await sign_up(app, owner)
    mails = await verification_mails(app, email)
    assert len(mails) == 2
    return {"email": email, "attacker": attacker, "owner": owner, "mails": mails}


async def test_the_owners_registration_replaces_a_strangers_earlier_one(app: AuthApp) -> None:
    race = await race_for(app)
    email, owner, attacker = race["email"], race["owner"], race["attacker"]
    stale = await app.client.post(VERIFY, json={"token": token_in(race["mails"][1])})
    assert stale.status_code == 400, "the stranger's link was replaced by the owner's registration"
    assert "register again" in stale.json()["detail"]
    await app.client.post(VERIFY, json={"token": token_in(race["mails"][0])})

    assert (await app.login(email, OWNER_PASSWORD)).status_code == 200
    assert (await app.login(email, ATTACKER_PASSWORD)).status_code == 401
    assert (await app.login(attacker["username"], ATTACKER_PASSWORD)).status_code == 401
    row = await app.pool.fetchrow(
        "SELECT a.username, p.first_name FROM account a JOIN profile p ON p.account = a.id "
        "WHERE a.email = $1",
        email,
    )
    assert (row["username"], row["first_name"]) == (owner["username"], "Nora")


async def test_a_strangers_staff_request_does_not_survive_the_owners_registration(
    app: AuthApp,
) -> None:
    race = await race_for(app, role="doctor", owner_role="doctor")
    email = race["email"]
    await app.verify(email)
    account_id = await app.pool.fetchval("SELECT id FROM account WHERE email = $1", email)
    app.run(app.context.registry.get(AccountAdmin).approve, account_id, by=uuid.uuid4())
    assert (await app.login(email, ATTACKER_PASSWORD)).status_code == 401
    assert (await app.login(race["owner"]["username"], OWNER_PASSWORD)).status_code == 200

    patient = await race_for(app, role="doctor")  # the owner asks for no staff role
    await app.verify(patient["email"])
    row = await app.pool.fetchrow(
        "SELECT roles, status FROM account WHERE email = $1", patient["email"]
    )
    assert (row["roles"], row["status"]) == (["patient"], "active")


async def test_the_verification_mail_says_when_the_registration_was_made(app: AuthApp) -> None:
    race = await race_for(app)
    newest = race["mails"][0]
    assert "registration made" in newest and " UTC" in newest
    assert "If you did not register" in newest


async def test_an_earlier_registration_leaves_no_session_or_second_factor(
    settings: Settings,
) -> None:
    async with running_app(settings, require_verified_email=False) as app:
        attacker = await app.register(password=ATTACKER_PASSWORD)
        login = await app.login(attacker["email"], ATTACKER_PASSWORD)
        headers = bearer(login.json()["access_token"])
        enrol = await app.client.post("/api/v1/auth/mfa/totp/enroll", headers=headers)
        assert enrol.status_code == 409, "an unverified address gets no second factor"
        # A second factor turned on before this rule: the owner's registration removes it.
        await app.pool.execute(
            "UPDATE account SET mfa_enabled = true, mfa_secret = 'JBSWY3DPEHPK3PXP' WHERE id = $1",
            uuid.UUID(attacker["id"]),
        )
        owner = person(attacker["email"], f"own{uuid.uuid4().hex[:8]}", OWNER_PASSWORD, "Nora")
        await sign_up(app, owner)
        await app.refused(login.json()["access_token"])
        assert (await app.refresh(login.json()["refresh_token"])).status_code == 401
        row = await app.pool.fetchrow(
            "SELECT mfa_enabled, mfa_secret FROM account WHERE id = $1", uuid.UUID(attacker["id"])
        )
        assert (row["mfa_enabled"], row["mfa_secret"]) == (False, None)
        assert (await app.login(owner["email"], OWNER_PASSWORD)).status_code == 200


async def test_registrations_of_an_unverified_address_share_the_resends_cap(
    settings: Settings,
) -> None:
    async with running_app(settings, verify_email_per_hour_per_account=5) as app:
        email = f"fresh{uuid.uuid4().hex[:8]}@example.org"
        usernames = [f"fresh{uuid.uuid4().hex[:8]}" for _ in range(8)]
        for username in usernames:
            await sign_up(app, person(email, username, OWNER_PASSWORD, "Fay"))
        assert len(await verification_mails(app, email)) == 5
        kept = await app.pool.fetchval("SELECT username FROM account WHERE email = $1", email)
        assert kept == usernames[4], "a registration past the cap changes nothing"
        resend = await app.client.post("/api/v1/auth/verify-email/resend", json={"email": email})
        assert resend.status_code == 429


async def test_an_account_the_clinic_opened_is_not_replaced_by_a_strangers_registration(
    app: AuthApp,
) -> None:
    # Seen: the desk registers a patient (an unverified account, then an invitation); a stranger
    # registering the address as a doctor made it their pending application, the desk's phone
    # and date of birth gone, and the invitation then verified it.
    desk = await app.register(first_name="Dora", phone="+33 1 23 45 67 89")
    app.run(app.context.registry.get(AccountAdmin).invite, uuid.UUID(desk["id"]), by=uuid.uuid4())
    stranger = person(desk["email"], f"mal{uuid.uuid4().hex[:8]}", ATTACKER_PASSWORD, "Mallory")
    await sign_up(app, {**stranger, "role": "doctor"})

    row = await app.pool.fetchrow(
        "SELECT a.username, a.roles, a.status, p.first_name, p.phone FROM account a "
        "JOIN profile p ON p.account = a.id WHERE a.id = $1",
        uuid.UUID(desk["id"]),
    )
    assert dict(row) == {
        "username": desk["username"],
        "roles": ["patient"],
        "status": "active",
        "first_name": "Dora",
        "phone": "+33 1 23 45 67 89",
    }
    assert (await app.login(desk["email"], ATTACKER_PASSWORD)).status_code == 401


async def test_registering_again_with_ones_own_username_is_not_a_taken_username(
    app: AuthApp,
) -> None:
    # Seen: a link refused with "register again", the owner registered again with the username
    # they had chosen, and was told it was taken (by their own pending registration).
    first = await app.register(password=OWNER_PASSWORD)
    again = person(first["email"], first["username"], OWNER_PASSWORD, "Nora")
    await sign_up(app, again)
    await app.verify(first["email"])
    assert (await app.login(first["username"], OWNER_PASSWORD)).status_code == 200
