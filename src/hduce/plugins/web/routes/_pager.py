"""Paging of the admin lists: one page size, the `offset` query value and the pager's values."""

from litestar import Request

from hduce.core.http import MAX_OFFSET
from hduce.core.numbers import whole_number
from hduce.plugins.web.errors import BadInput

PAGE = 50
"""Rows on one page of an admin list."""


def offset_of(request: Request) -> int:
    """The `offset` query value (0 when absent); 422 when it is not a whole number in range."""
    offset = whole_number(request.query_params.get("offset", "0"), MAX_OFFSET)
    if offset is None:
        raise BadInput(f"offset must be a whole number from 0 to {MAX_OFFSET:,}")
    return offset


def pager(offset: int, total: int) -> dict[str, int]:
    """What `admin/_pager.html` links from: where this page starts, the page size, the total."""
    return {"offset": offset, "page": PAGE, "total": total}
