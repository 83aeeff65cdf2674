"""Errors of the search plugin."""

from hduce.core.errors import HduceError


class InvalidSearch(HduceError):
    """The query is empty, too long, has no words, or names an unknown kind or a bad page."""

    status_code, slug, title = 422, "invalid-search", "Invalid search"
