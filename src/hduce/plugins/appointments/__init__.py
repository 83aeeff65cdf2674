"""The appointments plugin: availability, free slots, booking, lifecycle, waitlist, iCalendar."""

from collections.abc import Sequence

from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from hduce.contracts.appointments import AppointmentDesk, AppointmentReader
from hduce.core.context import AppContext
from hduce.core.personal_data import RowQueries
from hduce.core.plugin import HducePlugin
from hduce.plugins.appointments.analytics import AppointmentAnalytics
from hduce.plugins.appointments.config import AppointmentsConfig
from hduce.plugins.appointments.env import Env
from hduce.plugins.appointments.personal_data import APPOINTMENT_DATA
from hduce.plugins.appointments.routes import CONTROLLERS
from hduce.plugins.appointments.services import AppointmentServices
from hduce.plugins.appointments.services._desk import BookingDesk
from hduce.plugins.appointments.services._followups import HoldExpired, NoShowDue, ReminderDue
from hduce.plugins.appointments.services._summaries import AppointmentSummaries


class AppointmentsPlugin(HducePlugin):
    """Appointment types, availability, slot search, bookings, reminders, waitlist, feeds.

    Requires notifications: reminders, confirmation links and waitlist offers only reach patients
    as messages, and a slot held for a patient who is never told would just sit idle.
    """

    name = "appointments"
    description = "Availability, free slots, booking, lifecycle, waitlist and iCalendar"
    requires = ("audit", "auth", "users", "notifications")
    config_type = AppointmentsConfig

    def setup(self, context: AppContext) -> None:
        """Build services, provide the reader and desk contracts, subscribe tasks, add analytics."""
        super().setup(context)
        assert isinstance(self.config, AppointmentsConfig)
        env = Env(context, self.config)
        self.services = AppointmentServices.build(env)
        context.registry.provide(AppointmentReader, AppointmentSummaries(context.db))
        context.registry.provide(AppointmentDesk, BookingDesk(self.services))
        analytics = AppointmentAnalytics(env, self.services.schedules)
        context.registry.add_analytics_source("appointments", analytics.figures)
        appointment_data = RowQueries(context.db, APPOINTMENT_DATA)
        context.registry.add_personal_data_source("appointments", appointment_data)
        events, reminders = context.events, self.services.reminders
        events.subscribe(ReminderDue, reminders.remind, task_name="appointments.remind")
        events.subscribe(NoShowDue, reminders.mark_no_show, task_name="appointments.mark_no_show")
        events.subscribe(
            HoldExpired, self.services.waitlist.expire_hold, task_name="appointments.expire_hold"
        )

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The `/appointments` routes."""
        return CONTROLLERS

    def dependencies(self) -> dict[str, Provide]:
        """Provide the services as `appointments`."""
        return {"appointments": Provide(self._provide, sync_to_thread=False, use_cache=True)}

    def _provide(self) -> AppointmentServices:
        return self.services
