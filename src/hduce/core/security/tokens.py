"""Access tokens: short-lived JWTs with `kid` so signing keys can rotate."""

import base64
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import msgspec

from hduce.core.config import AuthSettings
from hduce.core.security.principal import Principal
from hduce.core.security.revocations import Revocations, TokenRevoked
from hduce.core.security.token_cache import VerifiedTokens

VERIFIED_TOKENS_KEPT = 4096
"""How many verified tokens `TokenService.verify` remembers (about 2 MB at most)."""


class InvalidToken(Exception):
    """The token is missing, malformed, forged, expired or meant for someone else."""


def key_id(secret: str) -> str:
    """A public identifier of a signing secret (never the secret itself)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


class _Header(msgspec.Struct):
    kid: str = ""


def _unverified_key_id(token: str) -> str:
    """The `kid` of a token's header, only to pick the key; PyJWT then checks everything."""
    segment = token.partition(".")[0]
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    return msgspec.json.decode(raw, type=_Header).kid


class TokenService:
    """Issues and verifies access tokens with the current secret; previous secrets still verify."""

    def __init__(self, settings: AuthSettings, *, kept: int = VERIFIED_TOKENS_KEPT) -> None:
        if not settings.jwt_secret:
            raise ValueError("auth.jwt_secret is empty")
        self._settings = settings
        self._current_kid = key_id(settings.jwt_secret)
        self._keys = {key_id(s): s for s in (settings.jwt_secret, *settings.jwt_previous_secrets)}
        self._verified = VerifiedTokens(kept)
        self.revocations = Revocations(self.lifetime.total_seconds())

    @property
    def lifetime(self) -> timedelta:
        """How long an access token is valid."""
        return timedelta(seconds=float(self._settings.token_expiry))

    def issue(self, principal: Principal, *, now: datetime | None = None) -> tuple[str, int]:
        """Sign an access token for `principal`; returns the token and its lifetime in seconds."""
        issued = now or datetime.now(UTC)
        claims: dict[str, Any] = {
            "sub": str(principal.id),
            "roles": sorted(principal.roles),
            "iat": issued,
            "exp": issued + self.lifetime,
            "jti": principal.token_id or uuid.uuid4().hex,
            "iss": self._settings.jwt_issuer,
            "aud": self._settings.jwt_audience,
        }
        if principal.session_id is not None:
            claims["sid"] = str(principal.session_id)
        token = jwt.encode(
            claims,
            self._settings.jwt_secret,
            algorithm=self._settings.jwt_algorithm,
            headers={"kid": self._current_kid},
        )
        return token, int(self.lifetime.total_seconds())

    def verify(self, token: str) -> Principal:
        """Check signature, algorithm, `kid`, `exp`, `iss` and `aud`; return the principal.

        A token verified before is answered from memory until its `exp`; any other string,
        including a known payload under another signature, is verified in full. Either way a
        token whose session ended, or whose account's access changed, is refused.
        """
        return self.verify_until(token)[0]

    def accepts(self, token: str) -> bool:
        """Whether `token` still verifies: for connections that outlive the request (cheap)."""
        try:
            self.verify(token)
        except InvalidToken:
            return False
        return True

    def verify_until(self, token: str) -> tuple[Principal, float]:
        """As `verify`, with the token's `exp` (epoch seconds) for callers that outlive it."""
        known = self._verified.get(token)
        if known is not None:
            self._refuse_revoked(known[0])
            return known
        try:
            secret = self._keys.get(_unverified_key_id(token))
            if secret is None:
                raise InvalidToken("unknown signing key")
            claims = jwt.decode(
                token,
                secret,
                algorithms=[self._settings.jwt_algorithm],
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                options={"require": ["exp", "iat", "sub", "jti", "iss", "aud"]},
            )
            principal = Principal(
                id=uuid.UUID(claims["sub"]),
                roles=frozenset(str(r) for r in claims.get("roles", [])),
                session_id=uuid.UUID(claims["sid"]) if claims.get("sid") else None,
                token_id=str(claims["jti"]),
            )
            expires_at = float(claims["exp"])
        except (jwt.PyJWTError, msgspec.MsgspecError, ValueError, TypeError, KeyError) as exc:
            raise InvalidToken(str(exc) or type(exc).__name__) from None
        self._verified.put(token, principal, expires_at)
        self._refuse_revoked(principal)
        return principal, expires_at

    def _refuse_revoked(self, principal: Principal) -> None:
        try:
            self.revocations.check(principal)
        except TokenRevoked as exc:
            raise InvalidToken(str(exc)) from None
