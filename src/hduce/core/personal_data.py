"""What each plugin holds about one person, gathered into their copy of it (right of access)."""

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import msgspec

from hduce.core.db import Database, HduceEngine

PersonalDataSource = Callable[[uuid.UUID], Awaitable[Mapping[str, Any]]]
"""Everything a plugin stores about one account, as JSON-ready data: its section of the export."""


class RowQueries:
    """A personal-data source made of named SQL queries whose `$1` is the person's account id.

    Only rows *about* the person belong here (their appointments as a patient, not a doctor's
    schedule); values of `json_columns` (jsonb, read as text) are decoded.
    """

    def __init__(
        self,
        db: Database | HduceEngine,
        queries: Mapping[str, str],
        json_columns: frozenset[str] = frozenset(),
    ) -> None:
        self._db = db
        self._queries = dict(queries)
        self._json_columns = json_columns

    async def __call__(self, account_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
        """Each query's rows, by the query's name."""
        return {
            name: [self._row(record) for record in await self._db.fetch(query, account_id)]
            for name, query in self._queries.items()
        }

    def _row(self, record: Mapping[str, Any]) -> dict[str, Any]:
        row = dict(record)
        for column in self._json_columns & row.keys():
            if isinstance(row[column], str):
                row[column] = msgspec.json.decode(row[column])
        return row
