"""Clinic analytics for admins: no-show rate by week, utilisation, notifications sent."""

import asyncio
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.di import NamedDependency

from hduce.contracts.auth import Role
from hduce.plugins.web.routes._admin_charts import BarChart, bar_chart
from hduce.plugins.web.routes._booking import names
from hduce.plugins.web.routes._render import render, viewer
from hduce.plugins.web.services import WebServices

WEEKS = 8
PERIOD = timedelta(days=30)
SENT = ("sent", "logged")
"""Delivery statuses that count as sent (`logged`: an e-mail written to the log)."""


async def _figures(
    web: WebServices, name: str, start: datetime, end: datetime
) -> dict[str, Any] | None:
    """One analytics source's figures for `[start, end)` as plain data (None if it is off)."""
    source = web.analytics().get(name)
    return msgspec.to_builtins(await source(start, end)) if source else None


async def _no_shows(web: WebServices, today: datetime) -> BarChart:
    """The no-show rate of each of the last weeks, oldest first."""
    starts = [today - timedelta(weeks=w) for w in range(WEEKS, 0, -1)]
    weeks = await asyncio.gather(
        *(_figures(web, "appointments", s, s + timedelta(weeks=1)) for s in starts)
    )
    values = [
        (f"week of {s:%d %b}", figures["no_show_rate"] if figures else None)
        for s, figures in zip(starts, weeks, strict=True)
    ]
    return bar_chart("No-show rate by week", values, percent=True)


async def _utilisation(web: WebServices, start: datetime, end: datetime) -> BarChart:
    """Booked over open time per practitioner."""
    figures = await _figures(web, "appointments", start, end)
    loads = (
        {uuid.UUID(p["practitioner_id"]): p for p in figures["practitioners"]} if figures else {}
    )
    who = await names(web, loads)
    values = [(who.get(p, "a practitioner"), load["utilization"]) for p, load in loads.items()]
    return bar_chart("Utilisation by practitioner", sorted(values), percent=True)


async def _sends(web: WebServices, start: datetime, end: datetime) -> BarChart:
    """Deliveries sent and failed per channel."""
    figures = await _figures(web, "notifications", start, end)
    channels = sorted((figures or {}).get("by_channel", {}).items())
    values: list[tuple[str, float | None]] = []
    for channel, counts in channels:
        values.append((f"{channel} sent", float(sum(counts.get(s, 0) for s in SENT))))
        values.append((f"{channel} failed", float(counts.get("failed", 0))))
    return bar_chart("Notifications by channel", values)


@get("/admin/analytics")
async def analytics(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Bar charts of the clinic's figures: the last weeks and the last 30 days."""
    viewer(request, Role.ADMIN)
    today = datetime.combine(datetime.now(UTC).date(), time(), tzinfo=UTC)
    end = today + timedelta(days=1)
    charts = [
        await _no_shows(web, end),
        await _utilisation(web, end - PERIOD, end),
        await _sends(web, end - PERIOD, end),
    ]
    return render(
        request, web, "admin/analytics.html", title="Analytics", charts=charts, since=end - PERIOD
    )


HANDLERS = (analytics,)
