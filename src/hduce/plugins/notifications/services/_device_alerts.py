"""Device alerts: the patient's care team is told, as a clinical alert.

It is not `critical`: it always goes by e-mail and in-app (`ALWAYS_ON`), never waits for quiet
hours (`NEVER_QUIET`), and by SMS and push as each clinician's switches say.

Notifications owns this reaction to the devices plugin's `DeviceAlertRaised`; devices only
raises the alert.

A patient without an active doctor or nurse on their care team is nobody's in particular: then
every active doctor and nurse is told, so an alert never goes unseen.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC

from hduce.contracts.auth import CLINICAL_ROLES
from hduce.contracts.devices import DeviceAlertRaised
from hduce.contracts.notifications import Category, Notifier
from hduce.contracts.users import CareTeams, UserDirectory
from hduce.core.events import EventMeta
from hduce.core.numbers import shown_value
from hduce.plugins.notifications.store import ClinicianDirectory

TEMPLATE = "device_alert"


@dataclass(frozen=True, eq=False, kw_only=True)
class DeviceAlertNotices:
    """Handles `device.alert_raised`; idempotent per (alert, recipient) by the notification key."""

    notifier: Notifier
    directory: UserDirectory
    care_teams: CareTeams
    clinicians: ClinicianDirectory
    public_url: str
    alert_url: str

    async def notify(self, event: DeviceAlertRaised, _meta: EventMeta) -> None:
        """Queue a `clinical_alerts` message to each clinician who should act on it."""
        recipients = await self._recipients(event.patient_id)
        patient = await self.directory.get(event.patient_id)
        name = f"{patient.first_name} {patient.last_name}".strip() if patient else ""
        data = {
            "patient_name": name or "a patient",
            "metric": event.metric,
            "value": shown_value(event.value),
            "unit": event.unit,
            "bound": event.bound,
            "threshold": shown_value(event.threshold),
            "measured_at": event.measured_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "alert_url": self.alert_url.format(
                public_url=self.public_url.rstrip("/"), alert_id=event.alert_id
            ),
        }
        for recipient in recipients:
            await self.notifier.notify(
                recipient,
                TEMPLATE,
                data,
                Category.CLINICAL_ALERTS,
                key=f"device_alert:{event.alert_id}:{recipient}",
            )

    async def _recipients(self, patient_id: uuid.UUID) -> list[uuid.UUID]:
        """The patient's care team, or every active doctor and nurse if it has nobody active."""
        team = await self.care_teams.clinicians(patient_id)
        return team or await self.clinicians.active_with(sorted(CLINICAL_ROLES))
