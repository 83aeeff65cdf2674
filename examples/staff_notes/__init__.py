"""An example plugin package outside the hduce tree: a table of its own, routes and a command.

Load it with `[plugins] extra = ["staff_notes:StaffNotesPlugin"]` and its parent folder on the
path (from the repository root: `PYTHONPATH=examples hduce migrate`). `hduce migrate` (and
`hduce serve`) create its table from `migrations/`; staff post and read notes under
`/api/v1/staff-notes`, and `hduce staff-notes count` prints how many there are.
"""

import uuid
from collections.abc import Sequence
from typing import Any

import rich_click as click
from litestar import get, post
from litestar.di import NamedDependency
from litestar.types import ControllerRouterHandler

from hduce.core.cli import run_with_plugin
from hduce.core.context import AppContext
from hduce.core.plugin import HducePlugin
from hduce.core.registry import HealthStatus
from hduce.core.schemas import Input, Read
from hduce.core.security import Principal, requires_roles
from hduce.core.sql_store import SqlStore

STAFF = requires_roles("admin", "doctor", "nurse", "receptionist")


class NoteIn(Input):
    """A new note."""

    body: str


class NoteRead(Read):
    """A note as staff read it."""

    id: uuid.UUID
    author: uuid.UUID
    body: str


class NoteStore(SqlStore):
    """Every statement on `staff_note`."""

    async def add(self, author: uuid.UUID, body: str) -> Any:
        """Insert a note; its row."""
        return await self.db.fetchrow(
            "INSERT INTO staff_note (author, body) VALUES ($1, $2) RETURNING id, author, body",
            author,
            body,
        )

    async def every(self) -> list[Any]:
        """Every note, oldest first."""
        return await self.db.fetch("SELECT id, author, body FROM staff_note ORDER BY created_at")

    async def count(self) -> int:
        """How many notes there are."""
        return int(await self.db.fetchval("SELECT count(*) FROM staff_note"))


class StaffNotesPlugin(HducePlugin):
    """Notes staff leave for each other, in a table the plugin's own migration creates."""

    name = "staff_notes"
    description = "Notes staff leave for each other"
    requires = ("auth",)

    def setup(self, context: AppContext) -> None:
        """Build the store and register a health check that reads the table."""
        super().setup(context)
        self.store = NoteStore(self.env.db)
        self.env.registry.add_health_check(self.name, self.health)

    async def health(self) -> HealthStatus:
        """Healthy while the table answers."""
        return HealthStatus(ok=True, detail={"notes": await self.store.count()})

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """`POST` and `GET /api/v1/staff-notes`."""
        store = self.store

        @post("/staff-notes", tags=[self.name], guards=[STAFF])
        async def add_note(data: NoteIn, principal: NamedDependency[Principal]) -> NoteRead:
            """Leave a note."""
            async with store.db.transaction():
                return NoteRead.from_row(await store.add(principal.id, data.body))

        @get("/staff-notes", tags=[self.name], guards=[STAFF])
        async def notes() -> list[NoteRead]:
            """Every note, oldest first."""
            return NoteRead.from_rows(await store.every())

        return [add_note, notes]

    @classmethod
    def on_cli_init(cls, cli: click.Group) -> None:
        """`hduce staff-notes count`."""

        @cli.group("staff-notes")
        def staff_notes() -> None:
            """The staff_notes example plugin."""

        @staff_notes.command("count")
        @click.pass_context
        def count(ctx: click.Context) -> None:
            """Print how many notes there are."""

            async def work(plugin: StaffNotesPlugin) -> int:
                return await plugin.store.count()

            click.echo(f"{run_with_plugin(ctx, cls.name, work)} staff notes")
