"""The registry: contracts one plugin provides to others, health checks, analytics, exports."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import msgspec

from hduce.core.analytics import AnalyticsSource
from hduce.core.personal_data import PersonalDataSource

logger = logging.getLogger("hduce.registry")

ContractT = TypeVar("ContractT")


class HealthStatus(msgspec.Struct, frozen=True):
    """The outcome of one health check; `detail` is shown on `/health/detailed`."""

    ok: bool
    detail: dict[str, Any] = msgspec.field(default_factory=dict)


class Late(Generic[ContractT]):
    """A contract resolved when used, not at set-up (see `Registry.optional`)."""

    def __init__(self, registry: "Registry", contract: type[ContractT]) -> None:
        self._registry = registry
        self._contract = contract

    def get(self) -> ContractT | None:
        """The provider, or None while (or if) no enabled plugin provides it."""
        if self._registry.provides(self._contract):
            return self._registry.get(self._contract)
        return None


HealthCheck = Callable[[], Awaitable[HealthStatus]]
CORE_HEALTH_CHECKS = ("database", "nats", "outbox", "tasks", "background", "workers", "process")
"""The checks of the shared services `/health/detailed` always runs: no plugin takes their names."""
NamedT = TypeVar("NamedT")


def _add_named(entries: dict[str, NamedT], kind: str, name: str, entry: NamedT) -> None:
    if name in entries:
        raise ValueError(f"{kind} {name!r} is already registered")
    entries[name] = entry


class Registry:
    """Where plugins register what they provide, looked up by the Protocol type."""

    def __init__(self) -> None:
        self._contracts: dict[type, object] = {}
        self._health_checks: dict[str, HealthCheck] = {}
        self._analytics: dict[str, AnalyticsSource] = {}
        self._personal_data: dict[str, PersonalDataSource] = {}
        self._closers: list[Callable[[], Awaitable[None]]] = []

    def provide(self, contract: type[ContractT], implementation: ContractT) -> None:
        """Register the implementation of `contract`; each contract has one provider."""
        if contract in self._contracts:
            raise ValueError(f"{contract.__qualname__} is already provided")
        self._contracts[contract] = implementation

    def get(self, contract: type[ContractT]) -> ContractT:
        """The implementation of `contract`; raises `LookupError` if no plugin provides it."""
        try:
            return self._contracts[contract]  # type: ignore[return-value]
        except KeyError:
            raise LookupError(f"no enabled plugin provides {contract.__qualname__}") from None

    def optional(self, contract: type[ContractT]) -> "Late[ContractT]":
        """`contract`'s provider looked up on use: for providers that may come later or never."""
        return Late(self, contract)

    def provides(self, contract: type) -> bool:
        """Whether an enabled plugin provides `contract` (set up so far)."""
        return contract in self._contracts

    def add_health_check(self, name: str, check: HealthCheck) -> None:
        """Add a named check to `/health/detailed`; core's names and taken ones are refused."""
        if name in CORE_HEALTH_CHECKS:
            raise ValueError(f"health check {name!r} is core's: name the check after its plugin")
        _add_named(self._health_checks, "health check", name, check)

    @property
    def health_checks(self) -> dict[str, HealthCheck]:
        """Every registered health check by name."""
        return dict(self._health_checks)

    def add_analytics_source(self, name: str, source: AnalyticsSource) -> None:
        """Add a named section to the clinic analytics (`GET /api/v1/analytics`)."""
        _add_named(self._analytics, "analytics source", name, source)

    @property
    def analytics_sources(self) -> dict[str, AnalyticsSource]:
        """Every registered analytics source by name."""
        return dict(self._analytics)

    def add_personal_data_source(self, name: str, source: PersonalDataSource) -> None:
        """Add a named section to a person's copy of their data (`/users/me/export`)."""
        _add_named(self._personal_data, "personal data source", name, source)

    @property
    def personal_data_sources(self) -> dict[str, PersonalDataSource]:
        """Every registered personal-data source by name."""
        return dict(self._personal_data)

    def add_closer(self, close: Callable[[], Awaitable[None]]) -> None:
        """Run `close` when the process stops, after tasks have finished (e.g. SMTP connections)."""
        self._closers.append(close)

    async def close(self) -> None:
        """Run every closer, newest first; one failing does not stop the others."""
        for close in reversed(self._closers):
            try:
                await close()
            except Exception:
                logger.exception("closing %r failed", close)
