"""POST /auth/register: patients, pending staff, refused roles, taken names, known addresses."""

import uuid
from typing import Any

from tests.plugins.auth.helpers import PASSWORD, AuthApp


def registration(**fields: object) -> dict[str, object]:
    suffix = uuid.uuid4().hex[:10]
    return {
        "email": f"R{suffix}@Example.org",
        "username": f"Reg_{suffix}",
        "password": PASSWORD,
        "first_name": "Rosa",
        "last_name": "Vale",
        **fields,
    }


async def account_of(app: AuthApp, body: dict[str, object]) -> Any:
    """The stored account registered with `body`'s e-mail address."""
    row = await app.pool.fetchrow(
        "SELECT id, email, username, roles, status, email_verified_at, password_hash "
        "FROM account WHERE email = $1",
        str(body["email"]).lower(),
    )
    assert row is not None, body
    return row


async def test_patient_registration_is_active_and_requests_verification(app: AuthApp) -> None:
    body = registration(phone="+33 1 23 45 67 89", date_of_birth="1990-04-01")
    response = await app.client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 202, response.text
    assert list(response.json()) == ["detail"]  # names no account: a known address gets the same
    assert "check your e-mail" in response.json()["detail"]

    stored = await account_of(app, body)
    assert stored["username"] == str(body["username"]).lower()
    assert (stored["roles"], stored["status"]) == (["patient"], "active")
    assert stored["email_verified_at"] is None
    assert stored["password_hash"].startswith("$argon2id$")
    account = {"id": str(stored["id"]), "email": stored["email"]}
    profile = await app.pool.fetchrow(
        "SELECT first_name, phone, date_of_birth FROM profile WHERE account = $1",
        uuid.UUID(account["id"]),
    )
    assert profile is not None and profile["first_name"] == "Rosa"
    assert str(profile["date_of_birth"]) == "1990-04-01"

    registered = await app.events("user.registered", account["id"])
    assert registered[0]["pending_approval"] is False and registered[0]["roles"] == ["patient"]
    token = await app.mailed_token("verify_email", account["email"])
    assert len(token) >= 40
    token_row = await app.pool.fetchrow(
        "SELECT token_hash, expires_at - created_at AS ttl FROM one_time_token "
        "WHERE account = $1 AND purpose = 'verify_email'",
        uuid.UUID(account["id"]),
    )
    assert token not in token_row["token_hash"]
    assert token_row["ttl"].total_seconds() == 48 * 3600
    assert "auth.registered" in await app.audit_actions(account["id"])


async def test_staff_registration_waits_for_approval(app: AuthApp) -> None:
    for role in ("doctor", "nurse", "receptionist"):
        body = registration(role=role, specialty="Cardiology", institution="St Anne")
        response = await app.client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 202, response.text
        stored = await account_of(app, body)
        assert (stored["status"], stored["roles"]) == ("pending_approval", [role])
        registered = await app.events("user.registered", str(stored["id"]))
        assert registered[0]["pending_approval"] is True


async def test_admin_cannot_be_self_registered(app: AuthApp) -> None:
    body = registration(role="admin")
    response = await app.client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/role-not-allowed")
    count = await app.pool.fetchval(
        "SELECT count(*) FROM account WHERE email = $1", str(body["email"]).lower()
    )
    assert count == 0


async def test_a_taken_username_is_409_case_insensitively(app: AuthApp) -> None:
    first = registration()
    assert (await app.client.post("/api/v1/auth/register", json=first)).status_code == 202
    # (The same username with the same unverified address registers again: test_preregistration.)
    response = await app.client.post(
        "/api/v1/auth/register", json=registration(username=str(first["username"]).upper())
    )
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("/account-exists")
    assert response.json()["detail"] == "This username is taken; choose another."


async def test_a_known_address_gets_the_answer_a_new_one_gets(app: AuthApp) -> None:
    first = registration()
    fresh = await app.client.post("/api/v1/auth/register", json=first)
    owner = await account_of(app, first)
    verified = "UPDATE account SET email_verified_at = now() WHERE id = $1"
    await app.pool.execute(verified, owner["id"])  # unverified, it gets a new link instead
    again = await app.client.post(
        "/api/v1/auth/register", json=registration(email=str(first["email"]).upper())
    )
    assert (again.status_code, again.json()) == (fresh.status_code, fresh.json())
    assert again.headers.keys() == fresh.headers.keys()
    assert (
        await app.pool.fetchval("SELECT count(*) FROM account WHERE email = $1", owner["email"])
        == 1
    )
    assert await app.events("user.registration_attempted", str(owner["id"]))
    assert (await app.audit_actions(str(owner["id"])))[-1] == "auth.registration_attempted"
    weak = await app.client.post(
        "/api/v1/auth/register", json=registration(email=first["email"], password="password1234")
    )
    assert weak.status_code == 422, "the password rules apply as for a new address"


async def test_an_address_typed_in_another_unicode_form_is_the_same_address(app: AuthApp) -> None:
    suffix = uuid.uuid4().hex[:10]
    composed = registration(email=f"zo\u00eb{suffix}@example.org")  # ë as one character
    await app.client.post("/api/v1/auth/register", json=composed)
    owner = await account_of(app, composed)
    verified = "UPDATE account SET email_verified_at = now() WHERE id = $1"
    await app.pool.execute(verified, owner["id"])  # unverified, it gets a new link instead
    decomposed = registration(email=f"zoe\u0308{suffix}@example.org")  # e + combining diaeresis
    await app.client.post("/api/v1/auth/register", json=decomposed)
    assert (
        await app.pool.fetchval(
            "SELECT count(*) FROM account WHERE email LIKE $1", f"%{suffix}@example.org"
        )
        == 1
    )
    assert await app.events("user.registration_attempted", str(owner["id"]))


async def test_bad_payloads_are_422(app: AuthApp) -> None:
    bad = [
        {k: v for k, v in registration().items() if k != "email"},
        registration(email="not-an-address"),
        registration(username="a@b"),
        registration(role="superuser"),
        registration(first_name=""),
        registration(unexpected="field"),
        registration(date_of_birth="yesterday"),
        registration(date_of_birth="2999-01-01"),
        # Registration took any text as a phone number (the profile edit refused it).
        registration(phone="call me maybe"),
        registration(phone="5551234567\n"),
    ]
    for body in bad:
        response = await app.client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    future = registration(date_of_birth="2999-01-01")
    response = await app.client.post("/api/v1/auth/register", json=future)
    assert "date of birth is in the future" in response.text, response.text


async def test_blank_names_are_422_saying_so(app: AuthApp) -> None:
    # Registration stored "   " and a tab as names (the profile edit and the import refused them).
    for field, value in [("first_name", "   "), ("last_name", "\t")]:
        body = registration(**{field: value})
        response = await app.client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 422, (body, response.text)
        assert field in response.text and "only spaces" in response.text, response.text
        count = "SELECT count(*) FROM account WHERE email = $1"
        assert await app.pool.fetchval(count, str(body["email"]).lower()) == 0


async def test_a_phone_or_username_refused_says_what_is_allowed_not_its_regex(
    app: AuthApp,
) -> None:
    # It said "Expected `str` matching regex '^(?!.*\\n)(?=(?:\\D*\\d){7,15}...'".
    for field, value, words in [
        ("phone", "12", "7 to 15 digits"),
        ("username", "a!", "3 to 64 characters"),
    ]:
        response = await app.client.post(
            "/api/v1/auth/register", json=registration(**{field: value})
        )
        assert response.status_code == 422, response.text
        (error,) = response.json()["errors"]
        assert error["key"] == field and words in error["message"], error
        assert "regex" not in response.text, response.text


async def test_password_policy_explains_what_is_wrong(app: AuthApp) -> None:
    short = await app.client.post("/api/v1/auth/register", json=registration(password="Xy7!short"))
    assert short.status_code == 422
    assert short.json()["type"].endswith("/weak-password")
    assert "at least 12 characters" in short.json()["detail"]

    common = await app.client.post(
        "/api/v1/auth/register", json=registration(password="password1234")
    )
    assert common.status_code == 422
    problem = common.json()
    assert problem["type"].endswith("/weak-password")
    assert problem["warning"] and problem["suggestions"]
    assert problem["warning"] in problem["detail"]

    body = registration()
    derived = str(body["username"]).lower() + "2024"
    response = await app.client.post("/api/v1/auth/register", json={**body, "password": derived})
    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith("/weak-password")


async def test_a_domain_typed_in_compatibility_forms_is_the_same_domain(app: AuthApp) -> None:
    suffix = uuid.uuid4().hex[:10]
    ascii_domain = registration(email=f"pat{suffix}@x{suffix}.test")
    await app.client.post("/api/v1/auth/register", json=ascii_domain)
    full_width = registration(email=f"pat{suffix}@\uff58{suffix}.test")  # U+FF58, a wide x
    await app.client.post("/api/v1/auth/register", json=full_width)
    count = "SELECT count(*) FROM account WHERE email LIKE $1"
    assert await app.pool.fetchval(count, f"pat{suffix}@%") == 1
    kept = "SELECT username FROM account WHERE email = $1"
    assert (
        await app.pool.fetchval(kept, f"pat{suffix}@x{suffix}.test")
        == str(full_width["username"]).lower()
    ), "the registration replaced the unverified one: the same address"
    login = await app.login(f"PAT{suffix}@\uff38{suffix}.TEST")  # a wide capital X
    assert login.status_code == 403  # the address is found (not verified yet): not a 401
    # NFKC lengthens some letters (U+FDFA is 18 characters): too long once mapped is a 422.
    grown = registration(email=f"pat{suffix}@{chr(0xFDFA) * 20}.test")
    response = await app.client.post("/api/v1/auth/register", json=grown)
    assert response.status_code == 422, response.text
