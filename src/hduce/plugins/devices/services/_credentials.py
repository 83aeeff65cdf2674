"""Device secrets and MQTT sign-in: devices with their secret, users' apps with an access token."""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from enum import StrEnum

from hduce.core.security import InvalidToken, TokenService
from hduce.plugins.devices.store import DeviceStore

SECRET_BYTES = 32
# Compared against when the device is unknown, so every refusal costs the same.
_UNKNOWN = hashlib.sha256(b"no such device").hexdigest()


class ClientKind(StrEnum):
    """Who is signed in on an MQTT session."""

    DEVICE = "device"
    USER = "user"


@dataclass(frozen=True)
class SignedIn:
    """A client let in: what it is, its id and, for an app, when its access token runs out."""

    kind: ClientKind
    username: str
    """The id as `uuid` prints it (the session's username from then on, whatever the spelling
    signed in with: capitals, no dashes, braces, `urn:uuid:`)."""
    expires_at: float | None = None
    """Epoch seconds; the broker closes the connection then."""


def uuid_of(text: str) -> uuid.UUID | None:
    """`text` as a UUID, in any spelling `uuid` reads (capitals, no dashes, braces, urn:uuid:)."""
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def new_secret() -> str:
    """A fresh device secret (256 bits, URL-safe); only its hash is stored."""
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    """SHA-256 of a secret, hex: cheap enough for every CONNECT, safe for high-entropy secrets."""
    return hashlib.sha256(secret.encode()).hexdigest()


class MqttSignIn:
    """Decides who an MQTT CONNECT is: username = device or user id, password = secret or JWT."""

    def __init__(self, store: DeviceStore, tokens: TokenService) -> None:
        self._store = store
        self._tokens = tokens

    async def identify(self, username: str, password: str) -> SignedIn | None:
        """Who a valid client is, or None to refuse the connection."""
        client_id = uuid_of(username)
        if client_id is None:
            return None
        row = await self._store.sign_in(client_id)
        if row is not None:
            valid = hmac.compare_digest(hash_secret(password), row["secret_hash"])
            if not (valid and row["active"]):
                return None
            return SignedIn(ClientKind.DEVICE, str(client_id))  # presence records the connection
        hmac.compare_digest(hash_secret(password), _UNKNOWN)
        try:
            principal, expires_at = self._tokens.verify_until(password)
        except InvalidToken:
            return None
        if principal.id != client_id:
            return None
        return SignedIn(ClientKind.USER, str(client_id), expires_at=expires_at)

    async def is_device_id(self, client_id: str) -> bool:
        """Whether `client_id` is a registered device's id, in any spelling `uuid` reads."""
        device_id = uuid_of(client_id)
        return device_id is not None and await self._store.sign_in(device_id) is not None

    def token_still_valid(self, token: str) -> bool:
        """Whether an app's access token is unexpired and unrevoked (its session not ended)."""
        return self._tokens.accepts(token)
