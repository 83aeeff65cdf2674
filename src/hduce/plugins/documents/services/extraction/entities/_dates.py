"""Dates: ISO, numeric in the configured day/month order, and with written months."""

import re
from datetime import date

from hduce.plugins.documents.services.extraction.entities._model import Builder

_MONTHS = {
    name: index
    for index, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
MONTHS = tuple(sorted(_MONTHS, key=len, reverse=True))
"""Month names and abbreviations, longest first."""
_MONTH = "|".join(MONTHS)


def date_builder(order: str) -> Builder:
    """Builds ISO dates; `order` (`dmy` or `mdy`) reads numeric dates such as 03/04/2026."""

    def build(match: re.Match[str]) -> tuple[str, float | None, str | None] | None:
        groups = match.groupdict()
        if groups.get("iso_year"):
            parts = (groups["iso_year"], groups["iso_month"], groups["iso_day"])
        elif groups.get("n_year"):
            first, second = groups["n_first"], groups["n_second"]
            day, month = (first, second) if order == "dmy" else (second, first)
            parts = (groups["n_year"], month, day)
        elif groups.get("d_year"):
            parts = (groups["d_year"], str(_MONTHS[groups["d_month"].lower()]), groups["d_day"])
        else:
            parts = (groups["m_year"], str(_MONTHS[groups["m_month"].lower()]), groups["m_day"])
        try:
            found = date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            return None
        return found.isoformat(), None, None

    return build


DATE = re.compile(
    r"\b(?:(?P<iso_year>\d{4})-(?P<iso_month>\d{2})-(?P<iso_day>\d{2})"
    r"|(?P<n_first>\d{1,2})[./](?P<n_second>\d{1,2})[./](?P<n_year>\d{4})"
    rf"|(?P<d_day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<d_month>{_MONTH})\.?,?\s+(?P<d_year>\d{{4}})"
    rf"|(?P<m_month>{_MONTH})\.?\s+(?P<m_day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<m_year>\d{{4}}))\b",
    re.IGNORECASE,
)
