"""Horizontal bar charts drawn on the server as SVG (no script, no inline style)."""

from dataclasses import dataclass

LABEL_WIDTH, BAR_WIDTH, ROW = 160, 320, 26
"""Pixels: the labels' column, the longest bar, one row."""


@dataclass(frozen=True)
class Bar:
    """One row of a chart: its label, the value as shown, and the bar's length and place."""

    label: str
    shown: str
    length: float
    y: int


@dataclass(frozen=True)
class BarChart:
    """A titled chart: its rows and the SVG's size."""

    title: str
    bars: list[Bar]
    width: int = LABEL_WIDTH + BAR_WIDTH + 80
    label_width: int = LABEL_WIDTH
    row: int = ROW

    @property
    def height(self) -> int:
        """The SVG's height: one row per bar."""
        return max(len(self.bars), 1) * self.row


def bar_chart(
    title: str, values: list[tuple[str, float | None]], *, percent: bool = False
) -> BarChart:
    """Bars scaled to the largest value (a rate to 100 %); None is shown as "no data"."""
    top = 1.0 if percent else max((v for _, v in values if v), default=0.0) or 1.0
    bars = []
    for index, (label, value) in enumerate(values):
        shown = "no data" if value is None else _shown(value, percent)
        length = round(BAR_WIDTH * min((value or 0) / top, 1.0), 1)
        bars.append(Bar(label=label, shown=shown, length=length, y=index * ROW))
    return BarChart(title=title, bars=bars)


def _shown(value: float, percent: bool) -> str:
    return f"{value * 100:.1f} %" if percent else f"{value:g}"
