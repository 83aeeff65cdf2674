"""Who sees which entries: the caller's scope, applied inside every backend's query."""

import uuid
from collections.abc import Collection, Mapping

import msgspec

from hduce.core.security import Principal


class Scope(msgspec.Struct, frozen=True):
    """Entries of the `every` kinds, and entries of the `own` kinds that name `user_id`.

    An entry names the caller when they are its patient or its practitioner.
    """

    user_id: uuid.UUID
    every: tuple[str, ...]
    own: tuple[str, ...]


def scope_for(
    principal: Principal, readers: Mapping[str, frozenset[str]], kinds: Collection[str]
) -> Scope:
    """The caller's scope over the requested `kinds`; `readers` maps a kind to its staff roles.

    Staff see every entry of the kinds their roles read (receptionists and admins every
    appointment but no clinical document; doctors and nurses every document); of the other
    kinds, everyone sees the entries naming them, as the owners' APIs show them (a patient
    their own, a doctor or nurse the appointments they hold).
    """
    every = tuple(k for k in kinds if not principal.roles.isdisjoint(readers[k]))
    own = tuple(k for k in kinds if k not in every)
    return Scope(principal.id, every, own)
