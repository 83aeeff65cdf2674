"""Who is calling: the principal carried by a valid access token."""

import uuid

import msgspec


class Principal(msgspec.Struct, frozen=True):
    """An authenticated caller: account id, roles and the session (refresh family) it belongs to."""

    id: uuid.UUID
    roles: frozenset[str]
    session_id: uuid.UUID | None = None
    token_id: str = ""

    def has_any_role(self, *roles: str) -> bool:
        """Whether the caller holds at least one of `roles`."""
        return not self.roles.isdisjoint(roles)
