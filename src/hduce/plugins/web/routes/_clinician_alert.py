"""A device alert for clinicians: the page the alert message links to, and acknowledging it."""

import uuid

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.devices import DeviceAlerts
from hduce.core.errors import NotFound
from hduce.plugins.web.routes._booking import names
from hduce.plugins.web.routes._clinician import CLINICIANS
from hduce.plugins.web.routes._days import own_zone
from hduce.plugins.web.routes._render import go, render, viewer
from hduce.plugins.web.services import WebServices


def alerts_of(services: WebServices) -> DeviceAlerts:
    """The alerts contract; 404 pages when the devices plugin is off."""
    if services.alerts is None:
        raise NotFound("devices are not enabled at this clinic")
    return services.alerts


@get("/clinic/alerts/{alert_id:uuid}")
async def alert_page(
    request: Request, alert_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """One alert (patient, reading, threshold, status) with its Acknowledge button."""
    clinician = viewer(request, *CLINICIANS)
    alert = await alerts_of(web).get(clinician, alert_id)
    patient = (await names(web, [alert.patient_id])).get(alert.patient_id, "A patient")
    return render(
        request,
        web,
        "clinician/alert.html",
        title=f"Alert: {patient}",
        alert=alert,
        patient=patient,
        zone=await own_zone(web, clinician.id),
    )


@post("/clinic/alerts/{alert_id:uuid}/acknowledge")
async def acknowledge(
    request: Request, alert_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Mark a device alert handled and return to its patient."""
    clinician = viewer(request, *CLINICIANS)
    alert = await alerts_of(web).acknowledge(clinician, alert_id)
    return go(request, f"/clinic/patients/{alert.patient_id}?acknowledged=1")


HANDLERS = (alert_page, acknowledge)
