"""The metrics plugin's reads of the database: a round trip, the pool and the outbox backlog."""

from hduce.core.db import PoolStatus
from hduce.core.outbox import OutboxBacklog, outbox_backlog
from hduce.core.sql_store import SqlStore


class HealthStore(SqlStore):
    """What the `database` and `outbox` checks read, through the plugin's `env.db`."""

    async def round_trip(self) -> None:
        """One trivial query: the database answers."""
        await self.db.fetchval("SELECT 1")

    def pool_status(self) -> PoolStatus:
        """The shared pool's connection counts."""
        return self.db.pool_status()

    async def outbox_backlog(self) -> OutboxBacklog:
        """Events due but not yet dispatched, and the oldest one's age."""
        return await outbox_backlog(self.db)
