"""`/health/detailed` and `/metrics`, at the root (core serves `/health`, liveness)."""

import asyncio
import contextlib

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from hduce.core.http import problems
from hduce.plugins.metrics.schemas import HealthReport
from hduce.plugins.metrics.services import MetricsServices

# Litestar adds `charset=utf-8` to every text type: named twice, Prometheus 3 refuses it.
EXPOSITION_TYPE = CONTENT_TYPE_LATEST.removesuffix("; charset=utf-8")


class HealthController(Controller):
    """Readiness and Prometheus metrics."""

    tags = ["metrics"]
    opt = {"exclude_from_auth": True}

    @get(
        "/health/detailed",
        responses={
            503: ResponseSpec(data_container=HealthReport, description="A dependency is down"),
            **problems(401, 403),
        },
    )
    async def health_detailed(
        self,
        request: Request,
        metrics: NamedDependency[MetricsServices],
    ) -> Response[HealthReport]:
        """Readiness: database, NATS, outbox backlog, task lag and every plugin's checks.

        For admins (access token), probes holding `health_token`, and local clients; the
        checks run at most once per `health_cache` (one second by default).
        """
        metrics.health_access.check(request)
        report = await metrics.probe.report()
        status = HTTP_200_OK if report.ok else HTTP_503_SERVICE_UNAVAILABLE
        return Response(report, status_code=status)

    @get("/metrics", include_in_schema=False)
    async def metrics(
        self, request: Request, metrics: NamedDependency[MetricsServices]
    ) -> Response[bytes]:
        """Prometheus text exposition, for the readers of the health details."""
        metrics.health_access.check(request)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(metrics.probe.report(), 5)
        return Response(generate_latest(REGISTRY), media_type=EXPOSITION_TYPE)
