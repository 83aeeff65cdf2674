"""The page size of the users plugin's listings."""

from hduce.plugins.users.errors import InvalidQuery

DEFAULT_PAGE_SIZE = 50


def page_limit(limit: int | None, max_page_size: int) -> int:
    """The asked page size, or the default; more than `max_page_size` is refused (422)."""
    limit = limit or min(DEFAULT_PAGE_SIZE, max_page_size)
    if limit > max_page_size:
        raise InvalidQuery.naming("limit", f"at most {max_page_size}")
    return limit
