"""Device registry: register, list, assign, rotate secrets and deactivate (admins)."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import Accounts, Role
from hduce.contracts.devices import DeviceRegistered
from hduce.core.db import Database
from hduce.core.errors import NotFound
from hduce.core.events import EventBus
from hduce.core.schemas import Page
from hduce.core.security import Principal
from hduce.plugins.devices.errors import DeviceInactive, SerialTaken
from hduce.plugins.devices.schemas import (
    DeviceCreate,
    DeviceCreated,
    DeviceCredentials,
    DeviceRead,
)
from hduce.plugins.devices.services._acl import telemetry_topic
from hduce.plugins.devices.services._credentials import hash_secret, new_secret
from hduce.plugins.devices.store import DeviceStore


def to_read(row: Mapping[str, Any]) -> DeviceRead:
    """The API view of a `device` row."""
    return DeviceRead.from_row(
        row,
        presence="online" if row["online"] else "offline",
        telemetry_topic=telemetry_topic(str(row["id"])),
    )


@dataclass(eq=False)
class DeviceRegistry:
    """The registry; secrets are returned once and stored as SHA-256."""

    db: Database
    store: DeviceStore
    events: EventBus
    accounts: Accounts
    audit_log: AuditLog

    async def register(
        self, principal: Principal, data: DeviceCreate, *, ip: str | None = None
    ) -> DeviceCreated:
        """Register a device and return its one-time secret."""
        secret, device_id = new_secret(), uuid.uuid4()
        async with self.db.transaction():
            if data.patient_id is not None:
                await self.accounts.require(data.patient_id, Role.PATIENT, key="patient_id")
            try:
                row = await self.store.insert(
                    device_id=device_id,
                    kind=data.kind,
                    name=data.name,
                    serial=data.serial,
                    patient_id=data.patient_id,
                    secret_hash=hash_secret(secret),
                    created_by=principal.id,
                )
            except asyncpg.UniqueViolationError:
                raise SerialTaken(f"a device with serial {data.serial!r} exists") from None
            await self.events.publish(
                DeviceRegistered(
                    device_id=device_id,
                    kind=data.kind,
                    serial=data.serial,
                    patient_id=data.patient_id,
                    registered_by=principal.id,
                )
            )
            await self._audit("devices.registered", principal, device_id, ip, data.patient_id)
        return DeviceCreated(device=to_read(row), credentials=_credentials(device_id, secret))

    async def get(self, device_id: uuid.UUID) -> DeviceRead:
        """One device."""
        return to_read(await self._fetch(device_id))

    async def page(
        self, *, patient_id: uuid.UUID | None, active: bool | None, limit: int, offset: int
    ) -> Page[DeviceRead]:
        """Devices by registration time, optionally of one patient or by state."""
        rows, total = await self.store.page(
            patient_id=patient_id, active=active, limit=limit, offset=offset
        )
        items = [to_read(row) for row in rows]
        return Page(items=items, total=total, limit=limit, offset=offset)

    async def rotate_secret(
        self, principal: Principal, device_id: uuid.UUID, *, ip: str | None = None
    ) -> DeviceCredentials:
        """Replace the secret and return the new one.

        The old one stops working at once: every broker closes the connections it signed in
        (a NOTIFY on commit reaches the `hduce serve` processes, whichever made the change).
        """
        secret = new_secret()
        async with self.db.transaction():
            if not (await self._fetch(device_id, lock=True))["active"]:
                raise DeviceInactive("a deactivated device gets no new secret")
            await self.store.set_secret(device_id, hash_secret(secret))
            await self.store.kick(device_id)
            await self._audit("devices.secret_rotated", principal, device_id, ip)
        return _credentials(device_id, secret)

    async def assign(
        self,
        principal: Principal,
        device_id: uuid.UUID,
        patient_id: uuid.UUID | None,
        *,
        ip: str | None = None,
    ) -> DeviceRead:
        """Assign the device to a patient (readings from now on are theirs), or unassign it.

        A deactivated device is assigned to nobody new (409); unassigning it is allowed.
        """
        async with self.db.transaction():
            device = await self._fetch(device_id, lock=True)
            if patient_id is not None:
                if not device["active"]:
                    raise DeviceInactive("a deactivated device is assigned to no patient")
                await self.accounts.require(patient_id, Role.PATIENT, key="patient_id")
            row = await self.store.assign(device_id, patient_id)
            await self._audit("devices.assigned", principal, device_id, ip, patient_id)
        return to_read(row)

    async def deactivate(
        self, principal: Principal, device_id: uuid.UUID, *, ip: str | None = None
    ) -> DeviceRead:
        """Refuse the device's connections from now on and close the live one."""
        async with self.db.transaction():
            await self._fetch(device_id, lock=True)
            row = await self.store.deactivate(device_id)
            await self.store.kick(device_id)
            await self._audit("devices.deactivated", principal, device_id, ip)
        return to_read(row)

    async def _fetch(self, device_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record:
        row = await self.store.get(device_id, lock=lock)
        if row is None:
            raise NotFound("no such device")
        return row

    async def _audit(
        self,
        action: str,
        principal: Principal,
        device_id: uuid.UUID,
        ip: str | None,
        patient_id: uuid.UUID | None = None,
    ) -> None:
        await self.audit_log.record(
            action,
            actor_id=principal.id,
            subject_id=patient_id,
            ip=ip,
            detail={"device_id": str(device_id)},
        )


def _credentials(device_id: uuid.UUID, secret: str) -> DeviceCredentials:
    return DeviceCredentials(
        device_id=device_id,
        username=str(device_id),
        secret=secret,
        telemetry_topic=telemetry_topic(str(device_id)),
    )
