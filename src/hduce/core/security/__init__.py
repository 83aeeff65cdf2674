"""Authentication and authorization primitives (domain-free: roles are plain strings here)."""

from hduce.core.security.bearer import EXCLUDE_OPT_KEY
from hduce.core.security.guards import (
    ensure_owner_or_roles,
    principal_of,
    provide_principal,
    requires_roles,
)
from hduce.core.security.principal import Principal
from hduce.core.security.tokens import InvalidToken, TokenService, key_id

__all__ = [
    "EXCLUDE_OPT_KEY",
    "InvalidToken",
    "Principal",
    "TokenService",
    "ensure_owner_or_roles",
    "key_id",
    "principal_of",
    "provide_principal",
    "requires_roles",
]
