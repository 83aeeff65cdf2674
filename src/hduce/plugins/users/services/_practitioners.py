"""The clinic's doctors and nurses as anyone signed in may see them (to choose whom to book)."""

from hduce.contracts.auth import CLINICAL_ROLES, Role
from hduce.core.schemas import Page
from hduce.plugins.users.errors import InvalidQuery
from hduce.plugins.users.schemas import PractitionerRead
from hduce.plugins.users.services._paging import page_limit
from hduce.plugins.users.store import PractitionerStore, like_pattern


class PractitionerDirectory:
    """Lists active doctors and nurses, by name, filtered by name, specialty and role."""

    def __init__(self, store: PractitionerStore, max_page_size: int) -> None:
        self._store = store
        self._max_page_size = max_page_size

    async def page(
        self,
        *,
        text: str | None,
        specialty: str | None,
        role: Role | None,
        limit: int | None,
        offset: int,
    ) -> Page[PractitionerRead]:
        """One page of practitioners; `text` matches a name, `specialty` part of the specialty."""
        limit = page_limit(limit, self._max_page_size)
        if role is not None and role not in CLINICAL_ROLES:
            raise InvalidQuery.naming("role", f"one of {', '.join(sorted(CLINICAL_ROLES))}")
        rows, total = await self._store.page(
            [role] if role else sorted(CLINICAL_ROLES),
            name=_pattern(text),
            specialty=_pattern(specialty),
            limit=limit,
            offset=offset,
        )
        items = [
            PractitionerRead.from_row(row, roles=sorted(set(row["roles"]) & CLINICAL_ROLES))
            for row in rows
        ]
        return Page(items=items, total=total, limit=limit, offset=offset)


def _pattern(text: str | None) -> str | None:
    text = (text or "").strip()
    return like_pattern(text) if text else None
