"""Calendar locks: every write that claims time takes its accounts' locks first, in one order.

Concurrent INSERTs of one slot otherwise each add an entry to the exclusion constraints' GiST
indexes and then wait on each other: PostgreSQL breaks such cycles one per `deadlock_timeout`,
and may abort the would-be winner, leaving the slot empty. With the practitioner's (and the
patient's) transaction-scoped advisory lock taken first, claims of one calendar queue instead.
"""

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from asyncpg.exceptions import DeadlockDetectedError, SerializationError

from hduce.plugins.appointments.env import Env
from hduce.plugins.appointments.errors import CalendarBusy
from hduce.plugins.appointments.store._appointments import claiming_slot, lock_keys

T = TypeVar("T")

# unnest keeps the array's order, so the locks are taken in the order given (sorted).
LOCK_KEYS = "SELECT pg_advisory_xact_lock(key) FROM unnest($1::bigint[]) AS key"
ACCOUNTS_OF = "SELECT practitioner, patient FROM appointment WHERE id = $1"
RETRIED = (DeadlockDetectedError, SerializationError)


async def lock_calendars(connection: asyncpg.Connection, *account_ids: uuid.UUID) -> None:
    """Hold the calendars of `account_ids` until the transaction ends (sorted: no lock cycles)."""
    await connection.execute(LOCK_KEYS, lock_keys(account_ids))


async def lock_calendars_of(connection: asyncpg.Connection, appointment_id: uuid.UUID) -> None:
    """Hold the calendars of an appointment's practitioner and patient (none if it is gone)."""
    record = await connection.fetchrow(ACCOUNTS_OF, appointment_id)
    if record is not None:
        await lock_calendars(connection, record["practitioner"], record["patient"])


async def claiming(env: Env, body: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """Run `body` in a transaction where lost races are 409s and a deadlock is retried once.

    Inside a caller's transaction there is nothing to retry: the caller's work is aborted too.
    """
    retries = 1 if env.context.db.current_transaction.get() is None else 0
    while True:
        try:
            async with claiming_slot(), env.transaction() as tx:
                return await body(tx.connection)
        except RETRIED:
            if retries == 0:
                raise CalendarBusy("the calendar was busy and nothing changed; try again") from None
            retries -= 1
