"""Visit notes: the clinician reads and replaces a visit's clinical notes."""

import uuid

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.core.errors import HduceError
from hduce.core.security import Principal
from hduce.plugins.web.routes._booking import desk_of, names
from hduce.plugins.web.routes._clinician import CLINICIANS
from hduce.plugins.web.routes._days import local_day, visit_day, zones_of
from hduce.plugins.web.routes._render import form_page, go, viewer
from hduce.plugins.web.services import WebServices


@get("/clinic/visits/{visit_id:uuid}/notes")
async def notes_page(
    request: Request, visit_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """The visit and its notes in a form (the read is audited)."""
    return await _notes_page(request, web, viewer(request, *CLINICIANS), visit_id)


@post("/clinic/visits/{visit_id:uuid}/notes")
async def save_notes(
    request: Request, visit_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Replace the visit's notes, then back to the day of the visit; refused, the form again."""
    clinician = viewer(request, *CLINICIANS)
    text = str((await request.form()).get("notes", ""))
    desk = desk_of(web)
    try:
        await desk.set_notes(clinician, visit_id, text)
    except HduceError as exc:
        return await _notes_page(request, web, clinician, visit_id, text, exc)
    visit = await desk.get(clinician, visit_id)
    return go(request, f"/clinic?day={await visit_day(web, visit)}&saved=1")


async def _notes_page(
    request: Request,
    web: WebServices,
    clinician: Principal,
    visit_id: uuid.UUID,
    typed: str | None = None,
    refusal: HduceError | None = None,
) -> Response[str]:
    """The notes form with the stored notes, or with the `typed` ones `refusal` refused."""
    desk = desk_of(web)
    visit = await desk.get(clinician, visit_id)
    who = await names(web, [visit.patient_id])
    zones = await zones_of(web, [visit.practitioner_id])
    return form_page(
        request,
        web,
        "clinician/notes.html",
        title="Visit notes",
        refusal=refusal,
        visit=visit,
        patient=who.get(visit.patient_id, "the patient"),
        notes=await desk.notes(clinician, visit_id) or "" if typed is None else typed,
        zone=zones[visit.practitioner_id],
        day=local_day(visit.starts_at, zones[visit.practitioner_id]),
    )


HANDLERS = (notes_page, save_notes)
