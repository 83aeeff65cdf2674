"""The appointments services, built once per process and injected as `appointments`."""

from dataclasses import dataclass

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import Accounts
from hduce.contracts.notifications import Notifier
from hduce.contracts.users import UserDirectory
from hduce.core.plugin_env import PluginEnv
from hduce.plugins.appointments.config import AppointmentsConfig
from hduce.plugins.appointments.services._audit import AppointmentAudit
from hduce.plugins.appointments.services._booking import Booking
from hduce.plugins.appointments.services._claims import ClaimsInFlight
from hduce.plugins.appointments.services._desk import BookingDesk
from hduce.plugins.appointments.services._feeds import CalendarFeeds
from hduce.plugins.appointments.services._followups import (
    FollowUps,
    HoldExpired,
    NoShowDue,
    ReminderDue,
)
from hduce.plugins.appointments.services._lifecycle import Lifecycle
from hduce.plugins.appointments.services._messages import PatientMessages
from hduce.plugins.appointments.services._queries import AppointmentQueries, to_read
from hduce.plugins.appointments.services._reminders import Reminders
from hduce.plugins.appointments.services._schedules import Schedules
from hduce.plugins.appointments.services._slot_board import AppointmentSlotBoard
from hduce.plugins.appointments.services._slots import SlotFinder
from hduce.plugins.appointments.services._summaries import AppointmentSummaries
from hduce.plugins.appointments.services._tokens import ConfirmationTokens
from hduce.plugins.appointments.services._types import AppointmentTypes
from hduce.plugins.appointments.services._waitlist import Waitlist
from hduce.plugins.appointments.store import Stores


@dataclass(frozen=True)
class Contracts:
    """What the appointments services use of other plugins, resolved once at set-up."""

    accounts: Accounts
    audit: AuditLog
    notifier: Notifier
    directory: UserDirectory


@dataclass(frozen=True)
class AppointmentServices:
    """Every service of the plugin, wired together."""

    types: AppointmentTypes
    schedules: Schedules
    slots: SlotFinder
    booking: Booking
    lifecycle: Lifecycle
    queries: AppointmentQueries
    waitlist: Waitlist
    reminders: Reminders
    feeds: CalendarFeeds
    desk: BookingDesk
    slot_board: AppointmentSlotBoard
    summaries: AppointmentSummaries

    @classmethod
    def build(
        cls, env: PluginEnv[AppointmentsConfig], stores: Stores, contracts: Contracts
    ) -> "AppointmentServices":
        """Wire the services around the plugin's env, its stores and the contracts it uses."""
        db, config, events, accounts = env.db, env.config, env.events, contracts.accounts
        public_url = env.settings.server.public_url.rstrip("/")
        audit = AppointmentAudit(contracts.audit)
        types = AppointmentTypes(db, stores.types, events, accounts)
        schedules = Schedules(db, config, stores.schedules, accounts, audit)
        tokens = ConfirmationTokens(env.settings.auth.jwt_secret)
        messages = PatientMessages(
            config, public_url, schedules, tokens, contracts.directory, contracts.notifier
        )
        followups = FollowUps(config, events, stores.appointments, messages)
        slots = SlotFinder(config, stores.appointments, schedules, types)
        waitlist = Waitlist(
            db,
            config,
            events,
            stores.appointments,
            stores.waitlist,
            accounts,
            types,
            schedules,
            slots,
            followups,
            audit,
        )
        in_flight = ClaimsInFlight(db)
        booking = Booking(
            db, config, stores.appointments, accounts, slots, followups, waitlist, in_flight, audit
        )
        lifecycle = Lifecycle(
            db,
            config,
            events,
            stores.appointments,
            audit,
            followups,
            waitlist,
            tokens,
            schedules,
        )
        queries = AppointmentQueries(config, stores.appointments, audit, contracts.directory)
        return cls(
            types=types,
            schedules=schedules,
            slots=slots,
            booking=booking,
            lifecycle=lifecycle,
            queries=queries,
            waitlist=waitlist,
            reminders=Reminders(db, events, stores.appointments, followups),
            feeds=CalendarFeeds(config, public_url, stores.feeds),
            desk=BookingDesk(booking, queries, lifecycle, waitlist),
            slot_board=AppointmentSlotBoard(
                slots, stores.appointments, stores.types, stores.schedules
            ),
            summaries=AppointmentSummaries(stores.reports),
        )


__all__ = [
    "AppointmentServices",
    "Contracts",
    "HoldExpired",
    "NoShowDue",
    "ReminderDue",
    "Schedules",
    "to_read",
]
