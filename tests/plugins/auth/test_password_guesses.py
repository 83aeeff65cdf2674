"""Wrong current passwords at change-password: counted by the login's lock, audited, mailed."""

from hduce.core.config import Settings
from tests.plugins.auth.helpers import PASSWORD, bearer, running_app
from tests.support.mail import mail_count

CHANGE = "/api/v1/auth/change-password"
NEW_PASSWORD = "Zebra-Copper-Violin-31"


async def test_wrong_current_passwords_lock_the_login(settings: Settings) -> None:
    async with running_app(settings, lockout_threshold=3) as app:
        user = await app.active_user()
        headers = bearer((await app.tokens_for(user))["access_token"])
        guesses = [
            await app.client.post(
                CHANGE,
                json={"current_password": f"guess-{n}-x", "new_password": NEW_PASSWORD},
                headers=headers,
            )
            for n in range(4)
        ]
        assert [guess.status_code for guess in guesses] == [403, 403, 429, 429]
        assert "Retry-After" in guesses[2].headers
        assert (await app.login(user["email"])).status_code == 429, "the login shares the lock"
        right = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        assert (await app.client.post(CHANGE, json=right, headers=headers)).status_code == 429

        actions = await app.audit_actions(user["id"])
        assert actions.count("auth.password_change_failed") == 3
        assert "auth.locked" in actions
        assert await app.events("user.locked", user["id"])
        assert await mail_count(app.pool, user["id"], "account_locked") == 1


async def test_a_right_current_password_gives_its_attempt_back(settings: Settings) -> None:
    async with running_app(settings, lockout_threshold=2) as app:
        user = await app.active_user()
        headers = bearer((await app.tokens_for(user))["access_token"])
        wrong = {"current_password": "guess-x-1", "new_password": NEW_PASSWORD}
        assert (await app.client.post(CHANGE, json=wrong, headers=headers)).status_code == 403
        right = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        assert (await app.client.post(CHANGE, json=right, headers=headers)).status_code == 204
        assert (await app.login(user["email"], NEW_PASSWORD)).status_code == 200
        assert "auth.password_changed" in await app.audit_actions(user["id"])
