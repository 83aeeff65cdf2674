"""The `MyAccount` contract: `/users/me` and its export for other front ends."""

from collections.abc import Mapping

import msgspec

from hduce.contracts.users import OwnProfile
from hduce.core.security import Principal
from hduce.core.validation import validated
from hduce.plugins.users.schemas import ProfileUpdate, UserRead
from hduce.plugins.users.services._export import DataExporter
from hduce.plugins.users.services._me import UserProfiles

FIELDS = OwnProfile.__struct_fields__


class OwnAccount:
    """Each call goes through the same service and checks as its `/users/me` route."""

    def __init__(self, profiles: UserProfiles, exporter: DataExporter) -> None:
        self._profiles = profiles
        self._exporter = exporter

    async def profile(self, principal: Principal) -> OwnProfile:
        """As `GET /users/me`."""
        return _own(await self._profiles.me(principal))

    async def update_profile(
        self, principal: Principal, changes: Mapping[str, object]
    ) -> OwnProfile:
        """As `PUT /users/me`, limited to the fields of `OwnProfile`."""
        own = {k: v for k, v in changes.items() if k in FIELDS}
        data = validated(own, ProfileUpdate)
        return _own(await self._profiles.update_me(principal, data))

    async def export(self, principal: Principal, ip: str | None) -> bytes:
        """As `GET /users/me/export`: the JSON file's bytes."""
        return msgspec.json.encode(await self._exporter.export(principal, principal.id, ip=ip))


def _own(read: UserRead) -> OwnProfile:
    return OwnProfile(**{name: getattr(read, name) for name in FIELDS})
