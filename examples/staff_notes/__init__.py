"""An example plugin package outside the hduce tree: a table of its own, routes and a command.

Load it with `[plugins] extra = ["staff_notes:StaffNotesPlugin"]` and its parent folder on the
path (from the repository root: `PYTHONPATH=examples hduce migrate`). `hduce migrate` (and
`hduce serve`) create its table from `migrations/`; staff post and read notes under
`/api/v1/staff-notes`, and `hduce staff-notes count` prints how many there are.

Every `hduce` command imports this module, so it imports at module level only `core.plugin`
(and its config, had it one): routes, store and commands are imported where they are used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hduce.core.plugin import HducePlugin

if TYPE_CHECKING:
    import rich_click as click
    from litestar.types import ControllerRouterHandler

    from hduce.core.context import AppContext
    from hduce.core.registry import HealthStatus


class StaffNotesPlugin(HducePlugin):
    """Notes staff leave for each other, in a table the plugin's own migration creates."""

    name = "staff_notes"
    description = "Notes staff leave for each other"
    requires = ("auth",)

    def setup(self, context: AppContext) -> None:
        """Build the store and register a health check that reads the table."""
        from staff_notes.store import NoteStore

        super().setup(context)
        self.store = NoteStore(self.env.db)
        self.env.registry.add_health_check(self.name, self.health)

    async def health(self) -> HealthStatus:
        """Healthy while the table answers."""
        from hduce.core.registry import HealthStatus

        return HealthStatus(ok=True, detail={"notes": await self.store.count()})

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """`POST` and `GET /api/v1/staff-notes`."""
        from staff_notes.routes import note_handlers

        return note_handlers(self.store, self.name)

    @classmethod
    def on_cli_init(cls, cli: click.Group) -> None:
        """`hduce staff-notes count`."""
        from staff_notes.cli import add_commands

        add_commands(cli, cls.name)
