"""The clinicians' search box: hits of every kind the API lets them see, grouped by kind."""

import re
from collections import defaultdict

from litestar import Request, Response, get
from litestar.di import NamedDependency
from markupsafe import Markup, escape

from hduce.contracts.search import FoundEntry
from hduce.core.errors import NotFound
from hduce.core.http import client_ip
from hduce.plugins.web.routes._clinician import CLINICIANS
from hduce.plugins.web.routes._render import render, viewer
from hduce.plugins.web.services import WebServices

HITS = 30
MARK = re.compile(r"</?mark>")
KIND_LABELS = {"patient": "Patients", "appointment": "Visits", "document": "Documents"}


def highlighted(snippet: str) -> Markup:
    """The snippet as HTML: its `<mark>` tags kept, anything else that looks like a tag escaped."""
    if "<" in MARK.sub("", snippet):
        return escape(snippet)
    # Search escapes the text itself and adds only <mark> tags around the matches.
    return Markup(snippet)


@get("/clinic/search")
async def search(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Hits for `q`, grouped by kind, with the matches highlighted in each snippet."""
    clinician = viewer(request, *CLINICIANS)
    if web.finder is None:
        raise NotFound("search is not enabled at this clinic")
    text = request.query_params.get("q", "").strip()
    groups: dict[str, list[FoundEntry]] = defaultdict(list)
    if text:
        for hit in await web.finder.find(clinician, text, limit=HITS, ip=client_ip(request)):
            groups[hit.kind].append(hit)
    return render(
        request,
        web,
        "clinician/search.html",
        title="Search",
        q=text,
        groups=[(KIND_LABELS.get(k, k.title()), k, hits) for k, hits in groups.items()],
        highlighted=highlighted,
    )


HANDLERS = (search,)
