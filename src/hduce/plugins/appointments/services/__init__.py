"""The appointments services, built once per process and injected as `appointments`."""

from dataclasses import dataclass

from hduce.plugins.appointments.env import Env
from hduce.plugins.appointments.services._booking import Booking
from hduce.plugins.appointments.services._feeds import CalendarFeeds
from hduce.plugins.appointments.services._followups import FollowUps
from hduce.plugins.appointments.services._lifecycle import Lifecycle
from hduce.plugins.appointments.services._messages import PatientMessages
from hduce.plugins.appointments.services._queries import AppointmentQueries
from hduce.plugins.appointments.services._reminders import Reminders
from hduce.plugins.appointments.services._schedules import Schedules
from hduce.plugins.appointments.services._slots import SlotFinder
from hduce.plugins.appointments.services._tokens import ConfirmationTokens
from hduce.plugins.appointments.services._types import AppointmentTypes
from hduce.plugins.appointments.services._waitlist import Waitlist


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

    @classmethod
    def build(cls, env: Env) -> "AppointmentServices":
        """Wire the services around one environment."""
        types, schedules = AppointmentTypes(env), Schedules(env)
        tokens = ConfirmationTokens(env.context.settings.auth.jwt_secret)
        followups = FollowUps(env, PatientMessages(env, schedules, tokens))
        slots = SlotFinder(env, schedules, types)
        waitlist = Waitlist(env, types, schedules, followups)
        return cls(
            types=types,
            schedules=schedules,
            slots=slots,
            booking=Booking(env, types, slots, followups, waitlist),
            lifecycle=Lifecycle(env, followups, waitlist, tokens),
            queries=AppointmentQueries(env),
            waitlist=waitlist,
            reminders=Reminders(env, followups),
            feeds=CalendarFeeds(env),
        )
