"""When a pooled connection goes back without asyncpg's reset query (one round trip saved).

asyncpg resets every released connection (`pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
RESET ALL`) in case its user changed the session. HduceEngine's plain reads and its ended
transactions do not: nothing outside a transaction survives a single read, and COMMIT or
ROLLBACK ends what a transaction may hold here (`xact` advisory locks, `SET LOCAL`). Session
state (`SET` without `LOCAL`, session advisory locks, `LISTEN`) stays out of pooled
connections; `tests/architecture/test_session_state.py` checks the code for it.
"""

from contextlib import AbstractContextManager
from contextvars import ContextVar

import asyncpg

# Set around a release whose connection's session is as the pool gave it; the pool's release
# runs in a task that copies this context.
_session_unchanged: ContextVar[bool] = ContextVar("hduce_session_unchanged", default=False)


class _Unchanged:
    """The block of `session_unchanged` (a class: cheaper than a generator per statement)."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _session_unchanged.set(True)

    def __exit__(self, *_exc: object) -> None:
        _session_unchanged.reset(self._token)


def session_unchanged() -> AbstractContextManager[None]:
    """Within this block, connections go back to the pool without the reset query."""
    return _Unchanged()


def release_is_local(connection: asyncpg.Connection) -> bool:
    """Whether releasing `connection` sends PostgreSQL nothing (its deadline arms no timer).

    asyncpg's release rolls back an open transaction, waits for a cancellation under way and
    runs the reset query; with none of them, it only puts the connection back.
    """
    return (
        _session_unchanged.get()
        and not connection.is_in_transaction()
        and connection._top_xact is None
        and not connection._protocol._is_cancelling()
    )


def abandoned(connection: asyncpg.Connection) -> bool:
    """Whether `connection`'s last statement timed out or was cancelled (a cancel under way).

    The server may still be running it, or be frozen: ROLLBACK, the reset query or the wait for
    the cancellation would each wait out another deadline, so such a connection is terminated.
    """
    protocol = getattr(connection, "_protocol", None)  # None: a proxy already given back
    return protocol is not None and bool(protocol._is_cancelling())


async def reset_unless_unchanged(connection: asyncpg.Connection) -> None:
    """The pool's `reset`: asyncpg's reset query, unless the session is known unchanged."""
    if not _session_unchanged.get() and (query := connection.get_reset_query()):
        await connection.execute(query)
