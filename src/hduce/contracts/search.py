"""Search facts other plugins and outside consumers may react to."""

from hduce.core.events import Event


class SearchPerformed(Event, frozen=True):
    """Someone searched; the query travels only as a SHA-256 hash, never as typed."""

    name = "search.performed"
    query_hash: str
    """Hex SHA-256 of the query, lower-cased with single spaces (equal queries, equal hashes)."""
    mode: str
    """How it was matched: `keyword` (full text) is the only mode today."""
    hits: int
    """How many entries matched within the caller's scope (at most `max_candidates`)."""
    caller_role: str
    """The caller's most privileged role: doctor, nurse, admin, receptionist, then patient."""
