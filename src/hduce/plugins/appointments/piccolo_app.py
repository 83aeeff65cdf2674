"""Piccolo app for the appointments tables."""

from piccolo.conf.apps import AppConfig

from hduce.core.migrations import migrations_folder
from hduce.plugins.appointments.tables import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    CalendarFeed,
    Schedule,
    TypeDeparture,
    TypeOffering,
    WaitlistEntry,
    WeeklyHours,
)

APP_CONFIG = AppConfig(
    app_name="appointments",
    migrations_folder_path=migrations_folder("appointments"),
    table_classes=[
        AppointmentType,
        TypeOffering,
        TypeDeparture,
        Schedule,
        WeeklyHours,
        AvailabilityException,
        Appointment,
        WaitlistEntry,
        CalendarFeed,
    ],
    migration_dependencies=["hduce.plugins.auth.piccolo_app"],
    commands=[],
)
