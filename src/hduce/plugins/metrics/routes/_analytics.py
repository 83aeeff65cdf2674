"""`/api/v1/analytics`: the clinic's figures for administrators."""

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from hduce.contracts.auth import Role
from hduce.core.http import problems
from hduce.core.security import requires_roles
from hduce.plugins.metrics.schemas import ClinicAnalytics
from hduce.plugins.metrics.services import MetricsServices


class AnalyticsController(Controller):
    """Clinic figures for administrators."""

    path = "/analytics"
    tags = ["metrics"]
    guards = [requires_roles(Role.ADMIN)]

    @get(responses=problems(403, 422))
    async def get_analytics(
        self,
        metrics: NamedDependency[MetricsServices],
        start: FromQuery[str | None] = None,
        end: FromQuery[str | None] = None,
    ) -> ClinicAnalytics:
        """Appointments, accounts and deliveries over `[start, end)`.

        `start`/`end`: a date (`2026-12-01`, midnight UTC) or a date-time with an offset.
        Default: the last 30 days and the next 30 (upcoming appointments count).
        """
        return await metrics.analyst.analyse(start, end)
