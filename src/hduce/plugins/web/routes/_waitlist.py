"""What the portal's and the desk's waitlist pages share: entries with readable labels."""

from hduce.core.security import Principal
from hduce.plugins.web.routes._booking import bookable, desk_of, every_offer, names
from hduce.plugins.web.routes._days import zones_of
from hduce.plugins.web.services import WebServices

LIVE = frozenset({"waiting", "offered"})


async def waitlist_context(web: WebServices, principal: Principal) -> dict[str, object]:
    """The caller's visible entries (live ones first), offer labels, names and zones.

    `held`: the start of each offered entry's held time. An offer's time and deadline are on
    its practitioner's clock, like visits.
    """
    desk = desk_of(web)
    entries = await desk.waitlist(principal)
    entries.sort(key=lambda e: (e.status not in LIVE, e.from_date, e.created_at))
    choices = await every_offer(web)
    held = [e.offered_appointment_id for e in entries if e.status == "offered"]
    return {
        "entries": entries,
        "held": {i: (await desk.get(principal, i)).starts_at for i in held if i is not None},
        "labels": {value: label for value, label, _ in choices},
        "offers": bookable(choices),
        "who": await names(web, (e.patient_id for e in entries)),
        "zones": await zones_of(web, (e.practitioner_id for e in entries)),
    }
