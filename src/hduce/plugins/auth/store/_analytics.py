"""Counting accounts (and their sign-ins) for the clinic analytics."""

from datetime import datetime

from hduce.core.sql_store import SqlStore

COUNTS = """
SELECT
  count(*) FILTER (WHERE 'patient' = ANY(roles) AND status = 'active') AS active_patients,
  count(*) FILTER (WHERE 'patient' = ANY(roles) AND created_at >= $1 AND created_at < $2)
    AS new_patients,
  count(*) FILTER (WHERE status = 'pending_approval') AS pending_approvals,
  (SELECT count(DISTINCT account) FROM refresh_token AS first
   WHERE issued_at >= $1 AND issued_at < $2 AND NOT EXISTS (
     SELECT 1 FROM refresh_token AS earlier
     WHERE earlier.family_id = first.family_id AND earlier.issued_at < first.issued_at
   )) AS signed_in
FROM account
"""
# `signed_in`: every sign-in begins a session, a family of refresh tokens (rotating one adds a
# later row to its family); the rows are kept, so a family's first row dates a sign-in in any
# past period (an account's `last_login_at` only dates its latest).
STAFF = """
SELECT role, count(*) AS n FROM account, unnest(roles) AS role
WHERE status = 'active' AND role <> 'patient' GROUP BY role
"""


class AccountCounts(SqlStore):
    """Counts over the `account` and `refresh_token` tables."""

    async def in_period(self, start: datetime, end: datetime) -> dict[str, int]:
        """Active patients and pending approvals now; registrations and sign-ins in the period."""
        row = await self.db.fetchrow(COUNTS, start, end)
        assert row is not None  # an aggregate always answers one row
        return dict(row)

    async def active_staff(self) -> dict[str, int]:
        """Active accounts per staff role."""
        return {row["role"]: row["n"] for row in await self.db.fetch(STAFF)}
