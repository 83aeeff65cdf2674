"""What the portal's and the desk's waitlist pages share: entries with readable labels."""

from hduce.core.security import Principal
from hduce.plugins.web.routes._booking import desk_of, names, offers
from hduce.plugins.web.routes._days import zones_of
from hduce.plugins.web.services import WebServices

LIVE = frozenset({"waiting", "offered"})


async def waitlist_context(web: WebServices, principal: Principal) -> dict[str, object]:
    """The caller's visible entries (live ones first), offer labels, names and zones.

    An offer's deadline is on its practitioner's clock, like visits.
    """
    entries = await desk_of(web).waitlist(principal)
    entries.sort(key=lambda e: (e.status not in LIVE, e.from_date, e.created_at))
    choices = await offers(web)
    return {
        "entries": entries,
        "labels": dict(choices),
        "offers": choices,
        "who": await names(web, (e.patient_id for e in entries)),
        "zones": await zones_of(web, (e.practitioner_id for e in entries)),
    }
