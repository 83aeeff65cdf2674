"""A patient's page for clinicians: profile, care team, visits, documents, readings, alerts.

Acknowledging an alert (from here or from its own page) is in `_clinician_alert`.
"""

import uuid
from collections import defaultdict
from datetime import UTC, datetime

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.appointments import AppointmentFilter, AppointmentStatus, AppointmentView
from hduce.contracts.auth import Role
from hduce.contracts.devices import ReadingQuery
from hduce.contracts.documents import DocumentQuery, DocumentView
from hduce.contracts.users import Demographics
from hduce.core.errors import NotFound
from hduce.core.security import Principal
from hduce.plugins.web.routes._booking import every_visit, names
from hduce.plugins.web.routes._clinician import CLINICIANS
from hduce.plugins.web.routes._clinician_readings import MetricTrend, trends
from hduce.plugins.web.routes._days import own_zone, zones_of
from hduce.plugins.web.routes._render import render, viewer
from hduce.plugins.web.services import WebServices

VISITS_SHOWN = 200
DOCUMENTS_SHOWN = 50
READINGS_READ = 500
TO_COME = frozenset(
    {
        AppointmentStatus.BOOKED,
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.CHECKED_IN,
        AppointmentStatus.IN_PROGRESS,
    }
)
"""Visits listed as upcoming until their end; any other status is listed with the past ones."""
"""The newest readings read for the trends (of every metric together)."""


async def patient_of(services: WebServices, patient_id: uuid.UUID) -> Demographics:
    """The patient's demographics; 404 when the id names no patient."""
    found = await services.people.demographics([patient_id])
    if not found or Role.PATIENT not in found[0].roles:
        raise NotFound("no such patient")
    return found[0]


@get("/clinic/patients/{patient_id:uuid}")
async def patient_page(
    request: Request, patient_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Everything a doctor or nurse may see of one patient, on one page.

    Visits are on their practitioner's clock; readings, alerts and documents on the viewer's
    (their own visits') clock, or the clinic's when they set no hours.
    """
    clinician = viewer(request, *CLINICIANS)
    patient = await patient_of(web, patient_id)
    team = await web.care.clinicians(patient_id)
    visits = await _visits(web, clinician, patient_id)
    now = datetime.now(UTC)
    who = await names(web, [*team, *(v.practitioner_id for v in visits)])
    return render(
        request,
        web,
        "clinician/patient.html",
        title=f"{patient.first_name} {patient.last_name}".strip() or patient.email,
        patient=patient,
        team=team,
        who=who,
        zones=await zones_of(web, (v.practitioner_id for v in visits)),
        zone=await own_zone(web, clinician.id),
        upcoming=[v for v in visits if _to_come(v, now)],
        past=[v for v in reversed(visits) if not _to_come(v, now)],
        documents=await _documents(web, clinician, patient_id),
        trends=await _trends(web, clinician, patient_id),
        alerts=await web.alerts.open_alerts(clinician, patient_id) if web.alerts else [],
        devices_on=web.readings is not None,
    )


def _to_come(visit: AppointmentView, now: datetime) -> bool:
    """Whether a visit is still to come or under way (not over, nor completed or called off)."""
    return visit.status in TO_COME and visit.ends_at >= now


async def _visits(
    services: WebServices, clinician: Principal, patient_id: uuid.UUID
) -> list[AppointmentView]:
    """The patient's visits the clinician may see (the API's rule: their own), by start."""
    if services.desk is None:
        return []
    return await every_visit(
        services, clinician, AppointmentFilter(patient_id=patient_id), VISITS_SHOWN
    )


async def _documents(
    services: WebServices, clinician: Principal, patient_id: uuid.UUID
) -> list[tuple[DocumentView, dict[str, list[str]]]]:
    """The patient's newest documents, each with its extracted entities grouped by kind."""
    if services.shelf is None or services.documents is None:
        return []
    query = DocumentQuery(patient_id=patient_id, limit=DOCUMENTS_SHOWN)
    shown, _ = await services.shelf.page(clinician, query)
    summaries = await services.documents.summaries([d.id for d in shown])
    keys = {s.id: s.entity_keys for s in summaries}
    found = []
    for document in shown:
        grouped: dict[str, list[str]] = defaultdict(list)
        for key in keys.get(document.id, ()):
            kind, _, value = key.partition(":")
            grouped[kind.replace("_", " ")].append(value)
        found.append((document, dict(grouped)))
    return found


async def _trends(
    services: WebServices, clinician: Principal, patient_id: uuid.UUID
) -> list[MetricTrend]:
    """Per metric, the newest reading and a sparkline of the latest ones."""
    if services.readings is None:
        return []
    query = ReadingQuery(patient_id=patient_id, limit=READINGS_READ)
    readings, _ = await services.readings.page(clinician, query)
    return trends(readings)


HANDLERS = (patient_page,)
