"""Run a real core context (pool, broker, relay, receiver) in the test process."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import asyncpg
import msgspec

from hduce.bootstrap import build_context, setup_plugins
from hduce.core.config import Settings
from hduce.core.context import AppContext
from hduce.core.db import open_database
from hduce.core.lifecycle import background_services, running_broker
from hduce.core.plugin import HducePlugin


def isolated(settings: Settings, **nats_overrides: object) -> Settings:
    """Settings with a task stream and consumer of their own, so tests never share task messages."""
    suffix = uuid.uuid4().hex[:8]
    nats_settings = msgspec.structs.replace(
        settings.nats,
        tasks_stream=f"T_{suffix}",
        tasks_subject=f"hduce.test.{suffix}",
        durable=f"d_{suffix}",
        **nats_overrides,
    )
    return msgspec.structs.replace(settings, nats=nats_settings)


def isolated_env(settings: Settings) -> dict[str, str]:
    """The same isolation expressed as environment variables, for `hduce` subprocesses."""
    return {
        "HDUCE_NATS__TASKS_STREAM": settings.nats.tasks_stream,
        "HDUCE_NATS__TASKS_SUBJECT": settings.nats.tasks_subject,
        "HDUCE_NATS__DURABLE": settings.nats.durable,
    }


@asynccontextmanager
async def running_context(
    settings: Settings, plugins: list[HducePlugin], *, relay: bool = True, receiver: bool = True
) -> AsyncIterator[AppContext]:
    """A context with its pool and broker open and the chosen background services running."""
    context = build_context(settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, plugins)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(open_database(context.db, settings.database))
        await stack.enter_async_context(running_broker(context))
        await stack.enter_async_context(
            background_services(context, relay=relay, receiver=receiver)
        )
        yield context


EVENTUALLY = 30.0
"""Seconds a test waits for an effect that comes later (outbox, tasks, notifications). Generous:
the suite runs a test process per core, and a long wait costs time only when a test fails."""


async def wait_for_row(
    pool: asyncpg.Pool, query: str, *args: object, timeout: float = EVENTUALLY
) -> asyncpg.Record:
    """Poll `query` until it returns a row."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        row = await pool.fetchrow(query, *args)
        if row is not None:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"no row for {query!r} {args!r} within {timeout}s")


async def wait_for_effect(
    pool: asyncpg.Pool, label: str, timeout: float = EVENTUALLY
) -> asyncpg.Record:
    """Poll until the probe's effect for `label` exists."""
    return await wait_for_row(
        pool, "SELECT * FROM probe_effect WHERE label = $1", label, timeout=timeout
    )


async def fresh_rate_limits(database_url: str) -> None:
    """Forget every shared rate-limit window and failed login, so each test app starts afresh.

    The windows live in the database the whole session shares, like a clinic's processes do.
    """
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("DELETE FROM rate_limit_window")
        await connection.execute("DELETE FROM login_failure")
    finally:
        await connection.close()
