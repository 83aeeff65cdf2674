"""Alerts and thresholds for clinical staff: list, acknowledge, per-patient bounds."""

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import asyncpg
import msgspec

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import Accounts, Role
from hduce.core.db import Database
from hduce.core.errors import FieldError, NotFound
from hduce.core.schemas import Page
from hduce.core.security import Principal
from hduce.plugins.devices.config import Range, Threshold
from hduce.plugins.devices.errors import AlertAlreadyAcknowledged, InvalidRequest
from hduce.plugins.devices.schemas import AlertRead, Source, ThresholdRead, ThresholdSet
from hduce.plugins.devices.services._alert_rules import in_force
from hduce.plugins.devices.services._telemetry import UNITS, out_of_range
from hduce.plugins.devices.store import AlertStore

SIDES = ("above", "below")
"""A threshold's bounds, as a request body names them."""


@dataclass(frozen=True, eq=False)
class AlertService:
    """What doctors and nurses do with alerts and thresholds; each access is audited."""

    db: Database
    store: AlertStore
    accounts: Accounts
    audit: AuditLog
    defaults: dict[str, Threshold]
    ranges: Mapping[str, Range]
    """The plausible values per metric: a bound outside them is refused."""

    async def page(
        self,
        principal: Principal,
        *,
        patient_id: uuid.UUID | None,
        open_only: bool,
        limit: int,
        offset: int,
        ip: str | None = None,
    ) -> Page[AlertRead]:
        """Alerts newest first, optionally of one patient or only the unacknowledged."""
        async with self.db.transaction():
            rows, total = await self.store.page(
                patient_id=patient_id, open_only=open_only, limit=limit, offset=offset
            )
            detail = {"count": len(rows)}
            await self._audit("devices.alerts_read", principal, patient_id, detail, ip)
        items = AlertRead.from_rows(rows)
        return Page(items=items, total=total, limit=limit, offset=offset)

    async def get(
        self, principal: Principal, alert_id: uuid.UUID, *, ip: str | None = None
    ) -> AlertRead:
        """One alert, open or acknowledged (404 unknown); audited as `devices.alert_read`."""
        async with self.db.transaction():
            row = await self._found(alert_id)
            detail = {"alert_id": str(alert_id)}
            await self._audit("devices.alert_read", principal, row["patient_id"], detail, ip)
        return AlertRead.from_row(row)

    async def acknowledge(
        self, principal: Principal, alert_id: uuid.UUID, *, ip: str | None = None
    ) -> AlertRead:
        """Close an alert: the next breach of its metric raises a new one."""
        async with self.db.transaction():
            row = await self._found(alert_id, for_update=True)
            if row["acknowledged_at"] is not None:
                raise AlertAlreadyAcknowledged("this alert was acknowledged already")
            row = await self.store.acknowledge(alert_id, principal.id)
            await self._audit(
                "devices.alert_acknowledged",
                principal,
                row["patient_id"],
                {"alert_id": str(alert_id)},
                ip,
            )
        return AlertRead.from_row(row)

    async def thresholds(self, principal: Principal, patient_id: uuid.UUID) -> list[ThresholdRead]:
        """The bounds in force for every metric of one patient, each side with its source.

        An id that is no patient's account is a 422, as when setting or resetting its bounds.
        """
        await self._patient(patient_id)
        return await self._in_force(patient_id)

    async def _patient(self, patient_id: uuid.UUID) -> None:
        """422 naming the path's `patient_id` unless it is a patient's account."""
        await self.accounts.require(patient_id, Role.PATIENT, key="patient_id", source="path")

    async def _in_force(self, patient_id: uuid.UUID) -> list[ThresholdRead]:
        overrides = {r["metric"]: r for r in await self.store.thresholds([patient_id])}
        result = []
        for metric, unit in UNITS.items():
            default = self.defaults.get(metric)
            bounds = in_force(overrides.get(metric), default)
            source: Source = "patient" if metric in overrides else "clinic" if default else "none"
            result.append(
                ThresholdRead(metric=metric, unit=unit, source=source, **bounds._asdict())
            )
        return result

    async def set_threshold(
        self,
        principal: Principal,
        patient_id: uuid.UUID,
        metric: str,
        data: ThresholdSet,
        *,
        ip: str | None = None,
    ) -> list[ThresholdRead]:
        """Set one metric's bounds for one patient; a side left out keeps the clinic's bound.

        Each bound is a finite value inside the metric's plausible range, `below` under `above`
        once the clinic's side is laid under the other, and at least one side is given (422).
        """
        given = {side: getattr(data, side) for side in SIDES}
        given = {side: value for side, value in given.items() if value is not msgspec.UNSET}
        if not given:
            missing = [FieldError(message="missing", key=side, source="body") for side in SIDES]
            raise InvalidRequest(
                "give `above`, `below` or both (null: no bound on that side); "
                "DELETE resets the metric to the clinic's bounds",
                errors=missing,
            )
        row = {
            **{f"{side}_inherits": side not in given for side in SIDES},
            "above": given.get("above"),
            "below": given.get("below"),
        }
        bounds = in_force(row, self.defaults.get(metric))
        try:
            Threshold(above=bounds.above, below=bounds.below)  # finite, `below` under `above`
        except ValueError as exc:  # a side that is no finite number, else `below` not under
            wrong = (side for side, value in given.items() if value and not math.isfinite(value))
            raise InvalidRequest.naming(next(wrong, "below"), str(exc), "body") from None
        for side, value in given.items():
            outside = None if value is None else out_of_range(metric, value, self.ranges)
            if outside:
                raise InvalidRequest.naming(side, f"{outside} (`plugins.devices.ranges`)", "body")
        async with self.db.transaction():
            await self._patient(patient_id)
            await self.store.set_threshold(patient_id, metric, row, by=principal.id)
            detail = {"metric": metric, **given}
            await self._audit("devices.threshold_set", principal, patient_id, detail, ip)
        return await self._in_force(patient_id)

    async def reset_threshold(
        self, principal: Principal, patient_id: uuid.UUID, metric: str, *, ip: str | None = None
    ) -> list[ThresholdRead]:
        """Go back to the clinic default for one metric of one patient (422: no patient)."""
        async with self.db.transaction():
            await self._patient(patient_id)
            await self.store.reset_threshold(patient_id, metric)
            detail = {"metric": metric}
            await self._audit("devices.threshold_reset", principal, patient_id, detail, ip)
        return await self._in_force(patient_id)

    async def _found(self, alert_id: uuid.UUID, *, for_update: bool = False) -> asyncpg.Record:
        """The alert's row (locked until the transaction ends with `for_update`); 404 if none."""
        row = await self.store.one(alert_id, for_update=for_update)
        if row is None:
            raise NotFound("no such alert")
        return row

    async def _audit(
        self,
        action: str,
        principal: Principal,
        patient_id: uuid.UUID | None,
        detail: dict[str, object],
        ip: str | None,
    ) -> None:
        await self.audit.record(
            action, actor_id=principal.id, subject_id=patient_id, ip=ip, detail=detail
        )
