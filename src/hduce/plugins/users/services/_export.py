"""A person's copy of the data the clinic holds about them (GDPR articles 15 and 20)."""

import uuid
from datetime import UTC, datetime

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import Accounts, Role
from hduce.core.errors import NotFound
from hduce.core.registry import Registry
from hduce.core.security import Principal
from hduce.plugins.users.schemas import PersonalDataExport


class DataExporter:
    """Gathers the sections the plugins registered; the person themself, or an admin."""

    def __init__(self, accounts: Accounts, audit: AuditLog, registry: Registry) -> None:
        self._accounts = accounts
        self._audit = audit
        self._registry = registry

    async def export(
        self, principal: Principal, user_id: uuid.UUID, *, ip: str | None = None
    ) -> PersonalDataExport:
        """The whole export, audited as `users.data_exported` (others than admins: 404)."""
        if user_id != principal.id and not principal.has_any_role(Role.ADMIN):
            raise NotFound("no such user")
        if await self._accounts.get_account(user_id) is None:
            raise NotFound("no such user")
        # Read now, not in setup: plugins set up after this one add their sections too.
        sources = sorted(self._registry.personal_data_sources.items())
        sections = {name: await source(user_id) for name, source in sources}
        await self._audit.record(
            "users.data_exported",
            actor_id=principal.id,
            subject_id=user_id,
            ip=ip,
            detail={"sections": [name for name, _ in sources]},
        )
        return PersonalDataExport(
            user_id=user_id, generated_at=datetime.now(UTC), sections=sections
        )
