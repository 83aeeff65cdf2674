"""Access tokens withdrawn before their `exp`: ended sessions and accounts whose access changed."""

import uuid
from time import monotonic

from hduce.core.security.principal import Principal

PRUNE_EVERY = 60.0
"""Seconds between sweeps of entries too old to matter."""


class TokenRevoked(Exception):
    """Why a signed, unexpired access token is no longer accepted."""


class Revocations:
    """What this process knows of sessions ended and of accounts' current access.

    Fed by whoever owns sessions and accounts (the auth plugin, from the database). An entry
    only matters while a token issued before it can still be unexpired, so each is forgotten
    one token lifetime after it arrived.
    """

    def __init__(self, token_lifetime: float) -> None:
        self._lifetime = token_lifetime
        self._ended_sessions: dict[uuid.UUID, float] = {}
        self._account_roles: dict[uuid.UUID, tuple[frozenset[str] | None, float]] = {}
        self._pruned_at = monotonic()

    def __len__(self) -> int:
        return len(self._ended_sessions) + len(self._account_roles)

    def end_session(self, session_id: uuid.UUID, *, age: float = 0.0) -> None:
        """Refuse every token of `session_id`; `age` says how many seconds ago it ended."""
        self._ended_sessions[session_id] = monotonic() - age
        self._prune()

    def set_access(
        self, account_id: uuid.UUID, roles: frozenset[str] | None, *, age: float = 0.0
    ) -> None:
        """Accept the account's tokens only if they carry exactly `roles` (None: none at all)."""
        self._account_roles[account_id] = (roles, monotonic() - age)
        self._prune()

    def check(self, principal: Principal) -> None:
        """Raise `TokenRevoked` if the principal's session ended or its account's access changed."""
        if principal.session_id is not None and principal.session_id in self._ended_sessions:
            raise TokenRevoked("the session has ended; log in again")
        entry = self._account_roles.get(principal.id)
        if entry is None:
            return
        roles = entry[0]
        if roles is None:
            raise TokenRevoked("the account is deactivated")
        if principal.roles != roles:
            raise TokenRevoked("the account's roles changed; refresh the token")

    def _prune(self) -> None:
        now = monotonic()
        if now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        oldest = now - self._lifetime
        self._ended_sessions = {k: t for k, t in self._ended_sessions.items() if t > oldest}
        self._account_roles = {k: v for k, v in self._account_roles.items() if v[1] > oldest}
