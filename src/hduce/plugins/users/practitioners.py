"""The clinic's doctors and nurses as anyone signed in may see them (to choose whom to book)."""

from hduce.contracts.auth import ACCOUNT_DIRECTORY, CLINICAL_ROLES, AccountStatus, Role
from hduce.core.db import HduceEngine
from hduce.plugins.users.errors import InvalidQuery
from hduce.plugins.users.profiles import like_pattern
from hduce.plugins.users.schemas import PractitionerPage, PractitionerRead

DEFAULT_PAGE_SIZE = 50

# Names, specialty and institution only: never contact details, licence or account fields.
_PAGE = (
    "SELECT a.id, a.roles, coalesce(p.first_name, '') AS first_name, "
    "coalesce(p.last_name, '') AS last_name, p.specialty, p.institution, count(*) OVER () AS total "
    f"FROM {ACCOUNT_DIRECTORY} a LEFT JOIN profile p ON p.account = a.id "
    "WHERE a.status = $1 AND a.roles && $2::varchar[] "
    "AND ($3::text IS NULL OR p.first_name || ' ' || p.last_name ILIKE $3 "
    "OR p.last_name || ' ' || p.first_name ILIKE $3) "
    "AND ($4::text IS NULL OR p.specialty ILIKE $4) "
    "ORDER BY lower(p.last_name), lower(p.first_name), a.id LIMIT $5 OFFSET $6"
)


class PractitionerDirectory:
    """Lists active doctors and nurses, by name, filtered by name, specialty and role."""

    def __init__(self, db: HduceEngine, max_page_size: int) -> None:
        self._db = db
        self._max_page_size = max_page_size

    async def page(
        self,
        *,
        text: str | None,
        specialty: str | None,
        role: Role | None,
        limit: int | None,
        offset: int,
    ) -> PractitionerPage:
        """One page of practitioners; `text` matches a name, `specialty` part of the specialty."""
        limit = limit or min(DEFAULT_PAGE_SIZE, self._max_page_size)
        if limit > self._max_page_size:
            raise InvalidQuery(f"limit: at most {self._max_page_size}")
        if role is not None and role not in CLINICAL_ROLES:
            raise InvalidQuery(f"role: one of {', '.join(sorted(CLINICAL_ROLES))}")
        roles = [role] if role else sorted(CLINICAL_ROLES)
        rows = await self._db.fetch(
            _PAGE,
            AccountStatus.ACTIVE,
            roles,
            _pattern(text),
            _pattern(specialty),
            limit,
            offset,
        )
        items = [
            PractitionerRead(
                id=row["id"],
                first_name=row["first_name"],
                last_name=row["last_name"],
                roles=sorted(set(row["roles"]) & CLINICAL_ROLES),
                specialty=row["specialty"],
                institution=row["institution"],
            )
            for row in rows
        ]
        total = rows[0]["total"] if rows else await self._count(roles, text, specialty, offset)
        return PractitionerPage(items=items, total=total, limit=limit, offset=offset)

    async def _count(
        self, roles: list[str], text: str | None, specialty: str | None, offset: int
    ) -> int:
        if offset == 0:
            return 0
        rows = await self._db.fetch(
            _PAGE, AccountStatus.ACTIVE, roles, _pattern(text), _pattern(specialty), 1, 0
        )
        return rows[0]["total"] if rows else 0


def _pattern(text: str | None) -> str | None:
    text = (text or "").strip()
    return like_pattern(text) if text else None
