"""The practitioner directory's one query: active clinicians with their public profile."""

from collections.abc import Sequence

import asyncpg

from hduce.contracts.auth import ACCOUNT_DIRECTORY, AccountStatus
from hduce.core.sql_store import SqlStore

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


class PractitionerStore(SqlStore):
    """Pages of active accounts holding one of some roles, with their `total` on each row."""

    async def page(
        self,
        roles: Sequence[str],
        *,
        name: str | None,
        specialty: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[asyncpg.Record], int]:
        """One page of rows matching the `ILIKE` patterns (None: any), and the total."""
        filters = (AccountStatus.ACTIVE, list(roles), name, specialty)
        rows = await self.db.fetch(_PAGE, *filters, limit, offset)
        if rows or offset == 0:
            return rows, rows[0]["total"] if rows else 0
        # Past the last page: the count comes from the first row of the whole result.
        first = await self.db.fetchrow(_PAGE, *filters, 1, 0)
        return [], first["total"] if first else 0
