"""Alerts and thresholds for clinical staff: list, acknowledge, per-patient bounds."""

import uuid

import asyncpg

from hduce.contracts.audit import AuditLog
from hduce.core.context import AppContext
from hduce.core.errors import NotFound
from hduce.core.security import Principal
from hduce.plugins.devices.config import Threshold
from hduce.plugins.devices.errors import AlertAlreadyAcknowledged, InvalidRequest
from hduce.plugins.devices.schemas import AlertPage, AlertRead, ThresholdRead, ThresholdSet
from hduce.plugins.devices.service import require_patient
from hduce.plugins.devices.telemetry import UNITS

ALERT_COLUMNS = (
    "id, device, patient, metric, value, unit, bound, threshold, measured_at, raised_at, "
    "acknowledged_at, acknowledged_by"
)


def alert_read(row: asyncpg.Record) -> AlertRead:
    """The API view of a `device_alert` row."""
    return AlertRead(
        id=row["id"],
        device_id=row["device"],
        patient_id=row["patient"],
        metric=row["metric"],
        value=row["value"],
        unit=row["unit"],
        bound=row["bound"],
        threshold=row["threshold"],
        measured_at=row["measured_at"],
        raised_at=row["raised_at"],
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
    )


class AlertService:
    """What doctors and nurses do with alerts and thresholds; each access is audited."""

    def __init__(self, context: AppContext, defaults: dict[str, Threshold]) -> None:
        self._context = context
        self._db = context.db
        self._defaults = defaults

    async def page(
        self,
        principal: Principal,
        *,
        patient_id: uuid.UUID | None,
        open_only: bool,
        limit: int,
        offset: int,
    ) -> AlertPage:
        """Alerts newest first, optionally of one patient or only the unacknowledged."""
        where = "($1::uuid IS NULL OR patient = $1) AND (NOT $2 OR acknowledged_at IS NULL)"
        async with self._db.transaction():
            rows = await self._db.fetch(
                f"SELECT {ALERT_COLUMNS}, count(*) OVER () AS total FROM device_alert "
                f"WHERE {where} ORDER BY raised_at DESC, id LIMIT $3 OFFSET $4",
                patient_id,
                open_only,
                limit,
                offset,
            )
            await self._audit("devices.alerts_read", principal, patient_id, {"count": len(rows)})
        total = rows[0]["total"] if rows else 0
        return AlertPage(items=[alert_read(r) for r in rows], total=total)

    async def acknowledge(self, principal: Principal, alert_id: uuid.UUID) -> AlertRead:
        """Close an alert: the next breach of its metric raises a new one."""
        async with self._db.transaction():
            row = await self._db.fetchrow(
                f"SELECT {ALERT_COLUMNS} FROM device_alert WHERE id = $1 FOR UPDATE", alert_id
            )
            if row is None:
                raise NotFound("no such alert")
            if row["acknowledged_at"] is not None:
                raise AlertAlreadyAcknowledged("this alert was acknowledged already")
            row = await self._db.fetchrow(
                "UPDATE device_alert SET acknowledged_at = now(), acknowledged_by = $2 "
                f"WHERE id = $1 RETURNING {ALERT_COLUMNS}",
                alert_id,
                principal.id,
            )
            assert row is not None
            await self._audit(
                "devices.alert_acknowledged", principal, row["patient"], {"alert_id": str(alert_id)}
            )
        return alert_read(row)

    async def thresholds(self, principal: Principal, patient_id: uuid.UUID) -> list[ThresholdRead]:
        """The bounds in force for every metric of one patient."""
        rows = await self._db.fetch(
            "SELECT metric, above, below FROM device_threshold WHERE patient = $1", patient_id
        )
        overrides = {r["metric"]: r for r in rows}
        result = []
        for metric, unit in UNITS.items():
            if metric in overrides:
                found = overrides[metric]
                result.append(
                    ThresholdRead(
                        metric=metric,
                        unit=unit,
                        above=found["above"],
                        below=found["below"],
                        source="patient",
                    )
                )
                continue
            default = self._defaults.get(metric)
            result.append(
                ThresholdRead(
                    metric=metric,
                    unit=unit,
                    above=default.above if default else None,
                    below=default.below if default else None,
                    source="clinic" if default else "none",
                )
            )
        return result

    async def set_threshold(
        self, principal: Principal, patient_id: uuid.UUID, metric: str, data: ThresholdSet
    ) -> list[ThresholdRead]:
        """Replace the clinic default of one metric for one patient."""
        if data.above is not None and data.below is not None and data.below >= data.above:
            raise InvalidRequest("`below` must be less than `above`")
        async with self._db.transaction():
            await require_patient(self._context.registry, patient_id)
            await self._db.fetchrow(
                "INSERT INTO device_threshold (id, patient, metric, above, below, updated_by, "
                "updated_at) VALUES ($1, $2, $3, $4, $5, $6, now()) "
                "ON CONFLICT (patient, metric) DO UPDATE SET above = excluded.above, "
                "below = excluded.below, updated_by = excluded.updated_by, updated_at = now()",
                uuid.uuid4(),
                patient_id,
                metric,
                data.above,
                data.below,
                principal.id,
            )
            detail = {"metric": metric, "above": data.above, "below": data.below}
            await self._audit("devices.threshold_set", principal, patient_id, detail)
        return await self.thresholds(principal, patient_id)

    async def reset_threshold(
        self, principal: Principal, patient_id: uuid.UUID, metric: str
    ) -> list[ThresholdRead]:
        """Go back to the clinic default for one metric of one patient."""
        async with self._db.transaction():
            await self._db.fetchrow(
                "DELETE FROM device_threshold WHERE patient = $1 AND metric = $2",
                patient_id,
                metric,
            )
            await self._audit("devices.threshold_reset", principal, patient_id, {"metric": metric})
        return await self.thresholds(principal, patient_id)

    async def _audit(
        self,
        action: str,
        principal: Principal,
        patient_id: uuid.UUID | None,
        detail: dict[str, object],
    ) -> None:
        await self._context.registry.get(AuditLog).record(
            action, actor_id=principal.id, subject_id=patient_id, detail=detail
        )
