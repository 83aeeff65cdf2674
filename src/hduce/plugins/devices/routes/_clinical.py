"""Routes for clinical data from devices: readings, alerts and per-patient thresholds."""

import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from hduce.contracts.auth import Role
from hduce.contracts.devices import ReadingQuery
from hduce.core.http import PageOffset, client_ip, problems
from hduce.core.schemas import Page
from hduce.core.security import Principal, requires_roles
from hduce.plugins.devices.errors import InvalidRequest
from hduce.plugins.devices.schemas import (
    AlertRead,
    Metric,
    ReadingPage,
    ThresholdRead,
    ThresholdSet,
)
from hduce.plugins.devices.services import DeviceServices
from hduce.plugins.devices.services._telemetry import UNITS

CLINICAL = [requires_roles(Role.DOCTOR, Role.NURSE)]
DOCTORS = [requires_roles(Role.DOCTOR)]
PageSize = Annotated[
    int,
    QueryParameter(
        ge=1,
        description="Items per page: at most `plugins.devices.max_page_size` (500 unless "
        "configured); a larger `limit` is a 422.",
    ),
]


def page_size(limit: int, devices: DeviceServices) -> int:
    """`limit` if no larger than the largest page; 422 naming it otherwise (never cut)."""
    if limit > devices.max_page_size:
        raise InvalidRequest.naming("limit", f"at most {devices.max_page_size}")
    return limit


def known_metric(metric: str) -> str:
    """`metric` if devices can send it; 422 otherwise."""
    if metric not in UNITS:
        raise InvalidRequest.naming(
            "metric", f"unknown {metric!r}; known: {', '.join(UNITS)}", "path"
        )
    return metric


class ReadingController(Controller):
    """Device readings: a patient's own, or any patient's for doctors and nurses."""

    path = "/devices/readings"
    tags = ["devices"]

    @get(responses=problems(403, 422))
    async def list_readings(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        devices: NamedDependency[DeviceServices],
        patient_id: FromQuery[uuid.UUID | None] = None,
        metric: FromQuery[Metric | None] = None,
        start: FromQuery[datetime | None] = None,
        end: FromQuery[datetime | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 100,
    ) -> ReadingPage:
        """Readings newest first in `[start, end)`; clinicians name the patient. Audited."""
        query = ReadingQuery(
            patient_id=patient_id,
            metric=metric,
            start=start,
            end=end,
            cursor=cursor,
            limit=page_size(limit, devices),
        )
        return await devices.readings.page(principal, query, ip=client_ip(request))


class AlertController(Controller):
    """Threshold alerts and per-patient thresholds, for doctors and nurses."""

    path = "/devices"
    tags = ["devices"]

    @get("/alerts", guards=CLINICAL, responses=problems(403, 422))
    async def list_alerts(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        devices: NamedDependency[DeviceServices],
        patient_id: FromQuery[uuid.UUID | None] = None,
        open_only: FromQuery[bool] = False,
        limit: PageSize = 100,
        offset: PageOffset = 0,
    ) -> Page[AlertRead]:
        """Alerts newest first; `open_only` leaves out acknowledged ones. Audited."""
        return await devices.alerts.page(
            principal,
            patient_id=patient_id,
            open_only=open_only,
            limit=page_size(limit, devices),
            offset=offset,
            ip=client_ip(request),
        )

    @post(
        "/alerts/{alert_id:uuid}/acknowledge",
        guards=CLINICAL,
        status_code=HTTP_200_OK,
        responses=problems(403, 404, 409),
    )
    async def acknowledge_alert(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        alert_id: FromPath[uuid.UUID],
        devices: NamedDependency[DeviceServices],
    ) -> AlertRead:
        """Mark an alert handled; the next breach of that metric raises a new alert."""
        return await devices.alerts.acknowledge(principal, alert_id, ip=client_ip(request))

    @get("/thresholds/{patient_id:uuid}", guards=CLINICAL, responses=problems(403, 422))
    async def list_thresholds(
        self,
        principal: NamedDependency[Principal],
        patient_id: FromPath[uuid.UUID],
        devices: NamedDependency[DeviceServices],
    ) -> list[ThresholdRead]:
        """The bounds in force for each metric of a patient (their own or the clinic's)."""
        return await devices.alerts.thresholds(principal, patient_id)

    @put("/thresholds/{patient_id:uuid}/{metric:str}", guards=DOCTORS, responses=problems(403, 422))
    async def set_threshold(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        patient_id: FromPath[uuid.UUID],
        metric: FromPath[str],
        data: JSONBody[ThresholdSet],
        devices: NamedDependency[DeviceServices],
    ) -> list[ThresholdRead]:
        """Set a patient's own bounds for one metric (doctors)."""
        return await devices.alerts.set_threshold(
            principal, patient_id, known_metric(metric), data, ip=client_ip(request)
        )

    @delete(
        "/thresholds/{patient_id:uuid}/{metric:str}",
        guards=DOCTORS,
        status_code=HTTP_200_OK,
        responses=problems(403, 422),
    )
    async def reset_threshold(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        patient_id: FromPath[uuid.UUID],
        metric: FromPath[str],
        devices: NamedDependency[DeviceServices],
    ) -> list[ThresholdRead]:
        """Go back to the clinic's default bounds for one metric of a patient (doctors)."""
        return await devices.alerts.reset_threshold(
            principal, patient_id, known_metric(metric), ip=client_ip(request)
        )
