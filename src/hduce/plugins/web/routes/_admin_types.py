"""Appointment types for admins: what visits the clinic offers, how long, and with whom."""

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.appointments import ClinicSetup, TypeSpec
from hduce.contracts.auth import CLINICAL_ROLES, AccountStatus, Role
from hduce.contracts.users import Demographics, PeopleQuery
from hduce.core.errors import HduceError, NotFound
from hduce.core.numbers import whole_number
from hduce.plugins.web.errors import BadInput
from hduce.plugins.web.routes._booking import board_of, full_name, uuid_of
from hduce.plugins.web.routes._render import form_page, go, typed, viewer
from hduce.plugins.web.services import WebServices

PRACTITIONERS_SHOWN = 200
MINUTES_READ = 1_000_000
"""The largest length read as a number: the set-up's own rule (5 to 480) says what is allowed."""


def setup_of(services: WebServices) -> ClinicSetup:
    """The set-up contract; 404 pages when the appointments plugin is off."""
    if services.setup is None:
        raise NotFound("appointments are not enabled at this clinic")
    return services.setup


async def practitioners(services: WebServices) -> dict[uuid.UUID, str]:
    """Active doctors and nurses by id, with their names, by name."""
    query = PeopleQuery(
        roles=frozenset(CLINICAL_ROLES), active_only=True, limit=PRACTITIONERS_SHOWN
    )
    found, _ = await services.people.search(query)
    return {p.id: full_name(p) for p in found}


def _minutes(raw: str) -> int:
    minutes = whole_number(raw, MINUTES_READ)
    if minutes is None:
        raise BadInput("the length must be a whole number of minutes")
    return minutes


@get("/admin/types")
async def types(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Every appointment type, an edit form for each and one to add a type."""
    viewer(request, Role.ADMIN)
    return await _types_page(request, web, {})


async def _types_page(
    request: Request,
    web: WebServices,
    values: dict[str, Any],
    refusal: HduceError | None = None,
) -> Response[str]:
    """The types and their forms; the one `values["key"]` names (a type id, or "new") as typed."""
    offered = await board_of(web).types()
    staff = await practitioners(web)
    listed = await web.people.demographics(list({p for t in offered for p in t.practitioner_ids}))
    who = {p.id: _labelled(p) for p in listed} | staff
    # A type's own practitioners stay ticked in its form, active or not (on leave, say), so
    # saving the type never drops one the form did not show.
    choices = {
        t.id: staff | {p: who.get(p, "a practitioner") for p in t.practitioner_ids} for t in offered
    }
    return form_page(
        request,
        web,
        "admin/types.html",
        title="Visit types",
        refusal=refusal,
        types=offered,
        staff=staff,
        choices=choices,
        who=who,
        typed=values,
    )


def _labelled(person: Demographics) -> str:
    """A practitioner's name, saying so when their account is not active."""
    name = full_name(person)
    return name if person.status == AccountStatus.ACTIVE else f"{name} (account not active)"


async def _save(request: Request, web: WebServices, type_id: uuid.UUID | None) -> Response[str]:
    admin = viewer(request, Role.ADMIN)
    form = await request.form()
    values = {
        **typed(form, ("name", "duration_minutes")),
        "practitioners": [str(p) for p in form.getall("practitioners", [])],
        "active": form.get("active") == "on",
        "key": str(type_id or "new"),
    }
    try:
        spec = TypeSpec(
            name=values["name"],
            duration_minutes=_minutes(values["duration_minutes"]),
            practitioner_ids=[uuid_of(p, "a practitioner") for p in values["practitioners"]],
            active=values["active"],
        )
        await setup_of(web).save_type(admin, type_id, spec)
    except HduceError as exc:
        return await _types_page(request, web, values, exc)
    return go(request, "/admin/types")


@post("/admin/types")
async def create_type(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Add a visit type."""
    return await _save(request, web, None)


@post("/admin/types/{type_id:uuid}")
async def update_type(
    request: Request, type_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Change a visit type's name, length, practitioners or whether it is offered."""
    return await _save(request, web, type_id)


HANDLERS = (types, create_type, update_type)
