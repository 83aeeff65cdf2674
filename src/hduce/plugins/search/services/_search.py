"""Searching: validate the query, scope it to the caller, ask the backend, audit staff searches."""

import hashlib
import re
import unicodedata
from dataclasses import KW_ONLY, dataclass

import msgspec

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import STAFF_ROLES, Role
from hduce.contracts.search import Embedder, FoundEntry, SearchPerformed
from hduce.core.db import Database
from hduce.core.events import EventBus
from hduce.core.security import Principal
from hduce.plugins.search.config import SearchConfig
from hduce.plugins.search.errors import InvalidSearch
from hduce.plugins.search.schemas import SearchPage, Suggestions
from hduce.plugins.search.services._access import scope_for
from hduce.plugins.search.services._filters import facet_names, filters
from hduce.plugins.search.services._lexicon import Lexicon
from hduce.plugins.search.services.backends import SearchBackend, SearchQuery
from hduce.plugins.search.services.backends.base import Filters

# Letters and digits: `\w` alone also counts `_`, which the index's parser drops.
_WORD = re.compile(r"[^\W_]")
_WORDS = re.compile(r"[^\W_]+")
# The role a `search.performed` event names: the most privileged one the caller holds.
_ROLE_ORDER = (Role.DOCTOR, Role.NURSE, Role.ADMIN, Role.RECEPTIONIST, Role.PATIENT)
MODES = ("keyword", "semantic", "hybrid")


@dataclass(frozen=True, eq=False)
class SearchService:
    """One search API over every kind of entry, filtered by the caller's permissions."""

    config: SearchConfig
    backend: SearchBackend
    readers: dict[str, frozenset[str]]
    lexicon: Lexicon
    embedder: Embedder | None
    _: KW_ONLY
    db: Database
    events: EventBus
    audit: AuditLog

    async def search(
        self,
        principal: Principal,
        *,
        q: str,
        kinds: str | None,
        limit: int | None,
        offset: int,
        ip: str | None = None,
        facets: str | None = None,
        entity: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        patient_id: str | None = None,
        mode: str | None = None,
    ) -> SearchPage:
        """Hits the caller may see, best first; audited for staff, `search.performed` for all."""
        text = self._text
        wanted = filters(
            principal,
            entity=text("entity", entity),
            date_from=text("date_from", date_from),
            date_to=text("date_to", date_to),
            patient_id=text("patient_id", patient_id),
        )
        facet = facet_names(text("facets", facets))
        query = self._query(text("q", q) or "", limit, offset, wanted, facet)
        searched = self._kinds(text("kind", kinds))
        scope = scope_for(principal, self.readers, searched)
        query = await self._embedded(query, text("mode", mode))
        # The reads and the audit row on one connection: one pool acquire, not two.
        async with self.db.transaction():
            hits, total = await self.backend.search(query, scope)
            counted = {f: {} for f in query.facets}
            if query.facets:
                counted = await self.backend.facets(query, scope)
            capped = total > query.candidates
            total = min(total, query.candidates)
            if not principal.roles.isdisjoint(STAFF_ROLES):
                await self.audit.record(
                    "search.queried",
                    actor_id=principal.id,
                    ip=ip,
                    detail={
                        "q": query.text,
                        "kinds": list(searched),
                        "hits": total,
                        # Which patient or drug a clinician looked for is part of the access.
                        "filters": msgspec.to_builtins(wanted),
                    },
                )
            await self.events.publish(performed(query.text, total, principal, query.mode))
        return SearchPage(
            hits=hits,
            total=total,
            total_capped=capped,
            facets=counted,
            limit=query.limit,
            offset=query.offset,
        )

    async def find(
        self, principal: Principal, text: str, *, limit: int, ip: str | None
    ) -> list[FoundEntry]:
        """`Finder`: the best hits of every kind the caller may see, as `search` gives them."""
        page = await self.search(principal, q=text, kinds=None, limit=limit, offset=0, ip=ip)
        return [
            FoundEntry(kind=h.kind, id=h.id, title=h.title, snippet=h.snippet) for h in page.hits
        ]

    async def suggest(self, principal: Principal, *, q: str, limit: int | None) -> Suggestions:
        """Completions of the last word of `q` from entries the caller may see and the lexicon."""
        typed = (self._text("q", q) or "").lower()
        words = _WORDS.findall(typed)
        if not words:
            raise InvalidSearch.naming("q", "give the start of a word")
        limit = self._page_size(limit)
        scope = scope_for(principal, self.readers, tuple(self.readers))
        found = await self.backend.suggest(words[-1], scope, limit)
        head = typed[: typed.rindex(words[-1])]
        completed = [" ".join(f"{head}{word}".split()) for word in found]
        terms = self.lexicon.completions(typed, limit)
        return Suggestions(suggestions=list(dict.fromkeys([*completed, *terms]))[:limit])

    def _query(
        self, text: str, limit: int | None, offset: int, wanted: Filters, facets: tuple[str, ...]
    ) -> SearchQuery:
        if not _WORD.search(text) and not wanted.given:
            raise InvalidSearch.naming("q", "give at least one letter or digit (or a filter)")
        limit = self._page_size(limit)
        if offset < 0:
            raise InvalidSearch.naming("offset", "not negative")
        config = self.config
        return SearchQuery(
            text, limit, offset, config.max_candidates, config.snippet_chars, wanted, facets
        )

    def _text(self, name: str, value: str | None) -> str | None:
        """Parameter `name` stripped and precomposed (NFC, as indexed text is); None stays None.

        422 naming it when it holds a NUL (never sent to the database) or is too long: the one
        check of every text parameter.
        """
        if value is None:
            return None
        if "\x00" in value:
            raise InvalidSearch.naming(name, "may not contain NUL characters")
        text = unicodedata.normalize("NFC", value.strip())
        if len(text) > self.config.max_query_length:
            raise InvalidSearch.naming(name, f"at most {self.config.max_query_length} characters")
        return text

    def _page_size(self, limit: int | None) -> int:
        """`limit`, or the default page size when None; 422 outside 1 to the largest page."""
        limit = self.config.default_page_size if limit is None else limit
        if not 1 <= limit <= self.config.max_page_size:
            raise InvalidSearch.naming("limit", f"between 1 and {self.config.max_page_size}")
        return limit

    async def _embedded(self, query: SearchQuery, mode: str | None) -> SearchQuery:
        """The query with its mode, and its vector unless it is matched by keywords only."""
        if mode is not None and mode not in MODES:
            raise InvalidSearch.naming("mode", f"one of {', '.join(MODES)}")
        if mode in ("semantic", "hybrid") and self.embedder is None:
            raise InvalidSearch.naming(
                "mode", f"{mode} needs an embedder; this clinic searches by keyword"
            )
        chosen = mode or ("hybrid" if self.embedder else "keyword")
        if chosen == "keyword" or self.embedder is None or not _WORD.search(query.text):
            return msgspec.structs.replace(query, mode="keyword")
        [vector] = await self.embedder.embed([query.text])
        return msgspec.structs.replace(query, mode=chosen, vector=tuple(vector))

    def _kinds(self, kinds: str | None) -> tuple[str, ...]:
        if not kinds:
            return tuple(self.readers)
        wanted = tuple(dict.fromkeys(k.strip() for k in kinds.split(",") if k.strip()))
        unknown = [k for k in wanted if k not in self.readers]
        if unknown or not wanted:
            known = ", ".join(self.readers)
            raise InvalidSearch.naming(
                "kind", f"unknown {', '.join(unknown) or '(none)'}; known: {known}"
            )
        return wanted


def performed(text: str, hits: int, principal: Principal, mode: str) -> SearchPerformed:
    """The event of one search: the normalised query's hash, never its text."""
    normal = " ".join(text.lower().split())
    role = next((r for r in _ROLE_ORDER if r in principal.roles), "")
    return SearchPerformed(
        query_hash=hashlib.sha256(normal.encode()).hexdigest(),
        mode=mode,
        hits=hits,
        caller_role=str(role),
    )
