"""A person's copy of the data the clinic holds about them (GDPR articles 15 and 20)."""

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import Accounts, Role
from hduce.core.errors import NotFound
from hduce.core.registry import Registry
from hduce.core.security import Principal


class PersonalDataExport(msgspec.Struct, kw_only=True):
    """Every enabled plugin's section of what it stores about one account."""

    user_id: uuid.UUID
    generated_at: datetime
    sections: dict[str, Any]


class DataExporter:
    """Gathers the sections the plugins registered; the person themself, or an admin."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    async def export(
        self, principal: Principal, user_id: uuid.UUID, *, ip: str | None = None
    ) -> PersonalDataExport:
        """The whole export, audited as `users.data_exported` (others than admins: 404)."""
        if user_id != principal.id and not principal.has_any_role(Role.ADMIN):
            raise NotFound("no such user")
        if await self._registry.get(Accounts).get_account(user_id) is None:
            raise NotFound("no such user")
        sources = sorted(self._registry.personal_data_sources.items())
        sections = {name: await source(user_id) for name, source in sources}
        await self._registry.get(AuditLog).record(
            "users.data_exported",
            actor_id=principal.id,
            subject_id=user_id,
            ip=ip,
            detail={"sections": [name for name, _ in sources]},
        )
        return PersonalDataExport(
            user_id=user_id, generated_at=datetime.now(UTC), sections=sections
        )
