"""Who sees which entries: the caller's scope, applied inside every backend's query."""

import uuid
from collections.abc import Collection, Mapping

import msgspec

from hduce.contracts.auth import Role
from hduce.core.security import Principal


class Scope(msgspec.Struct, frozen=True):
    """Entries of the `every` kinds, and entries of the `own` kinds whose patient is `user_id`."""

    user_id: uuid.UUID
    every: tuple[str, ...]
    own: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """Whether the caller may see nothing at all."""
        return not self.every and not self.own


def scope_for(
    principal: Principal, readers: Mapping[str, frozenset[str]], kinds: Collection[str]
) -> Scope:
    """The caller's scope over the requested `kinds`; `readers` maps a kind to its staff roles.

    A patient sees their own entries of every kind; staff see every entry of the kinds their
    roles read (receptionists and admins never clinical documents, for instance).
    """
    every = tuple(k for k in kinds if not principal.roles.isdisjoint(readers[k]))
    own = tuple(k for k in kinds if k not in every) if Role.PATIENT in principal.roles else ()
    return Scope(principal.id, every, own)
