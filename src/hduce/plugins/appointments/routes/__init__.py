"""The appointments API under `/api/v1/appointments`."""

from hduce.plugins.appointments.routes._appointments import AppointmentController
from hduce.plugins.appointments.routes._calendar import CalendarController
from hduce.plugins.appointments.routes._setup import AvailabilityController, TypeController
from hduce.plugins.appointments.routes._waitlist import WaitlistController

CONTROLLERS = (
    TypeController,
    AvailabilityController,
    WaitlistController,
    CalendarController,
    AppointmentController,
)

__all__ = ["CONTROLLERS"]
