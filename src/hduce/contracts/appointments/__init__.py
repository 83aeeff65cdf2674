"""The appointments plugin's contracts: its events and status, the desk, set-up and slots."""

from hduce.contracts.appointments._desk import (
    AppointmentDesk,
    AppointmentFilter,
    AppointmentReader,
    AppointmentSummary,
    AppointmentView,
    WaitlistEntry,
)
from hduce.contracts.appointments._events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentCheckedIn,
    AppointmentCompleted,
    AppointmentConfirmed,
    AppointmentFact,
    AppointmentNoShow,
    AppointmentRescheduled,
    AppointmentStatus,
    AppointmentTypeRenamed,
)
from hduce.contracts.appointments._setup import (
    ClinicSetup,
    HoursException,
    OfferedType,
    PractitionerHours,
    SlotBoard,
    SlotTime,
    WeeklyWindow,
)

__all__ = [
    "AppointmentBooked",
    "AppointmentCancelled",
    "AppointmentCheckedIn",
    "AppointmentCompleted",
    "AppointmentConfirmed",
    "AppointmentDesk",
    "AppointmentFact",
    "AppointmentFilter",
    "AppointmentNoShow",
    "AppointmentReader",
    "AppointmentRescheduled",
    "AppointmentStatus",
    "AppointmentSummary",
    "AppointmentTypeRenamed",
    "AppointmentView",
    "ClinicSetup",
    "HoursException",
    "OfferedType",
    "PractitionerHours",
    "SlotBoard",
    "SlotTime",
    "WaitlistEntry",
    "WeeklyWindow",
]
