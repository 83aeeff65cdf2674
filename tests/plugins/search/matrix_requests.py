"""Requests of the authorization matrix for the search routes.

Every member may search; what they find is limited by their role (tested in this folder), so the
matrix only checks who gets through: anyone signed in, never an anonymous caller.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from httpx import Response

from tests.plugins.search.helpers import API

Sender = Callable[[Any], Awaitable[Response]]


async def search_for_target(cell: Any) -> Response:
    """Search for the target's username as the caller."""
    return await cell.call("GET", f"{API}?q={cell.target.username}")


async def suggest_for_target(cell: Any) -> Response:
    """Ask for completions of the target's username as the caller."""
    return await cell.call("GET", f"{API}/suggest?q={cell.target.username[:3]}")


SEARCH_REQUESTS: dict[tuple[str, str], Sender] = {
    ("GET", API): search_for_target,
    ("GET", f"{API}/suggest"): suggest_for_target,
}
