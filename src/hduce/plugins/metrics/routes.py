"""`/health`, `/health/detailed`, `/metrics` and the clinic analytics."""

import asyncio
import contextlib

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from hduce.contracts.auth import Role
from hduce.core.http import problems
from hduce.core.security import requires_roles
from hduce.plugins.metrics.access import HealthAccess
from hduce.plugins.metrics.analytics import ClinicAnalyst, ClinicAnalytics
from hduce.plugins.metrics.probe import HealthProbe, HealthReport


class HealthController(Controller):
    """Liveness, readiness and Prometheus metrics."""

    tags = ["metrics"]
    opt = {"exclude_from_auth": True}

    @get("/health", sync_to_thread=False)
    def health(self) -> dict[str, str]:
        """Liveness: the process is up and serving (no I/O)."""
        return {"status": "ok"}

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
        metrics_probe: NamedDependency[HealthProbe],
        metrics_health_access: NamedDependency[HealthAccess],
    ) -> Response[HealthReport]:
        """Readiness: database, NATS, outbox backlog, task lag and every plugin's checks.

        For admins (access token), probes holding `health_token`, and local clients; the
        checks run at most once per `health_cache` (one second by default).
        """
        metrics_health_access.check(request)
        report = await metrics_probe.report()
        status = HTTP_200_OK if report.ok else HTTP_503_SERVICE_UNAVAILABLE
        return Response(report, status_code=status)

    @get("/metrics", include_in_schema=False)
    async def metrics(self, metrics_probe: NamedDependency[HealthProbe]) -> Response[bytes]:
        """Prometheus text exposition."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(metrics_probe.report(), 5)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


class AnalyticsController(Controller):
    """Clinic figures for administrators."""

    path = "/analytics"
    tags = ["metrics"]
    guards = [requires_roles(Role.ADMIN)]

    @get(responses=problems(403, 422))
    async def get_analytics(
        self,
        clinic_analyst: NamedDependency[ClinicAnalyst],
        start: FromQuery[str | None] = None,
        end: FromQuery[str | None] = None,
    ) -> ClinicAnalytics:
        """Appointments, accounts and deliveries over `[start, end)`.

        `start`/`end`: a date (`2026-12-01`, midnight UTC) or a date-time with an offset.
        Default: the last 30 days and the next 30 (upcoming appointments count).
        """
        return await clinic_analyst.analyse(start, end)
