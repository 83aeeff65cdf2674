"""What a source of entries provides: its kind, who reads it, and its current entries."""

import uuid
from collections.abc import Sequence
from typing import Protocol

from hduce.plugins.search.services._entries import Entry

Batch = tuple[list[Entry], uuid.UUID | None]
"""Entries for a rebuild, and the cursor of the next batch (None when done)."""


class Source(Protocol):
    """One kind of entry, read from its owner's contract (the source of truth)."""

    kind: str
    readers: frozenset[str]
    """Staff roles that see every entry of this kind; patients see only their own."""

    async def entries(self, ids: Sequence[uuid.UUID]) -> list[Entry]:
        """The current entries for `ids`; an id without an entry is deleted from the index."""

    async def page(self, after: uuid.UUID | None, limit: int) -> Batch:
        """A batch of entries for a full rebuild, and the cursor of the next batch (None: done)."""

    async def count(self) -> int:
        """How many entries a full rebuild reads (its progress total; may count a few more)."""
