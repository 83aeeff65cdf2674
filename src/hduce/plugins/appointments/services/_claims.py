"""Claims of calendar time: every write that claims time takes its accounts' locks first, in order.

Concurrent INSERTs of one slot otherwise each add an entry to the exclusion constraints' GiST
indexes and then wait on each other: PostgreSQL breaks such cycles one per `deadlock_timeout`,
and may abort the would-be winner, leaving the slot empty. With the practitioner's (and the
patient's) transaction-scoped advisory lock taken first, claims of one calendar queue instead.
"""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from asyncpg.exceptions import DeadlockDetectedError, SerializationError

from hduce.core.db import Database
from hduce.plugins.appointments.errors import CalendarBusy
from hduce.plugins.appointments.store import claiming_slot

T = TypeVar("T")

RETRIED = (DeadlockDetectedError, SerializationError)


async def claiming(db: Database, body: Callable[[], Awaitable[T]]) -> T:
    """Run `body` in a transaction where lost races are 409s and a deadlock is retried once.

    Inside a caller's transaction there is nothing to retry: the caller's work is aborted too.
    """
    retries = 0 if db.in_transaction else 1
    while True:
        try:
            async with claiming_slot(), db.transaction():
                return await body()
        except RETRIED:
            if retries == 0:
                raise CalendarBusy("the calendar was busy and nothing changed; try again") from None
            retries -= 1
