"""A clinic with every clinical plugin behind the web pages: devices, documents and search."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import msgspec

from hduce.core.config import Settings
from hduce.plugins.search import SearchPlugin
from tests.plugins.devices.helpers import eventually, mqtt, register, telemetry
from tests.plugins.users.clinic import Clinic, Member, running_clinic
from tests.plugins.web.helpers import PASSWORD_HASH, web_settings
from tests.support.scratch import scratch_dir

CLINICAL_PLUGINS = ("documents", "devices", "search")


@asynccontextmanager
async def clinical_clinic(settings: Settings, storage: Path) -> AsyncIterator[Clinic]:
    """The web clinic plus documents (stored under `storage`), devices (MQTT on a free port)
    and search."""
    base = web_settings(settings)
    spool = scratch_dir("hduce-spool-")
    sections = {
        **base.plugins.sections,
        "documents": {"storage_dir": str(storage), "extraction_workers": 1},
        "devices": {"port": 0, "spool_dir": spool},
    }
    enabled = (*base.plugins.enabled, *CLINICAL_PLUGINS)
    plugins = msgspec.structs.replace(base.plugins, enabled=enabled, sections=sections)
    async with running_clinic(msgspec.structs.replace(base, plugins=plugins)) as clinic:
        yield clinic


async def with_password(clinic: Clinic, member: Member) -> Member:
    """`member`, who can now sign in with the test password."""
    await clinic.execute(
        "UPDATE account SET password_hash = $2 WHERE id = $1", member.id, PASSWORD_HASH
    )
    return member


async def raise_alert(clinic: Clinic, admin: Member, patient: Member) -> uuid.UUID:
    """Register a device for `patient`, publish readings over real MQTT (one SpO2 below the
    threshold); returns the open alert's id."""
    device, secret = await register(clinic, admin, patient)
    async with mqtt(clinic, device, secret) as client:
        for rate, spo2 in ((72, 97), (75, 96), (81, 95), (78, 88)):
            payload = telemetry(("heart_rate", rate, "bpm"), ("spo2", spo2, "%"))
            await client.publish(f"devices/{device}/telemetry", payload, qos=1)
    row = await eventually(
        clinic,
        "SELECT id FROM device_alert WHERE patient = $1 AND acknowledged_at IS NULL",
        patient.id,
    )
    await eventually(
        clinic, "SELECT 1 FROM reading WHERE device = $1 AND value = 88", uuid.UUID(device)
    )
    return row["id"]


async def reindex(clinic: Clinic) -> None:
    """Rebuild the search index from the sources (as `hduce search reindex`)."""
    await clinic.in_app(clinic.client.app.plugins.get(SearchPlugin).reindex)
