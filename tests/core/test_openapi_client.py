"""A client generated from `/openapi.json` by openapi-python-client registers, logs in and books."""

import importlib
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.appointments.helpers import open_practice, two_days_ahead_at
from tests.plugins.users.clinic import IDENTITY_PLUGINS, Clinic, identity_settings, running_clinic
from tests.support.mail import mailed_token

PACKAGE = "hduce_generated_client"
GENERATOR_CONFIG = f"project_name_override: hduce-client\npackage_name_override: {PACKAGE}\n"
PASSWORD = "Quiet-Lantern-Orbit-7421"


class Generated:
    """The generated package: `api("auth", "auth_login")`, `model("LoginCreate")`."""

    def api(self, tag: str, operation: str) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation}")

    def model(self, name: str) -> Any:
        return getattr(importlib.import_module(f"{PACKAGE}.models"), name)

    def client(self, httpx_client: Any) -> Any:
        """A generated `Client` sending through `httpx_client` (the in-process test client)."""
        module = importlib.import_module(f"{PACKAGE}.client")
        client = module.Client(base_url=str(httpx_client.base_url), raise_on_unexpected_status=True)
        return client.set_async_httpx_client(httpx_client)


@contextmanager
def on_path(folder: Path) -> Iterator[None]:
    """Put `folder` on `sys.path`; forget the generated modules afterwards."""
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """Identity, notifications (the verification e-mail) and appointments."""
    base = identity_settings(settings)
    plugins = msgspec.structs.replace(
        base.plugins, enabled=(*IDENTITY_PLUGINS, "notifications", "appointments")
    )
    async with running_clinic(msgspec.structs.replace(base, plugins=plugins)) as running:
        yield running


@pytest.fixture(scope="module")
async def generated(
    clinic: Clinic, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Generated]:
    """The client package generated from the served document."""
    folder = tmp_path_factory.mktemp("generated")
    document = await clinic.client.get("/openapi.json")
    assert document.status_code == 200, document.text
    (folder / "openapi.json").write_bytes(document.content)
    (folder / "config.yaml").write_text(GENERATOR_CONFIG, encoding="utf-8")
    command = [sys.executable, "-m", "openapi_python_client", "generate", "--meta", "none"]
    options = ["--path", "openapi.json", "--config", "config.yaml", "--output-path", PACKAGE]
    result = subprocess.run(
        command + options, cwd=folder, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with on_path(folder):
        yield Generated()


async def test_register_verify_login_and_book_through_the_generated_client(
    clinic: Clinic, generated: Generated
) -> None:
    practice = await open_practice(clinic)
    client = generated.client(clinic.client)
    tag = uuid.uuid4().hex[:12]
    account = generated.model("AccountCreate")(
        email=f"{tag}@example.test",
        username=f"gen_{tag}",
        password=PASSWORD,
        first_name="Gena",
        last_name="Rated",
    )
    registered = await generated.api("auth", "auth_register").asyncio(client=client, body=account)
    assert "check your e-mail" in registered.detail, registered  # it names no account
    (row,) = await clinic.fetch("SELECT id FROM account WHERE email = $1", account.email)

    token = await mailed_token(clinic, row["id"], "verify_email")
    verification = generated.model("EmailVerification")(token=token)
    verified = await generated.api("auth", "auth_verify_email").asyncio_detailed(
        client=client, body=verification
    )
    assert verified.status_code == 204, verified.content

    login = generated.model("LoginCreate")(email=account.email, password=PASSWORD)
    tokens = await generated.api("auth", "auth_login").asyncio(client=client, body=login)
    # `with_headers` on a client with an injected httpx client sets them on that client.
    client.with_headers({"Authorization": f"Bearer {tokens.access_token}"})

    start = two_days_ahead_at(8)
    slots = await generated.api("appointments", "appointments_list_slots").asyncio(
        client=client,
        practitioner_id=uuid.UUID(practice.doctor_id),
        type_id=uuid.UUID(practice.type_id),
        start=start,
        end=start + timedelta(hours=4),
    )
    first = slots.slots[0]
    booking = generated.model("AppointmentCreate")(
        practitioner_id=uuid.UUID(practice.doctor_id),
        type_id=uuid.UUID(practice.type_id),
        starts_at=first.starts_at,
    )
    booked = await generated.api("appointments", "appointments_create_appointment").asyncio(
        client=client, body=booking
    )
    assert (booked.patient_id, booked.status) == (row["id"], "booked"), booked

    taken = await generated.api("appointments", "appointments_create_appointment").asyncio(
        client=client, body=booking
    )
    assert taken.status == 409 and taken.type_.endswith("/slot-unavailable"), taken
