"""The `DemographicsReader` contract: accounts with their profiles, in bulk."""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from hduce.contracts.auth import ACCOUNT_DIRECTORY, AccountStatus
from hduce.contracts.users import Demographics, PeopleQuery
from hduce.core.sql_store import SqlStore
from hduce.core.unicode_forms import nfc
from hduce.plugins.users.store._profiles import escape_like

# A person changes with their profile and with their account's status (`active` in FHIR).
_SELECT = (
    "SELECT a.id, a.email, a.roles, a.status, p.first_name, p.last_name, p.phone, "
    "p.date_of_birth, p.address, p.specialty, "
    "greatest(p.updated_at, a.status_changed_at) AS updated_at "
    f"FROM {ACCOUNT_DIRECTORY} a LEFT JOIN profile p ON p.account = a.id"
)
_BY_IDS = f"{_SELECT} WHERE a.id = ANY($1::uuid[])"
_PAGE = f"{_SELECT} WHERE $1::uuid IS NULL OR a.id > $1 ORDER BY a.id LIMIT $2"
# Each filter is skipped when its parameter is NULL; a name matches the start of a name part.
_SEARCH = (
    f"SELECT x.*, count(*) OVER () AS total FROM ({_SELECT}) x WHERE x.roles && $1::varchar[] "
    "AND ($2::text IS NULL OR x.status = $2) AND ($3::uuid[] IS NULL OR x.id = ANY($3)) "
    "AND ($4::text IS NULL OR x.first_name ILIKE $4 OR x.last_name ILIKE $4 "
    "OR x.first_name || ' ' || x.last_name ILIKE $4) "
    "AND ($5::text IS NULL OR lower(x.email) = lower($5)) "
    "AND ($6::date IS NULL OR x.date_of_birth >= $6) "
    "AND ($7::date IS NULL OR x.date_of_birth < $7) "
    "AND ($8::timestamptz IS NULL OR x.updated_at >= $8) "
    "AND ($9::timestamptz IS NULL OR x.updated_at < $9) "
    "AND NOT x.roles && $12::varchar[] "
    "ORDER BY lower(x.last_name), lower(x.first_name), x.id LIMIT $10 OFFSET $11"
)


class DemographicsStore(SqlStore):
    """Reads people for read models (search); one query per call."""

    async def demographics(self, ids: Sequence[uuid.UUID]) -> list[Demographics]:
        """The people among `ids` that exist."""
        return [_to_demographics(row) for row in await self.db.fetch(_BY_IDS, list(ids))]

    async def demographics_page(self, *, after: uuid.UUID | None, limit: int) -> list[Demographics]:
        """Up to `limit` people with an id above `after`, by id."""
        return [_to_demographics(row) for row in await self.db.fetch(_PAGE, after, limit)]

    async def search(self, query: PeopleQuery) -> tuple[list[Demographics], int]:
        """One page of the people matching `query`, by name then id, and the total."""
        rows = await self.db.fetch(
            _SEARCH,
            sorted(query.roles),
            AccountStatus.ACTIVE if query.active_only else None,
            None if query.ids is None else list(query.ids),
            None if query.name is None else _prefix(query.name),
            None if query.email is None else nfc(query.email),
            query.born_from,
            query.born_before,
            query.updated_from,
            query.updated_before,
            query.limit,
            query.offset,
            sorted(query.without_roles),
        )
        if rows or query.offset == 0:
            return [_to_demographics(row) for row in rows], rows[0]["total"] if rows else 0
        # Past the last page: the count comes from the first row of the whole result.
        _, total = await self.search(msgspec.structs.replace(query, limit=1, offset=0))
        return [], total


def _prefix(text: str) -> str:
    """An `ILIKE` pattern matching what starts with `text`, its wildcards taken literally."""
    return escape_like(text) + "%"


def _to_demographics(row: Mapping[str, Any]) -> Demographics:
    return Demographics(
        id=row["id"],
        email=row["email"],
        roles=frozenset(row["roles"]),
        status=row["status"],
        first_name=row["first_name"] or "",
        last_name=row["last_name"] or "",
        phone=row["phone"],
        date_of_birth=row["date_of_birth"],
        address=row["address"],
        specialty=row["specialty"],
        updated_at=row["updated_at"],
    )
