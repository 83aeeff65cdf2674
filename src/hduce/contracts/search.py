"""Search facts other plugins and outside consumers may react to."""

from collections.abc import Sequence
from typing import Protocol

from hduce.core.events import Event


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

    async def aclose(self) -> None:
        """Release what the provider holds (a process, an HTTP client)."""
        ...
