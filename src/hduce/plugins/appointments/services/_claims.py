"""Claims of calendar time: every write that claims time takes its accounts' locks first, in order.

Concurrent INSERTs of one slot otherwise each add an entry to the exclusion constraints' GiST
indexes and then wait on each other: PostgreSQL breaks such cycles one per `deadlock_timeout`,
and may abort the would-be winner, leaving the slot empty. With the practitioner's (and the
patient's) transaction-scoped advisory lock taken first, claims of one calendar queue instead.

Within one process, claims of overlapping time with one practitioner also fly one at a time
(`ClaimsInFlight`): those behind a claim that committed answer 409 without a statement, so a
crowd racing for one slot costs the database one claim instead of a hundred. The database's
lock and constraints stay the authority, across processes too.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from asyncpg.exceptions import DeadlockDetectedError, SerializationError

from hduce.core.db import Database
from hduce.plugins.appointments.errors import CalendarBusy, SlotUnavailable
from hduce.plugins.appointments.store import Visit, claiming_slot

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


@dataclass(eq=False)
class _Claim:
    """A claim under way: whose time, which interval, for which appointment, and its outcome."""

    practitioner_id: uuid.UUID
    blocked_from: datetime
    blocked_until: datetime
    appointment_id: uuid.UUID
    committed: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def overlaps(self, other: "_Claim") -> bool:
        """Whether the exclusion constraint could let only one of the two claims stand."""
        return (
            self.practitioner_id == other.practitioner_id
            and self.appointment_id != other.appointment_id
            and self.blocked_from < other.blocked_until
            and other.blocked_from < self.blocked_until
        )


class ClaimsInFlight:
    """The claims of practitioners' time this process has under way (one flight per slot)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._requests: dict[
            tuple[uuid.UUID, uuid.UUID, datetime], tuple[uuid.UUID | None, asyncio.Future[bool]]
        ] = {}
        self._claims: dict[uuid.UUID, list[_Claim]] = {}
        self.waiting = 0
        """Requests waiting for the outcome of a claim ahead of them."""

    @asynccontextmanager
    async def request(
        self,
        practitioner_id: uuid.UUID,
        type_id: uuid.UUID,
        starts_at: datetime,
        appointment_id: uuid.UUID | None = None,
    ) -> AsyncIterator[None]:
        """Let one request at a time book (or move `appointment_id` to) one type and start.

        Per practitioner; the requests behind one that succeeded answer 409 before reading
        anything (the slot it won is theirs to the minute), unless it moved the same
        appointment; behind one that failed, they go on.
        """
        if self._db.in_transaction:
            yield
            return
        key = (practitioner_id, type_id, starts_at)
        while (ahead := self._requests.get(key)) is not None:
            ahead_id, outcome = ahead
            await self._behind(
                outcome, refused=appointment_id is None or ahead_id != appointment_id
            )
        mine: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._requests[key] = (appointment_id, mine)
        committed = False
        try:
            yield
            committed = True
        finally:
            del self._requests[key]
            mine.set_result(committed)

    async def claim(
        self,
        practitioner_id: uuid.UUID,
        visit: Visit,
        appointment_id: uuid.UUID,
        body: Callable[[], Awaitable[T]],
    ) -> T:
        """Run `body` in `claiming` once no overlapping claim is under way here.

        Behind a claim that commits, 409 at once; behind one that fails, go on and claim.
        Inside a caller's transaction nothing is known to commit: `body` claims straight away.
        """
        if self._db.in_transaction:
            return await claiming(self._db, body)
        mine = _Claim(practitioner_id, visit.blocked_from, visit.blocked_until, appointment_id)
        while (ahead := self._overlapping(mine)) is not None:
            await self._behind(ahead.committed)
        claims = self._claims.setdefault(practitioner_id, [])
        claims.append(mine)
        committed = False
        try:
            result = await claiming(self._db, body)
            committed = True
            return result
        finally:
            claims.remove(mine)
            if not claims:
                del self._claims[practitioner_id]
            mine.committed.set_result(committed)

    async def _behind(self, ahead: asyncio.Future[bool], *, refused: bool = True) -> None:
        """Wait for the outcome of a claim ahead; 409 if it committed (and that `refused` us)."""
        self.waiting += 1
        try:
            # Shielded: a waiter that gives up must not cancel the outcome others await.
            committed = await asyncio.shield(ahead)
        finally:
            self.waiting -= 1
        if committed and refused:
            raise SlotUnavailable("this slot has just been taken; choose another")

    @property
    def under_way(self) -> int:
        """Claims running in the database now."""
        return sum(len(claims) for claims in self._claims.values())

    def _overlapping(self, mine: _Claim) -> _Claim | None:
        claims = self._claims.get(mine.practitioner_id, ())
        return next((c for c in claims if c.overlaps(mine)), None)
