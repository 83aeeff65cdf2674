"""Lockout under parallel logins, and unknown identifiers locked exactly like accounts."""

import asyncio
import uuid
from collections import Counter
from typing import Any

import httpx

from hduce.core.config import Settings
from tests.plugins.auth.helpers import PASSWORD, AuthApp, failure_key, running_app

THRESHOLD = 5
WRONG = "wrong-password-xyz-1"


async def _parallel_logins(asgi_app: Any, login: str, passwords: list[str]) -> list[int]:
    transport = httpx.ASGITransport(app=asgi_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answers = await asyncio.gather(
            *(
                client.post("/api/v1/auth/login", json={"login": login, "password": password})
                for password in passwords
            )
        )
    return [answer.status_code for answer in answers]


def burst(app: AuthApp, login: str, attempts: int = 12, *extra: str) -> Counter[int]:
    """`attempts` parallel wrong passwords (and the `extra` ones): how many got each status.

    They run together on the app's own event loop (the test client sends one at a time).
    """
    passwords = [WRONG] * attempts + list(extra)
    return Counter(app.run(_parallel_logins, app.client.app, login, passwords))


async def test_parallel_wrong_passwords_lock_at_the_threshold(settings: Settings) -> None:
    async with running_app(settings, lockout_threshold=THRESHOLD) as app:
        user = await app.active_user()
        statuses = burst(app, user["email"])
        # Only `THRESHOLD` passwords were checked: the last of them locked the account.
        assert statuses == {401: THRESHOLD - 1, 429: 12 - THRESHOLD + 1}, statuses
        failures = (await app.audit_actions(user["id"])).count("auth.login_failed")
        assert failures == THRESHOLD
        locked = await app.login(user["email"])
        assert locked.status_code == 429, locked.text
        assert await app.pool.fetchval(
            "SELECT locked_until > now() FROM login_failure WHERE key = $1",
            failure_key(user["email"]),
        )


async def test_unknown_identifiers_lock_like_accounts(settings: Settings) -> None:
    async with running_app(settings, lockout_threshold=THRESHOLD) as app:
        user = await app.active_user()
        ghost = f"ghost-{uuid.uuid4().hex[:12]}@example.org"
        for login in (user["email"], ghost):
            answers = [await app.login(login, WRONG) for _ in range(THRESHOLD + 1)]
            statuses = [answer.status_code for answer in answers]
            assert statuses == [401] * (THRESHOLD - 1) + [429, 429], (login, statuses)
            assert answers[-2].json()["type"].endswith("/account-locked")
        assert burst(app, f"other-{uuid.uuid4().hex[:12]}") == {
            401: THRESHOLD - 1,
            429: 12 - THRESHOLD + 1,
        }
        # The same identifier with other capitals and spaces is the same identifier.
        assert (await app.login(f" {ghost.upper()} ", PASSWORD)).status_code == 429


async def test_the_right_password_at_the_threshold_still_logs_in(settings: Settings) -> None:
    async with running_app(settings, lockout_threshold=3) as app:
        user = await app.active_user()
        for _ in range(2):
            assert (await app.login(user["email"], WRONG)).status_code == 401
        # This attempt reached the threshold and locked before its password was checked.
        assert (await app.login(user["email"])).status_code == 200
        state = await app.pool.fetchrow(
            "SELECT failed_logins, lockouts, locked_until FROM login_failure WHERE key = $1",
            failure_key(user["email"]),
        )
        assert tuple(state) == (0, 0, None)


async def test_a_right_password_among_parallel_wrong_ones_never_lifts_the_lock(
    settings: Settings,
) -> None:
    async with running_app(settings, lockout_threshold=THRESHOLD) as app:
        user = await app.active_user()
        statuses = burst(app, user["email"], 2 * THRESHOLD + 2, PASSWORD)
        assert statuses[401] <= 2 * (THRESHOLD - 1), statuses
        locks_by_wrong_passwords = (await app.audit_actions(user["id"])).count("auth.locked")
        after = await app.login(user["email"])
        if locks_by_wrong_passwords:
            # A lock a wrong password set: the right one, checked in parallel, never lifts it.
            assert after.status_code == 429, (statuses, after.text)
        else:
            # The right password's own attempt was the one at the threshold: the wrong ones
            # arriving meanwhile were refused unchecked, and the right one gave its attempt
            # (and so that lock) back, leaving the failures below the threshold.
            assert statuses[429] >= 1 and after.status_code == 200, (statuses, after.text)


async def test_failures_by_e_mail_then_username_do_not_tell_an_account_exists(
    settings: Settings,
) -> None:
    """An e-mail and a username of one account answer like an unknown address and name.

    Counted per account, three failures by e-mail then two by username locked a real account
    (and only it): anyone who can guess a username could test which addresses are patients'.
    """
    async with running_app(settings, lockout_threshold=THRESHOLD) as app:
        user = await app.active_user()
        ghost = uuid.uuid4().hex[:12]
        pairs = {"account": (user["email"], user["username"]), "nobody": (f"{ghost}@x.org", ghost)}
        answers = {}
        for who, (email, username) in pairs.items():
            tries = [email] * (THRESHOLD - 2) + [username] * (THRESHOLD - 1) + [email] * 2
            answers[who] = [(await app.login(login, WRONG)).status_code for login in tries]
        assert answers["account"] == answers["nobody"], answers
        assert answers["account"] == [401] * (2 * THRESHOLD - 2) + [429]
        # Each identifier locked on its own: the right password by e-mail waits too.
        assert (await app.login(user["email"])).status_code == 429


async def test_parallel_logins_with_the_right_password_all_log_in(settings: Settings) -> None:
    """Seen: six at once (an app retrying, tabs reopening) answered `account-locked` to some.

    The attempt at the threshold locks until its password is checked; a right one lifts it, and
    the logins that arrived meanwhile wait for that rather than being refused.
    """
    # A password check as slow as a clinic's (argon2 at 16 MiB), so that the logins overlap.
    slow_hash = {"argon2_memory_kib": 16384, "argon2_time_cost": 2}
    async with running_app(settings, lockout_threshold=THRESHOLD, **slow_hash) as app:
        user = await app.active_user()
        passwords = [PASSWORD] * (THRESHOLD + 3)
        statuses = Counter(app.run(_parallel_logins, app.client.app, user["email"], passwords))
        assert statuses == {200: THRESHOLD + 3}, statuses
        assert "auth.locked" not in await app.audit_actions(user["id"])


async def test_parallel_right_passwords_that_stop_short_leave_no_failures(
    settings: Settings,
) -> None:
    """Seen: six parallel right-password logins of an unverified account (403 each) left the
    count at threshold - 1, so the next single typo locked the account."""
    slow_hash = {"argon2_memory_kib": 16384, "argon2_time_cost": 2}
    async with running_app(settings, lockout_threshold=THRESHOLD, **slow_hash) as app:
        user = await app.register()  # not verified: each right password answers 403
        passwords = [PASSWORD] * (THRESHOLD + 1)
        statuses = Counter(app.run(_parallel_logins, app.client.app, user["email"], passwords))
        assert statuses == {403: THRESHOLD + 1}, statuses
        assert (await app.login(user["email"], WRONG)).status_code == 401
        failed = await app.pool.fetchval(
            "SELECT failed_logins FROM login_failure WHERE key = $1", failure_key(user["email"])
        )
        assert failed == 1
