"""Working hours for admins: a practitioner's weekly windows, time zone and dated exceptions."""

import uuid
from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.appointments import ExceptionSpec, WeeklyHours, WeeklyWindow
from hduce.contracts.auth import Role
from hduce.core.errors import HduceError
from hduce.plugins.web.errors import BadInput
from hduce.plugins.web.routes._admin_types import practitioners, setup_of
from hduce.plugins.web.routes._booking import board_of, uuid_of
from hduce.plugins.web.routes._clock import clock, shown_clock
from hduce.plugins.web.routes._days import bounded, today_in, zones_of
from hduce.plugins.web.routes._render import form_page, go, typed, viewer
from hduce.plugins.web.services import WebServices

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SPARE_ROWS = 3
"""Empty rows under a practitioner's windows, for adding some."""
MAX_ROWS = 100
EXCEPTION = ("on_date", "kind", "start", "end", "reason")
"""The fields of the time-off and extra-hours form."""


def typed_rows(form: FormMultiDict) -> list[dict[str, str] | None]:
    """The rows of the hours form as typed, up to the last one filled in (blank ones None)."""
    rows: list[dict[str, str] | None] = []
    for i in range(MAX_ROWS):
        row = {
            key: str(form.get(f"{key}_{i}") or "").strip() for key in ("weekday", "start", "end")
        }
        rows.append(row if row["start"] or row["end"] else None)
    while rows and rows[-1] is None:
        rows.pop()
    return rows


def windows(rows: list[dict[str, str] | None]) -> list[WeeklyWindow]:
    """The weekly windows of the hours form's rows (blank rows skipped)."""
    found = []
    for number, row in enumerate(rows, start=1):
        if row is None:
            continue
        start = clock(row["start"], f"the start of row {number}")
        end = clock(row["end"], f"the end of row {number}")
        if start is None or end is None:
            raise BadInput(f"row {number} needs both a start and an end")
        if row["weekday"] not in {str(d) for d in range(7)}:
            raise BadInput(f"row {number} needs a weekday")
        found.append(WeeklyWindow(int(row["weekday"]), start, end))
    return found


@get("/admin/hours")
async def hours(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Choose a practitioner; their time zone, weekly windows and coming exceptions."""
    viewer(request, Role.ADMIN)
    chosen = request.query_params.get("practitioner")
    return await _hours_page(request, web, uuid_of(chosen, "the practitioner") if chosen else None)


async def _hours_page(
    request: Request,
    web: WebServices,
    practitioner: uuid.UUID | None,
    *,
    weekly: dict[str, Any] | None = None,
    exception: dict[str, str] | None = None,
    refusal: HduceError | None = None,
) -> Response[str]:
    """The hours page; the `weekly` or `exception` form a refusal came from as typed."""
    staff = await practitioners(web)
    current, exceptions = None, []
    if practitioner is not None:
        found = await board_of(web).hours([practitioner])
        current = found[0] if found else None
        exceptions = await setup_of(web).exceptions(practitioner)
    saved = {
        "timezone": current.timezone if current else "UTC",
        "rows": [
            {
                "weekday": str(w.weekday),
                "start": w.start.strftime("%H:%M"),
                "end": shown_clock(w.end),
            }
            for w in (current.weekly if current else ())
        ],
    }
    shown = weekly or saved
    return form_page(
        request,
        web,
        "admin/hours.html",
        title="Working hours",
        refusal=refusal,
        failed="weekly" if weekly else "exception" if exception else "",
        staff=staff,
        practitioner=practitioner,
        timezone=shown["timezone"],
        rows=[*shown["rows"], *([None] * SPARE_ROWS)],
        exceptions=exceptions,
        exception=exception or dict.fromkeys(EXCEPTION, ""),
        weekdays=WEEKDAYS,
    )


@post("/admin/hours/{practitioner_id:uuid}")
async def set_hours(
    request: Request, practitioner_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Replace the practitioner's time zone and weekly windows."""
    admin = viewer(request, Role.ADMIN)
    form = await request.form()
    weekly = {"timezone": str(form.get("timezone") or "").strip(), "rows": typed_rows(form)}
    try:
        hours = WeeklyHours(timezone=weekly["timezone"], weekly=tuple(windows(weekly["rows"])))
        await setup_of(web).set_hours(admin, practitioner_id, hours)
    except HduceError as exc:
        return await _hours_page(request, web, practitioner_id, weekly=weekly, refusal=exc)
    return _back_to_hours(request, practitioner_id)


@post("/admin/hours/{practitioner_id:uuid}/exceptions")
async def add_exception(
    request: Request, practitioner_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Add time off or extra hours on a date (today or later in the practitioner's zone)."""
    admin = viewer(request, Role.ADMIN)
    values = typed(await request.form(), EXCEPTION)
    try:
        spec = ExceptionSpec(
            on_date=await _coming_date(web, practitioner_id, values["on_date"]),
            kind=values["kind"],
            start=clock(values["start"], "the start"),
            end=clock(values["end"], "the end"),
            reason=values["reason"] or None,
        )
        await setup_of(web).add_exception(admin, practitioner_id, spec)
    except HduceError as exc:
        return await _hours_page(request, web, practitioner_id, exception=values, refusal=exc)
    return _back_to_hours(request, practitioner_id)


async def _coming_date(web: WebServices, practitioner_id: uuid.UUID, text: str) -> date:
    """The exception form's date, today or later in the practitioner's zone; 422 otherwise."""
    try:
        on_date = bounded(date.fromisoformat(text), "the date")
    except ValueError:
        raise BadInput("the date must be like 2026-01-31") from None
    zone = (await zones_of(web, [practitioner_id]))[practitioner_id]
    if on_date < today_in(zone):
        raise BadInput(f"{on_date} is in the past: time off and extra hours start from today")
    return on_date


@post("/admin/hours/{practitioner_id:uuid}/exceptions/{exception_id:uuid}/delete")
async def delete_exception(
    request: Request,
    practitioner_id: FromPath[uuid.UUID],
    exception_id: FromPath[uuid.UUID],
    web: NamedDependency[WebServices],
) -> Response[str]:
    """Remove an exception."""
    admin = viewer(request, Role.ADMIN)
    await setup_of(web).delete_exception(admin, practitioner_id, exception_id)
    return _back_to_hours(request, practitioner_id)


def _back_to_hours(request: Request, practitioner_id: uuid.UUID) -> Response[str]:
    """The hours page of the practitioner just changed."""
    return go(request, f"/admin/hours?practitioner={practitioner_id}")


HANDLERS = (hours, set_hours, add_exception, delete_exception)
