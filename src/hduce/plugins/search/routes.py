"""HTTP route: `GET /api/v1/search`."""

from typing import Annotated

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from hduce.core.http import PageOffset, client_ip, problems
from hduce.core.security import principal_of
from hduce.plugins.search.schemas import SearchPage
from hduce.plugins.search.service import SearchService


class SearchController(Controller):
    """Search over patients, appointments and documents, limited to what the caller may see."""

    path = "/search"
    tags = ["search"]

    @get(responses=problems(422))
    async def search(
        self,
        request: Request,
        search_service: NamedDependency[SearchService],
        q: Annotated[str, QueryParameter(description="Words; each matches as a prefix.")] = "",
        kind: Annotated[
            str | None, QueryParameter(description="Comma-separated kinds, e.g. `patient`.")
        ] = None,
        limit: FromQuery[int | None] = None,
        offset: PageOffset = 0,
    ) -> SearchPage:
        """Entries matching every word of `q` (as-you-type prefixes), best first, highlighted."""
        return await search_service.search(
            principal_of(request),
            q=q,
            kinds=kind,
            limit=limit,
            offset=offset,
            ip=client_ip(request),
        )
