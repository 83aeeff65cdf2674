"""Who may be told of a clinical alert when a patient has no care team: active clinicians."""

import uuid

from hduce.contracts.auth import ACCOUNT_DIRECTORY
from hduce.core.sql_store import SqlStore

ACTIVE_WITH_ROLES = (
    f"SELECT id FROM {ACCOUNT_DIRECTORY} WHERE status = 'active' "
    "AND roles && $1::varchar[] ORDER BY id"
)


class ClinicianDirectory(SqlStore):
    """Reads the auth plugin's account directory view."""

    async def active_with(self, roles: list[str]) -> list[uuid.UUID]:
        """The ids of the active accounts holding any of `roles`."""
        return [row["id"] for row in await self.db.fetch(ACTIVE_WITH_ROLES, roles)]
