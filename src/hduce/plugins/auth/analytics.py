"""The accounts section of the clinic analytics: patients, staff and pending approvals."""

from datetime import datetime

import msgspec

from hduce.core.db import HduceEngine

COUNTS = """
SELECT
  count(*) FILTER (WHERE 'patient' = ANY(roles) AND status = 'active') AS active_patients,
  count(*) FILTER (WHERE 'patient' = ANY(roles) AND created_at >= $1 AND created_at < $2)
    AS new_patients,
  count(*) FILTER (WHERE status = 'pending_approval') AS pending_approvals,
  count(*) FILTER (WHERE last_login_at >= $1 AND last_login_at < $2) AS signed_in
FROM account
"""
STAFF = """
SELECT role, count(*) AS n FROM account, unnest(roles) AS role
WHERE status = 'active' AND role <> 'patient' GROUP BY role
"""


class AccountFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Who uses the clinic's HDuce."""

    active_patients: int
    new_patients: int
    """Patient accounts created in the period."""
    pending_approvals: int
    """Staff registrations waiting for an admin, now."""
    signed_in: int
    """Accounts whose latest sign-in falls in the period."""
    active_staff: dict[str, int]
    """Active accounts per staff role (one account may count under several roles)."""


class AccountAnalytics:
    """Computes `AccountFigures` from the account table."""

    def __init__(self, db: HduceEngine) -> None:
        self._db = db

    async def figures(self, start: datetime, end: datetime) -> AccountFigures:
        """The figures now, with registrations and sign-ins counted over `[start, end)`."""
        counts = await self._db.fetchrow(COUNTS, start, end)
        staff = await self._db.fetch(STAFF)
        assert counts is not None  # an aggregate always answers one row
        return AccountFigures(
            active_patients=counts["active_patients"],
            new_patients=counts["new_patients"],
            pending_approvals=counts["pending_approvals"],
            signed_in=counts["signed_in"],
            active_staff={r["role"]: r["n"] for r in staff},
        )
