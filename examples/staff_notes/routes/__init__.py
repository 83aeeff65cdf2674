"""Routes of staff_notes under `/api/v1/staff-notes`."""

from collections.abc import Sequence

from litestar import get, post
from litestar.di import NamedDependency
from litestar.types import ControllerRouterHandler

from hduce.core.security import Principal, requires_roles
from staff_notes.schemas import NoteIn, NoteRead
from staff_notes.store import NoteStore

STAFF = requires_roles("admin", "doctor", "nurse", "receptionist")


def note_handlers(store: NoteStore, tag: str) -> Sequence[ControllerRouterHandler]:
    """`POST` and `GET /staff-notes`, tagged `tag` in the OpenAPI document."""

    @post("/staff-notes", tags=[tag], guards=[STAFF])
    async def add_note(data: NoteIn, principal: NamedDependency[Principal]) -> NoteRead:
        """Leave a note."""
        async with store.db.transaction():
            return NoteRead.from_row(await store.add(principal.id, data.body))

    @get("/staff-notes", tags=[tag], guards=[STAFF])
    async def notes() -> list[NoteRead]:
        """Every note, oldest first."""
        return NoteRead.from_rows(await store.every())

    return [add_note, notes]
