"""Searching: validate the query, scope it to the caller, ask the backend, audit staff searches."""

import re

from hduce.contracts.identity import STAFF_ROLES, AuditLog
from hduce.core.registry import Registry
from hduce.core.security import Principal
from hduce.plugins.search.access import scope_for
from hduce.plugins.search.backends import SearchBackend, SearchQuery
from hduce.plugins.search.config import SearchConfig
from hduce.plugins.search.errors import InvalidSearch
from hduce.plugins.search.schemas import SearchPage

_WORD = re.compile(r"\w")


class SearchService:
    """One search API over every kind of entry, filtered by the caller's permissions."""

    def __init__(
        self,
        config: SearchConfig,
        backend: SearchBackend,
        readers: dict[str, frozenset[str]],
        registry: Registry,
    ) -> None:
        self._config = config
        self._backend = backend
        self._readers = readers
        self._registry = registry

    async def search(
        self,
        principal: Principal,
        *,
        q: str,
        kinds: str | None,
        limit: int | None,
        offset: int,
        ip: str | None = None,
    ) -> SearchPage:
        """Hits the caller may see, best first; a staff member's search is audited."""
        query = self._query(q, limit, offset)
        scope = scope_for(principal, self._readers, self._kinds(kinds))
        hits, total = ([], 0) if scope.empty else await self._backend.search(query, scope)
        if not principal.roles.isdisjoint(STAFF_ROLES):
            await self._registry.get(AuditLog).record(
                "search.queried",
                actor_id=principal.id,
                ip=ip,
                detail={"q": query.text, "kinds": list(scope.every), "hits": total},
            )
        capped = total > query.candidates
        total = min(total, query.candidates)
        return SearchPage(
            hits=hits, total=total, total_capped=capped, limit=query.limit, offset=query.offset
        )

    def _query(self, q: str, limit: int | None, offset: int) -> SearchQuery:
        text = q.strip()
        if not _WORD.search(text):
            raise InvalidSearch("q: give at least one letter or digit")
        if len(text) > self._config.max_query_length:
            raise InvalidSearch(f"q: at most {self._config.max_query_length} characters")
        limit = self._config.default_page_size if limit is None else limit
        if not 1 <= limit <= self._config.max_page_size:
            raise InvalidSearch(f"limit: between 1 and {self._config.max_page_size}")
        if offset < 0:
            raise InvalidSearch("offset: not negative")
        return SearchQuery(
            text, limit, offset, self._config.max_candidates, self._config.snippet_chars
        )

    def _kinds(self, kinds: str | None) -> tuple[str, ...]:
        if not kinds:
            return tuple(self._readers)
        wanted = tuple(dict.fromkeys(k.strip() for k in kinds.split(",") if k.strip()))
        unknown = [k for k in wanted if k not in self._readers]
        if unknown or not wanted:
            known = ", ".join(self._readers)
            raise InvalidSearch(f"kind: unknown {', '.join(unknown) or '(none)'}; known: {known}")
        return wanted
