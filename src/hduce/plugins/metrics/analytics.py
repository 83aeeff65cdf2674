"""Clinic analytics: every plugin's figures for one period, gathered from the registry."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from hduce.core.errors import HduceError
from hduce.core.registry import Registry
from hduce.plugins.metrics.config import MetricsConfig


class InvalidPeriod(HduceError):
    """The period is reversed, has no UTC offset or is longer than allowed."""

    status_code, slug, title = 422, "invalid-period", "Invalid period"


class ClinicAnalytics(msgspec.Struct, frozen=True, kw_only=True):
    """Figures for `[start, end)`, one section per plugin that keeps any (e.g. `appointments`)."""

    start: datetime
    end: datetime
    sections: dict[str, Any]


class ClinicAnalyst:
    """Checks the period and asks every registered analytics source for its figures."""

    def __init__(self, registry: Registry, config: MetricsConfig) -> None:
        self._registry = registry
        self._config = config

    def period(self, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
        """The requested period, defaulting to the configured one ending now."""
        for name, value in (("start", start), ("end", end)):
            if value is not None and value.tzinfo is None:
                raise InvalidPeriod(f"{name}: a UTC offset is required, e.g. 2026-11-01T00:00Z")
        end = end or datetime.now(UTC)
        start = start or end - timedelta(seconds=self._config.analytics_default_period)
        if end <= start:
            raise InvalidPeriod("end must be after start")
        if (end - start).total_seconds() > self._config.analytics_max_period:
            days = self._config.analytics_max_period / 86400
            raise InvalidPeriod(f"the period is longer than the {days:g} days allowed")
        return start, end

    async def analyse(self, start: datetime | None, end: datetime | None) -> ClinicAnalytics:
        """Every source's figures for the period, computed concurrently."""
        first, last = self.period(start, end)
        sources = self._registry.analytics_sources
        figures = await asyncio.gather(*(source(first, last) for source in sources.values()))
        sections = dict(zip(sources, figures, strict=True))
        return ClinicAnalytics(start=first, end=last, sections=sections)
