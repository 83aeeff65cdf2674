"""The pieces of the fault tests: a database probe route, the real app, a frozen PostgreSQL."""

import os
import signal
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

from httpx import Response
from litestar import get
from litestar.params import FromPath
from litestar.testing import AsyncTestClient
from litestar.types import ControllerRouterHandler

from hduce.app import create_app
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core.config import Settings
from hduce.core.context import AppContext
from hduce.core.plugin import HducePlugin
from hduce.core.security import Principal
from hduce.runtime import EmbeddedPostgres
from tests.support.probe import ProbePlugin
from tests.support.processes import processes_using


class DbProbePlugin(ProbePlugin):
    """The probe plugin plus one unauthenticated route that reads the database."""

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        database = self.context.db

        @get("/db-probe", opt={"exclude_from_auth": True})
        async def db_probe() -> dict[str, int]:
            row = await database.fetchrow("SELECT 1 AS value")
            return {"value": row["value"] if row else 0}

        @get("/db-probe/out-of/{resource:str}", opt={"exclude_from_auth": True})
        async def db_out_of(resource: FromPath[str]) -> None:
            # PostgreSQL itself raises what it raises when it runs out of `resource`.
            sqlstate, message = EXHAUSTED[resource]
            await database.execute(
                f"DO $$ BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = '{sqlstate}'; END $$"
            )

        return (db_probe, db_out_of)


EXHAUSTED = {
    "disk": ("53100", 'could not extend file "base/5/16853": No space left on device'),
    "connections": ("53300", "sorry, too many clients already"),
}
"""SQLSTATE class 53 (insufficient resources), as PostgreSQL words them."""


@dataclass
class FaultApp:
    client: AsyncTestClient
    context: AppContext

    async def health(self) -> Response:
        """`GET /health/detailed` as an admin (the details are not public)."""
        admin = Principal(id=uuid.uuid4(), roles=frozenset({"admin"}))
        token, _ = self.context.tokens.issue(admin)
        return await self.client.get(
            "/health/detailed", headers={"Authorization": f"Bearer {token}"}
        )


@asynccontextmanager
async def fault_app(settings: Settings, plugins: list[HducePlugin]) -> AsyncIterator[FaultApp]:
    """The real app (metrics plugin included) on `settings`, with its lifespan running."""
    all_plugins = [*load_plugins(settings), *plugins]
    context = build_context(settings, "web", settings.database.url, settings.nats.url)
    setup_plugins(context, all_plugins)
    async with AsyncTestClient(create_app(context, all_plugins), timeout=60) as client:
        yield FaultApp(client, context)


def postgres_processes(server: EmbeddedPostgres) -> list[int]:
    """The postmaster and every backend of `server`."""
    return [process.pid for process in processes_using(server.pgdata)]


def resume(server: EmbeddedPostgres) -> None:
    """Let every process of `server` run again (a no-op on running ones)."""
    for pid in postgres_processes(server):
        os.kill(pid, signal.SIGCONT)


def freeze(server: EmbeddedPostgres) -> None:
    """Stop `server` dead (SIGSTOP, postmaster and backends): a hung host; `resume` ends it."""
    for pid in postgres_processes(server):
        os.kill(pid, signal.SIGSTOP)


@contextmanager
def frozen(server: EmbeddedPostgres) -> Iterator[None]:
    """`server` frozen for the block."""
    try:
        freeze(server)
        yield
    finally:
        resume(server)
