"""fhirpy, a FHIR client from PyPI, reads appointments and observations from a served app."""

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from fhirpy import AsyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome

from hduce.app import create_app
from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.core.config import Settings
from tests.plugins.appointments.helpers import book, iso, open_practice, two_days_ahead_at
from tests.plugins.devices.helpers import register
from tests.plugins.fhir.conftest import fhir_settings
from tests.plugins.fhir.test_observations import DAY, INSERT
from tests.plugins.users.clinic import Clinic
from tests.support.context import fresh_rate_limits

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServedClinic(Clinic):
    """A clinic whose app runs on this event loop (under uvicorn), reached over real HTTP."""

    async def in_app(self, function: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run `function` here: the app's pool lives on this loop."""
        return await function(*args)


@pytest.fixture(scope="module")
async def served(settings: Settings) -> AsyncIterator[tuple[ServedClinic, str]]:
    """The app served by uvicorn on a free loopback port, and its `/fhir/R4` URL."""
    configured = fhir_settings(settings)
    plugins = load_plugins(configured)
    context = build_context(configured, "web", configured.database.url, configured.nats.url)
    setup_plugins(context, plugins)
    await fresh_rate_limits(configured.database.url)
    port = free_port()
    config = uvicorn.Config(
        create_app(context, plugins), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    root = f"http://127.0.0.1:{port}"
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=root) as client:
            yield ServedClinic(client, context), f"{root}/fhir/R4"  # type: ignore[arg-type]
    finally:
        server.should_exit = True
        await task


async def test_fhirpy_reads_a_patients_appointments_and_observations(
    served: tuple[ServedClinic, str],
) -> None:
    clinic, url = served
    practice = await open_practice(clinic)
    patient = await clinic.member("patient", first_name="Mia", last_name="Fhirpy")
    start = two_days_ahead_at(14)
    booked = [(await book(clinic, practice, patient, start)).json()["id"]]
    other = await clinic.member("patient")
    await book(clinic, practice, other, two_days_ahead_at(15))
    client = AsyncFHIRClient(url, authorization=patient.headers["Authorization"], extra_headers={})

    me = await client.resources("Patient").search(_id=str(patient.id)).get()
    assert me["name"][0]["family"] == "Fhirpy"
    appointments = (
        await client.resources("Appointment").search(patient=f"Patient/{patient.id}").fetch_all()
    )
    assert [a.id for a in appointments] == booked
    assert appointments[0]["status"] == "booked"
    reference = appointments[0]["participant"][0]["actor"]
    assert reference["reference"] == f"Patient/{patient.id}"

    device, _ = await register(clinic, practice.admin, patient)
    await clinic.execute(INSERT, uuid.UUID(device), patient.id, "spo2", 97.0, "%", DAY)
    observations = await client.resources("Observation").search(code="59408-5").fetch_all()
    assert [
        (o["valueQuantity"]["value"], o["code"]["coding"][0]["code"]) for o in observations
    ] == [(97.0, "59408-5")]


README_BOOKING = (
    'client.resource("Appointment", status="booked", slot=[slot.to_reference()]).save()'
)
"""README's booking line: a patient books a slot without naming themselves."""


def test_readme_books_as_this_test_does() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    assert README_BOOKING in readme


@pytest.mark.parametrize("names_the_patient", [True, False])
async def test_fhirpy_reads_a_schedule_and_its_free_slots_then_books_one(
    served: tuple[ServedClinic, str], names_the_patient: bool
) -> None:
    # README's shape (no `participant`) was a 400: "participant: Field required".
    clinic, url = served
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    client = AsyncFHIRClient(url, authorization=patient.headers["Authorization"], extra_headers={})

    schedule = await client.resources("Schedule").search(actor=str(practice.doctor.id)).get()
    assert schedule["serviceType"][0]["coding"][0]["code"] == practice.type_id
    window = (iso(two_days_ahead_at(8)), iso(two_days_ahead_at(10)))
    slots = (
        await client.resources("Slot")
        .search(schedule=f"Schedule/{schedule.id}", status="free")
        .search(start__ge=window[0], start__lt=window[1])
        .limit(3)
        .fetch_all()
    )
    assert len(slots) == 8  # 08:00 to 09:45 every 15 minutes, fetched over 3 pages
    chosen = slots[4]
    me = [{"actor": {"reference": f"Patient/{patient.id}"}, "status": "accepted"}]
    named = {"participant": me} if names_the_patient else {}
    appointment = client.resource(
        "Appointment", status="booked", slot=[chosen.to_reference()], **named
    )
    await appointment.save()
    assert appointment.id is not None
    assert appointment["start"].startswith(chosen["start"][:16])
    booked = await client.resources("Appointment").search(patient=str(patient.id)).fetch_all()
    assert [a.id for a in booked] == [appointment.id]
    after = (
        await client.resources("Slot")
        .search(schedule=f"Schedule/{schedule.id}")
        .search(start__ge=window[0], start__lt=window[1])
        .fetch_all()
    )
    assert chosen.id not in {slot.id for slot in after}


async def test_fhirpy_counts_matches(served: tuple[ServedClinic, str]) -> None:
    # fhirpy's `.count()` sends `_count=0&_totalMethod=count`: it was a 400.
    clinic, url = served
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    for hour in (9, 10):
        await book(clinic, practice, patient, two_days_ahead_at(hour))
    client = AsyncFHIRClient(url, authorization=patient.headers["Authorization"], extra_headers={})
    assert await client.resources("Appointment").search(patient=str(patient.id)).count() == 2
    observations = client.resources("Observation")
    with pytest.raises(OperationOutcome, match="total"):
        await observations.count()
