"""Access tokens stop as soon as their session ends or their account's access changes, in this
web process and in any other one (each follows the database's notices), not at their `exp`."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from hduce.contracts.auth import AccountAdmin
from hduce.core.security import Principal
from hduce.core.security.revocations import Revocations, TokenRevoked
from hduce.plugins.auth.store import RevocationFeed
from hduce.plugins.auth.store._revocation_feed import CHANNEL
from tests.plugins.auth.helpers import REVOCATION_WAIT, AuthApp, bearer
from tests.support.listeners import cut_listeners, until_listening_again

LIFETIME = 1800.0


def admin_of(app: AuthApp) -> AccountAdmin:
    return app.context.registry.get(AccountAdmin)


async def test_changed_roles_refuse_old_tokens_and_a_refresh_brings_the_new_roles(
    app: AuthApp,
) -> None:
    user = await app.active_user()
    tokens = await app.tokens_for(user)
    roles = frozenset({"patient", "nurse"})
    app.run(admin_of(app).set_roles, uuid.UUID(user["id"]), roles, by=uuid.uuid4())

    assert "roles changed" in (await app.refused(tokens["access_token"]))["detail"]
    renewed = (await app.refresh(tokens["refresh_token"])).json()
    answer = await app.me(renewed["access_token"])
    assert answer.status_code == 200 and set(answer.json()["roles"]) == roles


async def test_deactivation_refuses_every_token_and_reactivation_revives_none(
    app: AuthApp,
) -> None:
    user = await app.active_user()
    first, second = await app.tokens_for(user), await app.tokens_for(user)
    account = uuid.UUID(user["id"])
    app.run(admin_of(app).deactivate, account, by=uuid.uuid4())
    for tokens in (first, second):
        await app.refused(tokens["access_token"])

    app.run(admin_of(app).reactivate, account, by=uuid.uuid4())
    fresh = await app.tokens_for(user)
    assert (await app.me(fresh["access_token"])).status_code == 200
    assert (await app.me(first["access_token"])).status_code == 401


async def test_refresh_token_reuse_ends_the_access_tokens_of_the_family(app: AuthApp) -> None:
    user = await app.active_user()
    stolen = await app.tokens_for(user)
    rotated = (await app.refresh(stolen["refresh_token"])).json()
    assert (await app.me(rotated["access_token"])).status_code == 200
    assert (await app.refresh(stolen["refresh_token"])).status_code == 401  # the replay
    for tokens in (stolen, rotated):
        assert "the session has ended" in (await app.refused(tokens["access_token"]))["detail"]


async def test_a_rolled_back_revocation_changes_nothing(app: AuthApp) -> None:
    user = await app.active_user()
    kept, ended = await app.tokens_for(user), await app.tokens_for(user)
    session = app.context.tokens.verify(kept["access_token"]).session_id
    async with app.pool.acquire() as connection:
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute(
            "UPDATE refresh_token SET revoked_at = now() WHERE family_id = $1", session
        )
        await transaction.rollback()
    # Notices arrive in commit order: once a later revocation is seen, the first would have been.
    await app.client.post("/api/v1/auth/logout", headers=bearer(ended["access_token"]))
    await app.refused(ended["access_token"])
    assert (await app.me(kept["access_token"])).status_code == 200


@asynccontextmanager
async def other_process(app: AuthApp) -> AsyncIterator[tuple[Revocations, RevocationFeed]]:
    """What a second web process keeps: its own `Revocations`, fed from the same database."""
    revocations = Revocations(LIFETIME)
    feed = RevocationFeed(app.context.db.dsn, revocations, LIFETIME)
    async with feed.running():
        yield revocations, feed


def session_of(app: AuthApp, tokens: dict[str, str]) -> Principal:
    """The principal of a still valid access token."""
    return app.context.tokens.verify(tokens["access_token"])


async def until_refused(revocations: Revocations, principal: Principal) -> None:
    deadline = time.monotonic() + REVOCATION_WAIT
    while True:
        try:
            revocations.check(principal)
        except TokenRevoked:
            return
        assert time.monotonic() < deadline, "the other process still accepts the token"
        await asyncio.sleep(0.02)


async def test_another_web_process_loads_past_revocations_and_follows_new_ones(
    app: AuthApp,
) -> None:
    user = await app.active_user()
    early, later, untouched = [await app.tokens_for(user) for _ in range(3)]
    principals = [session_of(app, tokens) for tokens in (early, later, untouched)]
    await app.client.post("/api/v1/auth/logout", headers=bearer(early["access_token"]))
    await app.refused(early["access_token"])

    async with other_process(app) as (revocations, feed):
        with pytest.raises(TokenRevoked):  # ended before the process started: loaded
            revocations.check(principals[0])
        revocations.check(principals[1])
        await app.client.post("/api/v1/auth/logout", headers=bearer(later["access_token"]))
        await until_refused(revocations, principals[1])
        revocations.check(principals[2])
        assert (await feed.health()).ok


async def test_a_lost_listener_reconnects_and_catches_up(app: AuthApp) -> None:
    user = await app.active_user()
    tokens = await app.tokens_for(user)
    principal = session_of(app, tokens)
    async with other_process(app) as (revocations, feed):
        cut = await cut_listeners(app.pool, CHANNEL)
        # Revoked while the listener is gone or coming back: a notice or the reload brings it.
        await app.client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"]))
        await until_refused(revocations, principal)
        await until_listening_again(app.pool, CHANNEL, cut)
        deadline = time.monotonic() + REVOCATION_WAIT
        while not (await feed.health()).ok:
            assert time.monotonic() < deadline, "the feed did not reconnect"
            await asyncio.sleep(0.02)
