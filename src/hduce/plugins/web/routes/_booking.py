"""What the portal and the front desk share: the offer list, free slots, names, a day's range."""

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

import msgspec
from litestar import Request, Response

from hduce.contracts.appointments import (
    AppointmentDesk,
    AppointmentFilter,
    AppointmentView,
    BookingRequest,
    SlotBoard,
    SlotQuery,
    SlotTime,
)
from hduce.contracts.auth import AccountStatus
from hduce.contracts.users import Demographics
from hduce.core.errors import NotFound
from hduce.core.security import Principal
from hduce.plugins.web.errors import BadInput
from hduce.plugins.web.routes._days import (
    DEFAULT_ZONE,
    bounded,
    day_in,
    day_range,
    local_day,
    today_in,
    zones_of,
)
from hduce.plugins.web.routes._render import render
from hduce.plugins.web.services import WebServices

SHOWN_DAYS = 7
"""Days of free times a slot list shows from the chosen day."""


def desk_of(services: WebServices) -> AppointmentDesk:
    """The appointments contract; 404 pages when the appointments plugin is off."""
    if services.desk is None:
        raise NotFound("appointments are not enabled at this clinic")
    return services.desk


PAGE = 100
"""Visits read per call (the API's largest page)."""
MAX_REASON = 500
"""The longest reason for a visit the booking form takes."""


async def every_visit(
    services: WebServices, principal: Principal, query: AppointmentFilter, most: int = 1000
) -> list[AppointmentView]:
    """Every visit matching `query` the caller may see, page by page (at most `most`)."""
    visits: list[AppointmentView] = []
    while len(visits) < most:
        page = msgspec.structs.replace(query, limit=PAGE, offset=len(visits))
        found, total = await desk_of(services).search(principal, page)
        visits.extend(found)
        if not found or len(visits) >= total:
            break
    return visits


async def names(services: WebServices, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Full names by account id (people without a profile are left out)."""
    people = await services.people.demographics(list(set(ids)))
    return {p.id: full_name(p) for p in people}


def full_name(person: Demographics) -> str:
    """A person's first and last name (their e-mail address when they have none)."""
    return f"{person.first_name} {person.last_name}".strip() or person.email


def board_of(services: WebServices) -> SlotBoard:
    """The free-slot contract; 404 pages when the appointments plugin is off."""
    if services.board is None:
        raise NotFound("appointments are not enabled at this clinic")
    return services.board


async def every_offer(services: WebServices) -> list[tuple[str, str, bool]]:
    """Per active type and practitioner: (`<type id>:<practitioner id>`, label, bookable).

    Not bookable: the practitioner's account is not active (the API refuses their slots and
    bookings), though what they were offering keeps its label.
    """
    types = [t for t in await board_of(services).types() if t.active]
    people = await services.people.demographics(
        list({p for t in types for p in t.practitioner_ids})
    )
    who = {p.id: (full_name(p), p.status == AccountStatus.ACTIVE) for p in people}
    return [
        (f"{t.id}:{p}", f"{t.name} ({t.duration_minutes} min) with {name}", active)
        for t in types
        for p in t.practitioner_ids
        for name, active in [who.get(p, ("a practitioner", False))]
    ]


async def offers(services: WebServices) -> list[tuple[str, str]]:
    """The bookable choices of `every_offer`: (`<type id>:<practitioner id>`, label)."""
    return bookable(await every_offer(services))


def bookable(choices: Iterable[tuple[str, str, bool]]) -> list[tuple[str, str]]:
    """The (choice, label) of each bookable one of `choices` (of `every_offer`)."""
    return [(value, label) for value, label, is_bookable in choices if is_bookable]


def uuid_of(value: object, what: str) -> uuid.UUID:
    """A UUID from a form or query value; 422 otherwise."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise BadInput(f"{what} is not valid") from None


def date_of(value: object, what: str) -> date | None:
    """An ISO date from a form value (None when empty); 422 otherwise."""
    text = str(value or "").strip()
    try:
        return bounded(date.fromisoformat(text), what) if text else None
    except ValueError:
        raise BadInput(f"{what} must be a date like 2026-01-31") from None


def split_offer(value: object) -> tuple[uuid.UUID, uuid.UUID]:
    """(type id, practitioner id) of an offer choice."""
    type_part, _, practitioner_part = str(value).partition(":")
    return uuid_of(type_part, "the visit type"), uuid_of(practitioner_part, "the practitioner")


class FreeTimes(NamedTuple):
    """Free starts from a local day of the practitioner's, in their time zone.

    `last_day`: the furthest local day a visit may be booked on (the booking horizon);
    `today`: the practitioner's local day now.
    """

    zone: str
    day: date
    slots: list[SlotTime]
    last_day: date
    today: date

    def shown(self) -> dict[str, object]:
        """What the slots template shows: the day, the free starts, today and the horizon's day."""
        return {
            "day": self.day.isoformat(),
            "slots": self.slots,
            "zone": self.zone,
            "last_day": self.last_day,
            "past_day": self.day < self.today,
            "chosen_day": self.day,
            "today": self.today,
            "past_horizon": self.day > self.last_day,
            "at_horizon": self.day + timedelta(days=SHOWN_DAYS - 1) >= self.last_day,
        }


async def free_slots(
    services: WebServices, principal: Principal, offer: str, values: Mapping[str, Any]
) -> FreeTimes:
    """The free starts of an offer from the practitioner's local `day` of a query or a form.

    Today in their zone when `values` name no day; the six days after it are read too, for
    the next free one.
    """
    type_id, practitioner_id = split_offer(offer)
    zone = (await zones_of(services, [practitioner_id]))[practitioner_id]
    today = today_in(zone)
    day = day_in(values, today)
    start, end = day_range(day, zone, SHOWN_DAYS)
    query = SlotQuery(practitioner_id=practitioner_id, type_id=type_id, start=start, end=end)
    board = board_of(services)
    times = await board.slots(principal, query)
    last_day = local_day(board.bookable_until(principal), zone)
    return FreeTimes(zone, day, [t for t in times if t.free], last_day, today)


async def slots_fragment(
    request: Request, services: WebServices, principal: Principal, book_url: str
) -> Response[str]:
    """The free slots of the offer in the query (an htmx fragment); a slot posts to `book_url`."""
    offer = request.query_params.get("offer", "")
    found = await free_slots(services, principal, offer, request.query_params)
    return render(
        request,
        services,
        "_slots.html",
        title="",
        **found.shown(),
        offer=offer,
        book_url=book_url,
    )


def slot_start(form: Mapping[str, Any]) -> datetime:
    """The start a slot button posted; 422 otherwise."""
    try:
        return datetime.fromisoformat(str(form.get("starts_at", "")))
    except ValueError:
        raise BadInput("the slot's start is not a date and time") from None


async def book_from_form(
    services: WebServices,
    principal: Principal,
    form: Mapping[str, Any],
    patient_id: uuid.UUID | None,
) -> AppointmentView:
    """Book the slot a slot button posted (the constraint decides if it is still free)."""
    type_id, practitioner_id = split_offer(form.get("offer"))
    starts_at = slot_start(form)
    reason = str(form.get("reason", "")).strip() or None
    wanted = BookingRequest(
        patient_id=patient_id,
        practitioner_id=practitioner_id,
        type_id=type_id,
        starts_at=starts_at,
        reason=reason,
    )
    return await desk_of(services).book(principal, wanted)


async def booking_choices(
    services: WebServices, principal: Principal, values: Mapping[str, Any]
) -> dict[str, object]:
    """The booking form's values (of the query, or of a form posted back to it).

    With an `offer`, its free slots (works without JS).
    """
    offer = str(values.get("offer") or "")
    if offer:
        found = await free_slots(services, principal, offer, values)
    else:
        today = day_in(values, today_in(DEFAULT_ZONE))
        found = FreeTimes(DEFAULT_ZONE, today, [], today, today)
    return {
        "offers": await offers(services),
        "offer": offer,
        "reason": str(values.get("reason") or "").strip()[:MAX_REASON],
        **found.shown(),
    }
