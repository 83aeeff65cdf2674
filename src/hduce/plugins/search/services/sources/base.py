"""What a source of entries provides: its kind, who reads it, and its current entries."""

import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Generic, Protocol, TypeVar

from hduce.contracts.users import DemographicsReader
from hduce.plugins.search.services._entries import Entry

Batch = tuple[list[Entry], uuid.UUID | None]
"""Entries for a rebuild, and the cursor of the next batch (None when done)."""


class Source(Protocol):
    """One kind of entry, read from its owner's contract (the source of truth)."""

    kind: str
    readers: frozenset[str]
    """Staff roles that see every entry of this kind; others see those naming them."""

    async def entries(self, ids: Sequence[uuid.UUID]) -> list[Entry]:
        """The current entries for `ids`; an id without an entry is deleted from the index."""

    async def page(self, after: uuid.UUID | None, limit: int) -> Batch:
        """A batch of entries for a full rebuild, and the cursor of the next batch (None: done)."""

    async def count(self) -> int:
        """How many entries a full rebuild reads (its progress total; may count a few more)."""


class Summary(Protocol):
    """A row of an owner's bulk reader: it has an id (the rebuild's cursor)."""

    @property
    def id(self) -> uuid.UUID:
        """The row's id."""


S = TypeVar("S", bound=Summary)


class SummaryReader(Protocol[S]):
    """An owner's bulk reader (`AppointmentReader`, `DocumentReader`)."""

    async def summaries(self, ids: Sequence[uuid.UUID]) -> list[S]:
        """The rows among `ids` that exist."""

    async def summaries_page(self, *, after: uuid.UUID | None, limit: int) -> list[S]:
        """Up to `limit` rows with an id above `after`, by id."""

    async def count(self) -> int:
        """How many rows `summaries_page` walks through."""


class SummarySource(ABC, Generic[S]):
    """A source read through an owner's bulk reader, its rows named with people from users."""

    kind: str
    readers: frozenset[str]

    def __init__(self, reader: SummaryReader[S], people: DemographicsReader) -> None:
        self._reader = reader
        self._people = people

    async def entries(self, ids: Sequence[uuid.UUID]) -> list[Entry]:
        """The current entries among `ids` (an id the reader no longer has leaves the index)."""
        return await self._with_names(await self._reader.summaries(ids))

    async def page(self, after: uuid.UUID | None, limit: int) -> Batch:
        """A batch of entries by id, and the cursor of the next one."""
        rows = await self._reader.summaries_page(after=after, limit=limit)
        return await self._with_names(rows), rows[-1].id if len(rows) == limit else None

    async def count(self) -> int:
        """How many rows a rebuild reads."""
        return await self._reader.count()

    @abstractmethod
    async def _with_names(self, rows: list[S]) -> list[Entry]:
        """The entries of `rows`, with the names of the people they mention."""
