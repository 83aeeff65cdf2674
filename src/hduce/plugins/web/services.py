"""What the web pages use: the other plugins' contracts, resolved once, and the page renderer."""

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from hduce.contracts.appointments import AppointmentDesk, ClinicSetup, SlotBoard
from hduce.contracts.audit import AuditTrail
from hduce.contracts.auth import AccountAdmin, SignIn
from hduce.contracts.devices import DeviceAlerts, DeviceDirectory, ReadingReader
from hduce.contracts.documents import DocumentReader, DocumentShelf
from hduce.contracts.notifications import DeliveryRecords, InboxReader, OwnNotifications
from hduce.contracts.search import Finder
from hduce.contracts.users import CareTeams, DemographicsReader, MyAccount, UserListing
from hduce.core.analytics import AnalyticsSource
from hduce.core.plugin_env import PluginEnv
from hduce.core.security import TokenService
from hduce.plugins.web.config import WebConfig

T = TypeVar("T")


@dataclass(frozen=True)
class WebServices:
    """The contracts behind the pages; optional ones are None when their plugin is off."""

    config: WebConfig
    tokens: TokenService
    sign_in: SignIn
    people: DemographicsReader
    accounts: AccountAdmin
    listing: UserListing
    """The accounts page's search, audited as the API's."""
    me: MyAccount
    desk: AppointmentDesk | None
    board: SlotBoard | None
    inbox: InboxReader | None
    deliveries: DeliveryRecords | None
    setup: ClinicSetup | None
    care: CareTeams
    shelf: DocumentShelf | None
    documents: DocumentReader | None
    readings: ReadingReader | None
    alerts: DeviceAlerts | None
    devices: DeviceDirectory | None
    finder: Finder | None
    trail: AuditTrail | None
    analytics: Callable[[], Mapping[str, AnalyticsSource]]
    """The clinic analytics' sources, read when asked (as `GET /api/v1/analytics` does)."""
    own_notifications: OwnNotifications | None
    csrf_key: bytes
    """Signs CSRF tokens; derived from the JWT secret, so every process agrees."""

    @classmethod
    def build(cls, env: PluginEnv[WebConfig]) -> "WebServices":
        """Resolve the contracts once (the plugins providing them were set up first)."""
        secret = env.settings.auth.jwt_secret.encode()
        return cls(
            config=env.config,
            tokens=env.tokens,
            sign_in=env.require(SignIn),
            people=env.require(DemographicsReader),
            accounts=env.require(AccountAdmin),
            listing=env.require(UserListing),
            me=env.require(MyAccount),
            desk=_if_enabled(env, AppointmentDesk),
            board=_if_enabled(env, SlotBoard),
            inbox=_if_enabled(env, InboxReader),
            deliveries=_if_enabled(env, DeliveryRecords),
            setup=_if_enabled(env, ClinicSetup),
            care=env.require(CareTeams),
            shelf=_if_enabled(env, DocumentShelf),
            documents=_if_enabled(env, DocumentReader),
            readings=_if_enabled(env, ReadingReader),
            alerts=_if_enabled(env, DeviceAlerts),
            devices=_if_enabled(env, DeviceDirectory),
            finder=_if_enabled(env, Finder),
            trail=_if_enabled(env, AuditTrail),
            analytics=lambda: env.registry.analytics_sources,
            own_notifications=_if_enabled(env, OwnNotifications),
            csrf_key=hashlib.sha256(b"hduce-web-csrf:" + secret).digest(),
        )


def _if_enabled(env: PluginEnv[WebConfig], contract: type[T]) -> T | None:
    """The provider of `contract` if its plugin is enabled (set up before this one)."""
    return env.require(contract) if env.registry.provides(contract) else None
