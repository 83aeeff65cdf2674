"""The `DemographicsReader` contract: accounts with their profiles, in bulk."""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from hduce.contracts.identity import ACCOUNT_DIRECTORY, Demographics
from hduce.core.db import HduceEngine

_SELECT = (
    "SELECT a.id, a.email, a.roles, a.status, p.first_name, p.last_name, p.phone, "
    f"p.date_of_birth, p.address, p.updated_at FROM {ACCOUNT_DIRECTORY} a "
    "LEFT JOIN profile p ON p.account = a.id"
)
_BY_IDS = f"{_SELECT} WHERE a.id = ANY($1::uuid[])"
_PAGE = f"{_SELECT} WHERE $1::uuid IS NULL OR a.id > $1 ORDER BY a.id LIMIT $2"


class DemographicsStore:
    """Reads people for read models (search); one query per call."""

    def __init__(self, db: HduceEngine) -> None:
        self._db = db

    async def demographics(self, ids: Sequence[uuid.UUID]) -> list[Demographics]:
        """The people among `ids` that exist."""
        return [_to_demographics(row) for row in await self._db.fetch(_BY_IDS, list(ids))]

    async def demographics_page(self, *, after: uuid.UUID | None, limit: int) -> list[Demographics]:
        """Up to `limit` people with an id above `after`, by id."""
        return [_to_demographics(row) for row in await self._db.fetch(_PAGE, after, limit)]


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
        updated_at=row["updated_at"],
    )
