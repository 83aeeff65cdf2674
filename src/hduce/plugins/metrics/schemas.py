"""What the metrics plugin answers: the health report and the clinic analytics."""

from datetime import datetime
from typing import Any

import msgspec

from hduce.core.registry import HealthStatus


class HealthReport(msgspec.Struct, frozen=True):
    """The body of `/health/detailed`."""

    status: str
    checks: dict[str, HealthStatus]

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(check.ok for check in self.checks.values())


class ClinicAnalytics(msgspec.Struct, frozen=True, kw_only=True):
    """Figures for `[start, end)`, one section per plugin that keeps any (e.g. `appointments`)."""

    start: datetime
    end: datetime
    sections: dict[str, Any]
