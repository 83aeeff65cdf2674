"""TOTP MFA: enrol, verify (recovery codes), login with TOTP or a recovery code, disable."""

import time
import uuid
from typing import Any

import pyotp

from tests.plugins.auth.helpers import PASSWORD, AuthApp, bearer


def problem_type(response: Any) -> str:
    return response.json()["type"].rsplit("/", 1)[-1]


async def enable_mfa(
    app: AuthApp, user: dict[str, Any]
) -> tuple[pyotp.TOTP, list[str], dict[str, str], str]:
    headers = bearer((await app.tokens_for(user))["access_token"])
    enrolment = await app.client.post("/api/v1/auth/mfa/totp/enroll", headers=headers)
    assert enrolment.status_code == 200, enrolment.text
    totp = pyotp.TOTP(enrolment.json()["secret"])
    first_code = totp.now()
    response = await app.client.post(
        "/api/v1/auth/mfa/totp/verify", json={"code": first_code}, headers=headers
    )
    assert response.status_code == 200, response.text
    return totp, response.json()["recovery_codes"], headers, first_code


async def test_enrolment_is_inactive_until_a_code_is_verified(app: AuthApp) -> None:
    user = await app.active_user()
    headers = bearer((await app.tokens_for(user))["access_token"])
    assert (await app.client.post("/api/v1/auth/mfa/totp/enroll")).status_code == 401
    early = await app.client.post(
        "/api/v1/auth/mfa/totp/verify", json={"code": "123456"}, headers=headers
    )
    assert early.status_code == 409

    enrolment = (await app.client.post("/api/v1/auth/mfa/totp/enroll", headers=headers)).json()
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/HDuce:")
    assert enrolment["secret"] in enrolment["otpauth_uri"]
    assert (await app.login(user["email"])).status_code == 200  # not active yet

    totp = pyotp.TOTP(enrolment["secret"])
    wrong = str((int(totp.now()) + 500_000) % 1_000_000).zfill(6)
    response = await app.client.post(
        "/api/v1/auth/mfa/totp/verify", json={"code": wrong}, headers=headers
    )
    assert response.status_code == 400 and problem_type(response) == "invalid-mfa-code"
    response = await app.client.post(
        "/api/v1/auth/mfa/totp/verify", json={"code": totp.now()}, headers=headers
    )
    assert response.status_code == 200, response.text
    codes = response.json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    stored = await app.pool.fetch(
        "SELECT code_hash FROM mfa_recovery_code WHERE account = $1", uuid.UUID(user["id"])
    )
    assert len(stored) == 10 and not {r["code_hash"] for r in stored} & set(codes)
    assert "auth.mfa_enabled" in await app.audit_actions(user["id"])
    again = await app.client.post("/api/v1/auth/mfa/totp/enroll", headers=headers)
    assert again.status_code == 409


async def test_login_needs_a_fresh_totp_or_an_unused_recovery_code(app: AuthApp) -> None:
    user = await app.active_user()
    totp, codes, _, first_code = await enable_mfa(app, user)

    missing = await app.login(user["email"])
    assert missing.status_code == 401 and problem_type(missing) == "mfa-required"
    wrong_password = await app.login(user["email"], "wrong-password-xyz", totp_code=totp.now())
    assert (
        wrong_password.status_code == 401 and problem_type(wrong_password) == "invalid-credentials"
    )
    wrong = await app.login(
        user["email"], totp_code="000000" if totp.now() != "000000" else "111111"
    )
    assert wrong.status_code == 401 and problem_type(wrong) == "invalid-mfa-code"

    # The code used to turn MFA on cannot be replayed; the next time step's code works once.
    replay = await app.login(user["email"], totp_code=first_code)
    assert replay.status_code == 401 and problem_type(replay) == "invalid-mfa-code"
    next_code = totp.at(time.time(), counter_offset=1)
    assert (await app.login(user["email"], totp_code=next_code)).status_code == 200
    assert (await app.login(user["email"], totp_code=next_code)).status_code == 401

    recovery = await app.login(user["email"], totp_code=codes[0].upper())
    assert recovery.status_code == 200, recovery.text
    reused = await app.login(user["email"], totp_code=codes[0])
    assert reused.status_code == 401 and problem_type(reused) == "invalid-mfa-code"
    assert (
        await app.login(user["username"], totp_code=codes[1].replace("-", ""))
    ).status_code == 200


async def test_wrong_mfa_codes_count_towards_lockout(app: AuthApp) -> None:
    user = await app.active_user()
    await enable_mfa(app, user)
    for _ in range(4):
        response = await app.login(user["email"], totp_code="abcdef-ghij")
        assert response.status_code == 401
    locked = await app.login(user["email"], totp_code="abcdef-ghij")
    assert locked.status_code == 429 and problem_type(locked) == "account-locked"


async def test_disable_needs_the_password_and_a_code(app: AuthApp) -> None:
    user = await app.active_user()
    totp, codes, headers, _ = await enable_mfa(app, user)
    url = "/api/v1/auth/mfa/totp/disable"
    wrong_password = await app.client.post(
        url, json={"password": "wrong-password-xyz", "code": codes[0]}, headers=headers
    )
    assert wrong_password.status_code == 403
    wrong_code = await app.client.post(
        url, json={"password": PASSWORD, "code": "nope-nope"}, headers=headers
    )
    assert wrong_code.status_code == 400 and problem_type(wrong_code) == "invalid-mfa-code"
    assert (
        await app.client.post(url, json={"password": PASSWORD}, headers=headers)
    ).status_code == 422

    response = await app.client.post(
        url, json={"password": PASSWORD, "code": codes[0]}, headers=headers
    )
    assert response.status_code == 204, response.text
    assert (await app.login(user["email"])).status_code == 200
    remaining = await app.pool.fetchval(
        "SELECT count(*) FROM mfa_recovery_code WHERE account = $1", uuid.UUID(user["id"])
    )
    assert remaining == 0
    assert "auth.mfa_disabled" in await app.audit_actions(user["id"])
    assert (
        await app.client.post(url, json={"password": PASSWORD, "code": totp.now()}, headers=headers)
    ).status_code == 409
