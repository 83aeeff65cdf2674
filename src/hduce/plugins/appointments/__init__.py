"""The appointments plugin: availability, free slots, booking, lifecycle, waitlist, iCalendar."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hduce.core.plugin import HducePlugin
from hduce.plugins.appointments.config import AppointmentsConfig

if TYPE_CHECKING:
    from litestar.di import Provide
    from litestar.types import ControllerRouterHandler

    from hduce.core.context import AppContext


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
        """Build services, provide the contracts, subscribe tasks, add analytics."""
        from hduce.contracts.appointments import (
            AppointmentDesk,
            AppointmentReader,
            ClinicSetup,
            SlotBoard,
        )
        from hduce.contracts.audit import AuditLog
        from hduce.contracts.auth import Accounts
        from hduce.contracts.notifications import Notifier
        from hduce.contracts.users import UserDirectory
        from hduce.core.personal_data import RowQueries
        from hduce.plugins.appointments import handlers
        from hduce.plugins.appointments.analytics import AppointmentAnalytics
        from hduce.plugins.appointments.personal_data import APPOINTMENT_DATA
        from hduce.plugins.appointments.services import AppointmentServices, Contracts
        from hduce.plugins.appointments.services._setup_desk import SetupDesk
        from hduce.plugins.appointments.store import Stores

        super().setup(context)
        env = self.env
        stores = Stores.over(env.db)
        contracts = Contracts(
            accounts=env.require(Accounts),
            audit=env.require(AuditLog),
            notifier=env.require(Notifier),
            directory=env.require(UserDirectory),
        )
        self.services = AppointmentServices.build(env, stores, contracts)
        env.registry.provide(AppointmentReader, self.services.summaries)
        env.registry.provide(AppointmentDesk, self.services.desk)
        env.registry.provide(SlotBoard, self.services.slot_board)
        setup = SetupDesk(self.services.types, self.services.schedules)
        env.registry.provide(ClinicSetup, setup)
        analytics = AppointmentAnalytics(stores.reports, self.services.schedules)
        env.registry.add_analytics_source("appointments", analytics.figures)
        env.registry.add_personal_data_source("appointments", RowQueries(env.db, APPOINTMENT_DATA))
        handlers.subscribe(env.events, self.services)

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The `/appointments` routes."""
        from hduce.plugins.appointments.routes import CONTROLLERS

        return CONTROLLERS

    def dependencies(self) -> dict[str, Provide]:
        """Provide the services as `appointments`."""
        return self.provide_as_name(self.services)
