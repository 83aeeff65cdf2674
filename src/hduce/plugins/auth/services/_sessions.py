"""The caller's own sessions: list and revoke."""

import uuid

from hduce.core.errors import NotFound
from hduce.core.security import Principal
from hduce.plugins.auth.schemas import SessionRead
from hduce.plugins.auth.services._env import AuthEnv


class SessionService:
    """Lists and revokes the caller's login sessions."""

    def __init__(self, env: AuthEnv) -> None:
        self._env = env

    async def list_sessions(self, principal: Principal) -> list[SessionRead]:
        """The caller's active sessions, the current one flagged."""
        await self._env.require_live_session(principal)
        rows = await self._env.sessions.active(principal.id)
        return [
            SessionRead.from_row(
                row, id=row["family_id"], current=row["family_id"] == principal.session_id
            )
            for row in rows
        ]

    async def revoke(self, principal: Principal, session_id: uuid.UUID) -> None:
        """End one of the caller's sessions; 404 for anyone else's or an ended one."""
        await self._env.require_live_session(principal)
        async with self._env.transaction():
            if not await self._env.sessions.revoke_family(session_id, principal.id):
                raise NotFound("no such session")
            await self._env.audit(
                "auth.session_revoked",
                actor_id=principal.id,
                subject_id=principal.id,
                detail={"session_id": str(session_id)},
            )
