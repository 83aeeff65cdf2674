"""What the web pages use: the other plugins' contracts, resolved once, and the page renderer."""

import hashlib
from dataclasses import dataclass
from typing import TypeVar

from hduce.contracts.appointments import AppointmentDesk
from hduce.contracts.identity import AccountAdmin, DemographicsReader
from hduce.contracts.notifications import InboxReader
from hduce.contracts.signin import SignIn
from hduce.core.context import AppContext
from hduce.core.registry import Registry
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
    desk: AppointmentDesk | None
    inbox: InboxReader | None
    csrf_key: bytes
    """Signs CSRF tokens; derived from the JWT secret, so every process agrees."""

    @classmethod
    def build(cls, context: AppContext, config: WebConfig) -> "WebServices":
        """Resolve the contracts (the required plugins were set up first)."""
        registry = context.registry
        secret = context.settings.auth.jwt_secret.encode()
        return cls(
            config=config,
            tokens=context.tokens,
            sign_in=registry.get(SignIn),
            people=registry.get(DemographicsReader),
            accounts=registry.get(AccountAdmin),
            desk=_optional(registry, AppointmentDesk),
            inbox=_optional(registry, InboxReader),
            csrf_key=hashlib.sha256(b"hduce-web-csrf:" + secret).digest(),
        )


def _optional(registry: Registry, contract: type[T]) -> T | None:
    return registry.get(contract) if registry.provides(contract) else None
