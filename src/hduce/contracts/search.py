"""Search facts other plugins and outside consumers may react to."""

import uuid
from collections.abc import Sequence
from typing import Protocol

import msgspec

from hduce.core.events import Event
from hduce.core.security import Principal


class SearchPerformed(Event, frozen=True):
    """Someone searched; the query travels only as a SHA-256 hash, never as typed."""

    name = "search.performed"
    query_hash: str
    """Hex SHA-256 of the query, lower-cased with single spaces (equal queries, equal hashes)."""
    mode: str
    """How it was matched: `keyword` (full text), `semantic` (vectors) or `hybrid` (both)."""
    hits: int
    """How many entries matched within the caller's scope (at most `max_candidates`)."""
    caller_role: str
    """The caller's most privileged role: doctor, nurse, admin, receptionist, then patient."""


class Embedder(Protocol):
    """Turns texts into unit vectors of `dimensions` floats (search's semantic side)."""

    name: str
    """The model's name; vectors of different models are never compared."""
    dimensions: int

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order (batched by the provider)."""
        ...

    async def start(self) -> None:
        """Get ready before the first call (load a model); the web app calls it as it starts."""
        ...

    async def aclose(self) -> None:
        """Release what the provider holds (a process, an HTTP client)."""
        ...


class FoundEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One search hit; `snippet` is HTML-escaped text whose matches are wrapped in `<mark>`."""

    kind: str
    id: uuid.UUID
    title: str
    snippet: str


class Finder(Protocol):
    """Search with the REST API's permissions and audit (provided by search)."""

    async def find(
        self, principal: Principal, text: str, *, limit: int, ip: str | None
    ) -> list[FoundEntry]:
        """The best hits the caller may see, of every kind (422 on an unusable query)."""
