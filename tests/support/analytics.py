"""Reading the clinic analytics through the API, as an admin."""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.plugins.users.clinic import Clinic, Member

ANALYTICS = "/api/v1/analytics"


def iso_z(moment: datetime) -> str:
    """An instant with a `Z` offset (safe in query strings)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def this_hour() -> tuple[datetime, datetime]:
    """A period from a minute ago to an hour ahead: everything a test does now falls in it."""
    now = datetime.now(UTC)
    return now - timedelta(minutes=1), now + timedelta(hours=1)


async def analytics_sections(
    clinic: Clinic, admin: Member, start: datetime, end: datetime
) -> dict[str, Any]:
    """The analytics sections for `[start, end)`."""
    period = {"start": iso_z(start), "end": iso_z(end)}
    response = await clinic.client.get(ANALYTICS, params=period, headers=admin.headers)
    assert response.status_code == 200, response.text
    return response.json()["sections"]
