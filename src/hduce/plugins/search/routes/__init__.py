"""HTTP routes: `GET /api/v1/search` and `GET /api/v1/search/suggest`."""

from typing import Annotated

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import FromQuery, QueryParameter

from hduce.core.http import PageOffset, answer_example, client_ip, problems
from hduce.core.security import Principal
from hduce.plugins.search.schemas import SearchPage, Suggestions
from hduce.plugins.search.services import SearchService

FOUND = {
    "hits": [
        {
            "kind": "patient",
            "id": "0b7e5c1e-4f3a-4a8e-9d61-2f1c3b5a7e90",
            "title": "Ada Lovelace",
            "snippet": "<mark>Lovel</mark>ace, born 1985-12-10",
            "score": 0.91,
            "extra": {"username": "ada"},
        }
    ],
    "total": 1,
    "limit": 20,
    "offset": 0,
}


Facets = Annotated[
    str | None, QueryParameter(description="Counts: `kind,document_kind,date,entity,patient`.")
]
EntityKeys = Annotated[
    str | None, QueryParameter(description="Keys every hit has, e.g. `medication:metformin`.")
]
Day = Annotated[str | None, QueryParameter(description="A day, `YYYY-MM-DD` (both included).")]
PatientId = Annotated[str | None, QueryParameter(description="One patient's entries (staff).")]
Mode = Annotated[
    str | None,
    QueryParameter(
        description="`keyword`, `semantic` or `hybrid` (default: hybrid with an embedder, "
        "else keyword)."
    ),
]
ANSWERS = {**answer_example(200, SearchPage, "One patient found", FOUND), **problems(403, 422)}


class SearchController(Controller):
    """Search over patients, appointments and documents, limited to what the caller may see."""

    path = "/search"
    tags = ["search"]

    @get(responses=ANSWERS)
    async def search(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        search: NamedDependency[SearchService],
        q: Annotated[
            str,
            QueryParameter(
                description="Words; each matches as a prefix.",
                examples=[Example(summary="A surname, as typed", value="lovel")],
            ),
        ] = "",
        kind: Annotated[
            str | None, QueryParameter(description="Comma-separated kinds, e.g. `patient`.")
        ] = None,
        limit: FromQuery[int | None] = None,
        offset: PageOffset = 0,
        facets: Facets = None,
        entity: EntityKeys = None,
        date_from: Day = None,
        date_to: Day = None,
        patient_id: PatientId = None,
        mode: Mode = None,
    ) -> SearchPage:
        """Entries matching every word of `q` (as-you-type prefixes) and the filters, best first."""
        return await search.search(
            principal,
            q=q,
            kinds=kind,
            limit=limit,
            offset=offset,
            ip=client_ip(request),
            facets=facets,
            entity=entity,
            date_from=date_from,
            date_to=date_to,
            patient_id=patient_id,
            mode=mode,
        )

    @get("/suggest", responses=problems(422))
    async def suggest(
        self,
        principal: NamedDependency[Principal],
        search: NamedDependency[SearchService],
        q: Annotated[str, QueryParameter(description="What was typed so far.")] = "",
        limit: FromQuery[int | None] = None,
    ) -> Suggestions:
        """Completions of the last word as typed, from entries the caller may see, and terms."""
        return await search.suggest(principal, q=q, limit=limit)
