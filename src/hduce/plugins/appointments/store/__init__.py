"""All SQL of the appointments plugin, run through `env.db` (it joins the caller's transaction)."""

from dataclasses import dataclass

from hduce.core.stores import StoreBundle
from hduce.plugins.appointments.store._appointment_rows import (
    PRACTITIONER_OVERLAP,
    UPCOMING,
    AppointmentRow,
    Visit,
)
from hduce.plugins.appointments.store._appointments import AppointmentStore, claiming_slot
from hduce.plugins.appointments.store._feeds import FeedStore
from hduce.plugins.appointments.store._reports import ReportStore
from hduce.plugins.appointments.store._setup import ScheduleStore, TypeStore
from hduce.plugins.appointments.store._waitlist import WaitlistStore


@dataclass(frozen=True)
class Stores(StoreBundle):
    """Every store of the plugin, over one `Database`."""

    appointments: AppointmentStore
    types: TypeStore
    schedules: ScheduleStore
    waitlist: WaitlistStore
    feeds: FeedStore
    reports: ReportStore


__all__ = [
    "PRACTITIONER_OVERLAP",
    "UPCOMING",
    "AppointmentRow",
    "AppointmentStore",
    "FeedStore",
    "ReportStore",
    "ScheduleStore",
    "Stores",
    "TypeStore",
    "Visit",
    "WaitlistStore",
    "claiming_slot",
]
