"""Device registry: register, list, assign, rotate secrets and deactivate (admins)."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import Accounts, Role
from hduce.contracts.devices import DeviceRegistered
from hduce.core.context import AppContext
from hduce.core.errors import NotFound
from hduce.core.registry import Registry
from hduce.core.security import Principal
from hduce.plugins.devices.acl import telemetry_topic
from hduce.plugins.devices.credentials import hash_secret, new_secret
from hduce.plugins.devices.errors import DeviceInactive, InvalidRequest, SerialTaken
from hduce.plugins.devices.schemas import (
    DeviceCreate,
    DeviceCreated,
    DeviceCredentials,
    DevicePage,
    DeviceRead,
)

COLUMNS = (
    "id, kind, name, serial, patient, active, created_at, deactivated_at, last_seen_at, "
    "online, presence_changed_at, offline_reason, invalid_messages, last_error, last_error_at"
)
Disconnect = Callable[[str], Awaitable[int]]


def to_read(row: asyncpg.Record) -> DeviceRead:
    """The API view of a `device` row."""
    return DeviceRead(
        id=row["id"],
        kind=row["kind"],
        name=row["name"],
        serial=row["serial"],
        patient_id=row["patient"],
        active=row["active"],
        created_at=row["created_at"],
        deactivated_at=row["deactivated_at"],
        last_seen_at=row["last_seen_at"],
        presence="online" if row["online"] else "offline",
        presence_changed_at=row["presence_changed_at"],
        offline_reason=row["offline_reason"],
        invalid_messages=row["invalid_messages"],
        last_error=row["last_error"],
        last_error_at=row["last_error_at"],
        telemetry_topic=telemetry_topic(str(row["id"])),
    )


async def require_patient(registry: Registry, patient_id: uuid.UUID) -> None:
    """Refuse an id that is not a patient's account (422)."""
    entry = await registry.get(Accounts).get_account(patient_id)
    if entry is None or Role.PATIENT not in entry.roles:
        raise InvalidRequest("patient_id is not a patient's account")


class DeviceService:
    """The registry; secrets are returned once and stored as SHA-256."""

    def __init__(self, context: AppContext) -> None:
        self._context = context
        self._db = context.db
        self.disconnect: Disconnect | None = None
        """Set by the web process while its broker runs, to kick deactivated devices."""

    async def register(self, principal: Principal, data: DeviceCreate) -> DeviceCreated:
        """Register a device and return its one-time secret."""
        secret, device_id = new_secret(), uuid.uuid4()
        async with self._db.transaction():
            if data.patient_id is not None:
                await require_patient(self._context.registry, data.patient_id)
            try:
                row = await self._db.fetchrow(
                    "INSERT INTO device (id, kind, name, serial, patient, secret_hash, active, "
                    "created_by, created_at, invalid_messages) "
                    f"VALUES ($1, $2, $3, $4, $5, $6, true, $7, now(), 0) RETURNING {COLUMNS}",
                    device_id,
                    data.kind,
                    data.name,
                    data.serial,
                    data.patient_id,
                    hash_secret(secret),
                    principal.id,
                )
            except asyncpg.UniqueViolationError:
                raise SerialTaken(f"a device with serial {data.serial!r} exists") from None
            await self._context.events.publish(
                DeviceRegistered(
                    device_id=device_id,
                    kind=data.kind,
                    serial=data.serial,
                    patient_id=data.patient_id,
                    registered_by=principal.id,
                )
            )
            await self._audit("devices.registered", principal, device_id, data.patient_id)
        assert row is not None
        return DeviceCreated(device=to_read(row), credentials=_credentials(device_id, secret))

    async def get(self, device_id: uuid.UUID) -> DeviceRead:
        """One device."""
        return to_read(await self._fetch(device_id))

    async def page(
        self, *, patient_id: uuid.UUID | None, active: bool | None, limit: int, offset: int
    ) -> DevicePage:
        """Devices by registration time, optionally of one patient or by state."""
        where = "($1::uuid IS NULL OR patient = $1) AND ($2::bool IS NULL OR active = $2)"
        rows = await self._db.fetch(
            f"SELECT {COLUMNS}, count(*) OVER () AS total FROM device WHERE {where} "
            "ORDER BY created_at, id LIMIT $3 OFFSET $4",
            patient_id,
            active,
            limit,
            offset,
        )
        total = rows[0]["total"] if rows else await self._count(where, patient_id, active)
        return DevicePage(items=[to_read(r) for r in rows], total=total)

    async def _count(self, where: str, *args: Any) -> int:
        row = await self._db.fetchrow(f"SELECT count(*) AS n FROM device WHERE {where}", *args)
        return row["n"] if row else 0

    async def rotate_secret(self, principal: Principal, device_id: uuid.UUID) -> DeviceCredentials:
        """Replace the secret (the old one stops working at once) and return the new one."""
        secret = new_secret()
        async with self._db.transaction():
            if not (await self._fetch(device_id, lock=True))["active"]:
                raise DeviceInactive("a deactivated device gets no new secret")
            await self._db.fetchrow(
                "UPDATE device SET secret_hash = $2 WHERE id = $1", device_id, hash_secret(secret)
            )
            await self._audit("devices.secret_rotated", principal, device_id)
        await self._kick(device_id)
        return _credentials(device_id, secret)

    async def assign(
        self, principal: Principal, device_id: uuid.UUID, patient_id: uuid.UUID | None
    ) -> DeviceRead:
        """Assign the device to a patient (readings from now on are theirs), or unassign it."""
        async with self._db.transaction():
            await self._fetch(device_id, lock=True)
            if patient_id is not None:
                await require_patient(self._context.registry, patient_id)
            row = await self._db.fetchrow(
                f"UPDATE device SET patient = $2 WHERE id = $1 RETURNING {COLUMNS}",
                device_id,
                patient_id,
            )
            await self._audit("devices.assigned", principal, device_id, patient_id)
        assert row is not None
        return to_read(row)

    async def deactivate(self, principal: Principal, device_id: uuid.UUID) -> DeviceRead:
        """Refuse the device's connections from now on and close the live one."""
        async with self._db.transaction():
            await self._fetch(device_id, lock=True)
            row = await self._db.fetchrow(
                "UPDATE device SET active = false, "
                "deactivated_at = coalesce(deactivated_at, now()) "
                f"WHERE id = $1 RETURNING {COLUMNS}",
                device_id,
            )
            await self._audit("devices.deactivated", principal, device_id)
        await self._kick(device_id)
        assert row is not None
        return to_read(row)

    async def _kick(self, device_id: uuid.UUID) -> None:
        if self.disconnect is not None:
            await self.disconnect(str(device_id))

    async def _fetch(self, device_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record:
        suffix = " FOR UPDATE" if lock else ""
        row = await self._db.fetchrow(
            f"SELECT {COLUMNS} FROM device WHERE id = $1{suffix}", device_id
        )
        if row is None:
            raise NotFound("no such device")
        return row

    async def _audit(
        self,
        action: str,
        principal: Principal,
        device_id: uuid.UUID,
        patient_id: uuid.UUID | None = None,
    ) -> None:
        await self._context.registry.get(AuditLog).record(
            action,
            actor_id=principal.id,
            subject_id=patient_id,
            detail={"device_id": str(device_id)},
        )


def _credentials(device_id: uuid.UUID, secret: str) -> DeviceCredentials:
    return DeviceCredentials(
        device_id=device_id,
        username=str(device_id),
        secret=secret,
        telemetry_topic=telemetry_topic(str(device_id)),
    )
