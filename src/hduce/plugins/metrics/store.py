"""The metrics plugin's reads of the database: a round trip, the pool and the outbox backlog."""

from hduce.core.db import Database, PoolStatus
from hduce.core.outbox import OutboxBacklog, outbox_backlog


class HealthStore:
    """What the `database` and `outbox` checks read, through the plugin's `env.db`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def round_trip(self) -> None:
        """One trivial query: the database answers."""
        await self._db.fetchval("SELECT 1")

    def pool_status(self) -> PoolStatus:
        """The shared pool's connection counts."""
        return self._db.pool_status()

    async def outbox_backlog(self) -> OutboxBacklog:
        """Events due but not yet dispatched, and the oldest one's age."""
        return await outbox_backlog(self._db)
