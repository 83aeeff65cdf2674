"""The `audit` health check: the table answers and its append-only trigger is enabled."""

import asyncpg

from hduce.core.registry import HealthStatus

APPEND_ONLY_TRIGGER = "audit_event_append_only"

HEALTH_QUERY = """
SELECT (SELECT max(id) FROM audit_event) AS head_id,
       (SELECT tgenabled::text FROM pg_trigger
        WHERE tgrelid = 'audit_event'::regclass AND tgname = $1) AS trigger_state
"""
# pg_trigger.tgenabled: 'O' fires in origin mode, 'A' always; 'D' disabled, 'R' replica only.
ENABLED_STATES = ("O", "A")


async def audit_health(source: asyncpg.Pool | asyncpg.Connection) -> HealthStatus:
    """Cheap on purpose: the whole chain is verified by `hduce audit verify`, not here."""
    row = await source.fetchrow(HEALTH_QUERY, APPEND_ONLY_TRIGGER)
    append_only = row["trigger_state"] in ENABLED_STATES
    return HealthStatus(
        ok=append_only, detail={"head_id": row["head_id"], "append_only": append_only}
    )
