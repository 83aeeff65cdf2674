"""A date-time query parameter takes an RFC 3339 date-time that fits the calendar in UTC, or 422."""

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Annotated

import pytest
from litestar import Litestar, get
from litestar.params import FromQuery, QueryParameter

from hduce.core.config import Settings
from hduce.core.query_instants import instant_query_names
from tests.plugins.users.clinic import Clinic, every_plugin_settings, running_clinic

# Every date-time query parameter of the API, with what each route needs besides.
ROUTES = {
    "/api/v1/appointments": ("start", "end"),
    "/api/v1/appointments/slots": ("start", "end"),
    "/api/v1/audit": ("from", "to"),
    "/api/v1/devices/readings": ("start", "end"),
}
NUMBERS = ("2026", "0.5", "1900000000", "-1")
OUT_OF_RANGE = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00")


@get("/between")
async def between(
    start: FromQuery[datetime],
    upto: Annotated[datetime | None, QueryParameter(name="to")] = None,
    label: FromQuery[str | None] = None,
) -> str:
    """A route with a required and an optional date-time, and a text parameter."""
    return label or ""


def test_the_date_time_parameters_are_found_by_their_query_names() -> None:
    Litestar(route_handlers=[between])
    assert instant_query_names(between, frozenset()) == frozenset({"start", "to"})


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Clinic]:
    """Every plugin."""
    folder: Path = tmp_path_factory.mktemp("instants-documents")
    async with running_clinic(every_plugin_settings(settings, folder)) as running:
        yield running


async def test_a_bare_number_or_an_instant_past_the_calendar_is_a_422_naming_it(
    clinic: Clinic,
) -> None:
    # Seen: `?end=2026` was read as 2026 seconds after 1970, and a year-1 start at +14:00 was a
    # 422 naming no parameter (PostgreSQL's or the date arithmetic's refusal).
    admin = await clinic.member("admin")
    for path, names in ROUTES.items():
        for name in names:
            for value, said in [
                *((n, "RFC 3339") for n in NUMBERS),
                *((v, "range") for v in OUT_OF_RANGE),
            ]:
                answer = await clinic.client.get(path, params={name: value}, headers=admin.headers)
                assert answer.status_code == 422, (path, name, value, answer.text)
                problem = answer.json()
                assert problem["detail"].startswith(f"{name}: "), problem
                assert said in problem["detail"], problem
                (error,) = problem["errors"]
                assert (error["key"], error["source"]) == (name, "query")
        # A date-time with an offset, or without (UTC), passes this check as before; a route
        # may still want the offset (the appointment list's own rule).
        for value in ("2026-12-01T09:00:00+01:00", "2026-12-01T09:00:00"):
            answer = await clinic.client.get(path, params={names[0]: value}, headers=admin.headers)
            refused = answer.json().get("errors", []) if answer.status_code == 422 else []
            said = [error["message"] for error in refused if error.get("key") == names[0]]
            assert said in ([], ["a UTC offset is required"]), answer.text
