"""Absolute URLs in FHIR answers start at `server.public_url`, not at the request's Host."""

from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.appointments.helpers import iso, open_practice, two_days_ahead_at
from tests.plugins.fhir.conftest import fhir_settings
from tests.plugins.fhir.test_appointments import booking_body
from tests.plugins.fhir.test_patients import BASE
from tests.plugins.users.clinic import Clinic, running_clinic

PUBLIC = "https://clinic.example/"
FORGED = {"Host": "evil.example"}


@pytest.fixture(scope="module")
async def public_clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """The FHIR clinic with `server.public_url` configured."""
    base = fhir_settings(settings)
    server = msgspec.structs.replace(base.server, public_url=PUBLIC)
    async with running_clinic(msgspec.structs.replace(base, server=server)) as running:
        yield running


def urls(answer: Any) -> list[str]:
    """Every absolute URL of a FHIR answer: links, fullUrls, Location, attachments, metadata."""
    assert answer.status_code in (200, 201), answer.text
    body = answer.json()
    found = [link["url"] for link in body.get("link", [])]
    found += [entry["fullUrl"] for entry in body.get("entry", [])]
    found += [c["attachment"]["url"] for c in body.get("content", [])]
    found += [body["implementation"]["url"]] if "implementation" in body else []
    return found + [answer.headers[name] for name in ("location",) if name in answer.headers]


async def answers(clinic: Clinic) -> list[Any]:
    """A search, the metadata, a booking and a document read, each with a forged Host."""
    patient = await clinic.member("patient")
    headers = {**patient.headers, **FORGED}
    practice = await open_practice(clinic)
    body = booking_body(practice, None, iso(two_days_ahead_at(9)))
    uploaded = await clinic.client.post(
        "/api/v1/documents",
        params={"kind": "lab_result", "title": "Links"},
        content=b"glucose 5.1 mmol/L\n",
        headers={**patient.headers, "Content-Type": "text/plain"},
    )
    assert uploaded.status_code == 201, uploaded.text
    return [
        await clinic.client.get(f"{BASE}/Patient", params={"_count": 1}, headers=headers),
        await clinic.client.get(f"{BASE}/metadata", headers=FORGED),
        await clinic.client.post(f"{BASE}/Appointment", json=body, headers=headers),
        await clinic.client.get(
            f"{BASE}/DocumentReference/{uploaded.json()['id']}", headers=headers
        ),
    ]


async def test_links_start_at_the_public_url_whatever_the_host(public_clinic: Clinic) -> None:
    # `Host: evil.example` appeared verbatim in Bundle links, fullUrl, Location and metadata.
    every = [url for answer in await answers(public_clinic) for url in urls(answer)]
    assert len(every) >= 6
    for url in every:
        assert url.startswith("https://clinic.example/fhir/R4"), url
