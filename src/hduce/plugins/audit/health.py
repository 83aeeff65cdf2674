"""The `audit` health check: the table answers and its append-only trigger is enabled."""

import asyncpg

from hduce.core.registry import HealthStatus

APPEND_ONLY_TRIGGER = "audit_event_append_only"

HEALTH_QUERY = """
SELECT tgenabled::text AS trigger_state FROM pg_trigger
WHERE tgrelid = 'audit_event'::regclass AND tgname = $1
"""
# pg_trigger.tgenabled: 'O' fires in origin mode, 'A' always; 'D' disabled, 'R' replica only.
ENABLED_STATES = ("O", "A")


async def audit_health(source: asyncpg.Pool | asyncpg.Connection) -> HealthStatus:
    """Cheap on purpose: the whole chain is verified by `hduce audit verify`, not here."""
    # No head id: how many events the clinic logs is not an operational fact.
    state = await source.fetchval(HEALTH_QUERY, APPEND_ONLY_TRIGGER)
    append_only = state in ENABLED_STATES
    return HealthStatus(ok=append_only, detail={"append_only": append_only})
