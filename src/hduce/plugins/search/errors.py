"""Errors of the search plugin."""

from hduce.core.errors import HduceError


class InvalidSearch(HduceError):
    """The query is empty, too long, has no words, or names an unknown kind or a bad page."""

    status_code, slug, title = 422, "invalid-search", "Invalid search"


class SearchForbidden(HduceError):
    """The caller asked for entries their role may not filter on (another patient's)."""

    status_code, slug, title = 403, "search-forbidden", "Search not allowed"
