"""A patient's latest readings per metric, each with a small server-drawn sparkline."""

from collections import defaultdict
from dataclasses import dataclass

from hduce.contracts.devices import ReadingView

WIDTH, HEIGHT, PAD = 120.0, 32.0, 2.0
"""The sparkline's view box and the margin kept inside it."""
POINTS = 30
"""Readings drawn per metric (the newest)."""


@dataclass(frozen=True)
class MetricTrend:
    """One metric: its newest reading, the range drawn and the polyline's points."""

    metric: str
    latest: ReadingView
    count: int
    low: float
    high: float
    points: str


def sparkline(values: list[float]) -> str:
    """SVG polyline points for `values` (oldest first) scaled into the view box."""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    return " ".join(
        f"{PAD + i * step:.1f},{HEIGHT - PAD - (v - low) / span * (HEIGHT - 2 * PAD):.1f}"
        for i, v in enumerate(values)
    )


def trends(readings: list[ReadingView]) -> list[MetricTrend]:
    """One trend per metric, by metric name, from readings given newest first."""
    by_metric: dict[str, list[ReadingView]] = defaultdict(list)
    for reading in readings:
        if len(by_metric[reading.metric]) < POINTS:
            by_metric[reading.metric].append(reading)
    found = []
    for metric, newest_first in sorted(by_metric.items()):
        values = [r.value for r in reversed(newest_first)]
        found.append(
            MetricTrend(
                metric=metric,
                latest=newest_first[0],
                count=len(values),
                low=min(values),
                high=max(values),
                points=sparkline(values),
            )
        )
    return found
