"""Clinic analytics: every plugin's figures for one period, gathered from the registry."""

import asyncio
from datetime import UTC, date, datetime, timedelta

from hduce.core.errors import FieldError
from hduce.core.registry import Registry
from hduce.plugins.metrics.config import MetricsConfig
from hduce.plugins.metrics.errors import InvalidPeriod
from hduce.plugins.metrics.schemas import ClinicAnalytics


class ClinicAnalyst:
    """Checks the period and asks every registered analytics source for its figures."""

    def __init__(self, registry: Registry, config: MetricsConfig) -> None:
        self._registry = registry
        self._config = config

    def period(self, start: str | None, end: str | None) -> tuple[datetime, datetime]:
        """The requested period; by default the configured one up to now plus the days ahead.

        Days ahead are in by default so booked, upcoming visits show in the figures. A start
        alone runs to that default end, or for the configured period when it is later; an end
        alone goes back the configured period.
        """
        first, last = _instant("start", start), _instant("end", end)
        now = datetime.now(UTC)
        back = timedelta(seconds=self._config.analytics_default_period)
        ahead = now + timedelta(seconds=self._config.analytics_default_ahead)
        try:
            end = last or (ahead if first is None else max(ahead, first + back))
            start = first or (last or now) - back
        except OverflowError:  # one of them alone, at an end of the calendar
            given = "start" if first is not None else "end"
            raise _refused(given, "the default period beside it leaves the calendar") from None
        if end <= start:
            raise InvalidPeriod("end must be after start")
        if (end - start).total_seconds() > self._config.analytics_max_period:
            days = self._config.analytics_max_period / 86400
            raise InvalidPeriod(f"the period is longer than the {days:g} days allowed")
        return start, end

    async def analyse(self, start: str | None, end: str | None) -> ClinicAnalytics:
        """Every source's figures for the period, computed concurrently."""
        first, last = self.period(start, end)
        # Read now, not in setup: every plugin set up after this one adds its source too.
        sources = self._registry.analytics_sources
        figures = await asyncio.gather(*(source(first, last) for source in sources.values()))
        sections = dict(zip(sources, figures, strict=True))
        return ClinicAnalytics(start=first, end=last, sections=sections)


def _instant(name: str, value: str | None) -> datetime | None:
    """A query value as an instant: a date is its midnight UTC; a date-time needs an offset."""
    if value is None:
        return None
    example = "e.g. 2026-11-01 or 2026-11-01T00:00Z"
    try:
        if len(value) == len("2026-11-01"):
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _refused(name, f"{value!r} is not a date or a date-time, {example}") from None
    if moment.tzinfo is None:
        raise _refused(name, f"a UTC offset is required, {example}")
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise _refused(name, f"{value!r} is out of range once in UTC (years 1 to 9999)") from None
    return moment


def _refused(name: str, message: str) -> InvalidPeriod:
    """The 422 for the query parameter `name`, named in its `errors` too."""
    error = FieldError(message=message, key=name, source="query")
    return InvalidPeriod(f"{name}: {message}", errors=[error])
