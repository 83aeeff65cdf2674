"""Working hours for admins: a practitioner's weekly windows, time zone and dated exceptions."""

import uuid
from datetime import date, time

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.appointments import ExceptionSpec, WeeklyHours, WeeklyWindow
from hduce.contracts.auth import Role
from hduce.plugins.web.errors import BadInput
from hduce.plugins.web.routes._admin_types import practitioners, setup_of
from hduce.plugins.web.routes._booking import board_of, uuid_of
from hduce.plugins.web.routes._render import go, render, viewer
from hduce.plugins.web.services import WebServices

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SPARE_ROWS = 3
"""Empty rows under a practitioner's windows, for adding some."""
MAX_ROWS = 100


def clock(value: object, what: str) -> time | None:
    """A time from a form field (`HH:MM` or `HH:MM:SS`); None when blank; 422 otherwise."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{what} is not a time like 09:30") from None


def windows(form: FormMultiDict) -> list[WeeklyWindow]:
    """The weekly windows of the hours form: rows with a start and an end (blank rows skipped)."""
    found = []
    for row in range(MAX_ROWS):
        start = clock(form.get(f"start_{row}"), f"the start of row {row + 1}")
        end = clock(form.get(f"end_{row}"), f"the end of row {row + 1}")
        if start is None and end is None:
            continue
        if start is None or end is None:
            raise BadInput(f"row {row + 1} needs both a start and an end")
        weekday = str(form.get(f"weekday_{row}", ""))
        if weekday not in {str(d) for d in range(7)}:
            raise BadInput(f"row {row + 1} needs a weekday")
        found.append(WeeklyWindow(int(weekday), start, end))
    return found


@get("/admin/hours")
async def hours(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Choose a practitioner; their time zone, weekly windows and coming exceptions."""
    viewer(request, Role.ADMIN)
    staff = await practitioners(web)
    chosen = request.query_params.get("practitioner")
    practitioner = uuid_of(chosen, "the practitioner") if chosen else None
    current, exceptions = None, []
    if practitioner is not None:
        found = await board_of(web).hours([practitioner])
        current = found[0] if found else None
        exceptions = await setup_of(web).exceptions(practitioner)
    rows = list(current.weekly) if current else []
    return render(
        request,
        web,
        "admin/hours.html",
        title="Working hours",
        staff=staff,
        practitioner=practitioner,
        timezone=current.timezone if current else "UTC",
        rows=[*rows, *([None] * SPARE_ROWS)],
        exceptions=exceptions,
        weekdays=WEEKDAYS,
    )


@post("/admin/hours/{practitioner_id:uuid}")
async def set_hours(
    request: Request, practitioner_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Replace the practitioner's time zone and weekly windows."""
    admin = viewer(request, Role.ADMIN)
    form = await request.form()
    hours = WeeklyHours(timezone=str(form.get("timezone", "")).strip(), weekly=tuple(windows(form)))
    await setup_of(web).set_hours(admin, practitioner_id, hours)
    return _back_to_hours(request, practitioner_id)


@post("/admin/hours/{practitioner_id:uuid}/exceptions")
async def add_exception(
    request: Request, practitioner_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Add time off or extra hours on a date."""
    admin = viewer(request, Role.ADMIN)
    form = await request.form()
    try:
        on_date = date.fromisoformat(str(form.get("on_date", "")))
    except ValueError:
        raise BadInput("the date must be like 2026-01-31") from None
    spec = ExceptionSpec(
        on_date=on_date,
        kind=str(form.get("kind", "")),
        start=clock(form.get("start"), "the start"),
        end=clock(form.get("end"), "the end"),
        reason=str(form.get("reason", "")).strip() or None,
    )
    await setup_of(web).add_exception(admin, practitioner_id, spec)
    return _back_to_hours(request, practitioner_id)


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
