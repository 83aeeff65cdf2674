"""Two admins removing each other at the same moment: one of them stays an active admin."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from hduce.contracts.auth import AccountAdmin
from hduce.core.errors import Conflict
from tests.plugins.auth.helpers import AuthApp

ACTIVE_ADMINS = "SELECT id FROM account WHERE status = 'active' AND 'admin' = ANY(roles)"
ROUNDS = 6


async def at_once(*changes: Callable[[], Awaitable[object]]) -> list[object]:
    """Run the changes concurrently (each in its own transaction); their results or errors."""
    return await asyncio.gather(*(change() for change in changes), return_exceptions=True)


async def test_two_admins_removing_each_other_leave_one(app: AuthApp) -> None:
    admin = app.context.registry.get(AccountAdmin)
    first = uuid.UUID((await app.active_user())["id"])
    second = uuid.UUID((await app.active_user())["id"])
    # Other tests' admins share this database: deactivate every other active admin here.
    others = [row["id"] for row in await app.pool.fetch(ACTIVE_ADMINS)]
    await app.pool.execute(
        "UPDATE account SET status = 'deactivated' WHERE id = ANY($1::uuid[])", others
    )
    try:
        for round_ in range(ROUNDS):
            await app.pool.execute(
                "UPDATE account SET status = 'active', roles = '{admin}' WHERE id = ANY($1)",
                [first, second],
            )
            if round_ % 2:
                changes = [
                    lambda: admin.deactivate(second, by=first),
                    lambda: admin.deactivate(first, by=second),
                ]
            else:
                changes = [
                    lambda: admin.set_roles(second, frozenset({"receptionist"}), by=first),
                    lambda: admin.set_roles(first, frozenset({"receptionist"}), by=second),
                ]
            outcomes = app.run(at_once, *changes)
            refused = [outcome for outcome in outcomes if isinstance(outcome, Conflict)]
            assert len(refused) == 1, (round_, outcomes)
            assert "last active admin" in str(refused[0])
            assert len(await app.pool.fetch(ACTIVE_ADMINS)) == 1, round_
    finally:
        await app.pool.execute(
            "UPDATE account SET status = 'deactivated' WHERE id = ANY($1)", [first, second]
        )
        await app.pool.execute(
            "UPDATE account SET status = 'active' WHERE id = ANY($1::uuid[])", others
        )
