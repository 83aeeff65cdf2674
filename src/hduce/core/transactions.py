"""Piccolo's PostgreSQL transaction, made to end cleanly when its connection dies."""

import logging
from contextlib import nullcontext
from types import TracebackType
from typing import Self

from piccolo.engine.postgres import PostgresTransaction

from hduce.core.pool_reset import abandoned, session_unchanged

logger = logging.getLogger("hduce.db")


class HealingTransaction(PostgresTransaction):
    """A transaction that always gives its connection back and leaves the task's context.

    Piccolo's own exit rolls back (or commits) and only then releases the connection and
    resets the task's current transaction: when that statement fails because the connection
    is gone (a database restart), neither happens. The task then keeps joining a dead
    transaction ("connection has been released back to the pool") and the pool has lost a
    connection for good. Here both happen whatever the statement does; the pool's release
    rolls back or terminates what is left (asyncpg).
    """

    async def __aenter__(self) -> Self:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            self.transaction = self.connection.transaction()
            await self.begin()
        except BaseException:
            await self._give_back()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(
        self,
        exception_type: type[BaseException] | None,
        exception: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception is None:
                if not self._committed and not self._rolled_back:
                    await self.commit()
            elif not self._rolled_back:
                await self._roll_back_after(exception)
        finally:
            self.engine.current_transaction.reset(self.context)
            await self._give_back()
        return exception is None

    async def _roll_back_after(self, exception: BaseException) -> None:
        """Roll back; if that fails too, the block's own error is the one worth raising.

        After a timed-out or cancelled statement nothing is sent: the release terminates the
        connection, which ends the transaction without waiting on the server.
        """
        if abandoned(self.connection):
            return
        try:
            await self.rollback()
        except Exception as failure:
            logger.warning("rollback after %r failed: %r", exception, failure)

    async def _give_back(self) -> None:
        """Return the connection to the pool (which terminates it if it cannot be reset).

        After a COMMIT or ROLLBACK that went through, without asyncpg's reset query: the
        transaction's end released what it held (see `core.pool_reset`).
        """
        if self.engine.pool is None:
            await self.connection.close()
            return
        ended = self._committed or self._rolled_back
        try:
            with session_unchanged() if ended else nullcontext():
                await self.engine.pool.release(self.connection)
        except Exception as failure:
            logger.warning("a transaction's connection was dropped: %r", failure)
