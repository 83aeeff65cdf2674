"""The accounts section of the clinic analytics: patients, staff and pending approvals."""

from datetime import datetime

import msgspec

from hduce.plugins.auth.store import AccountCounts


class AccountFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Who uses the clinic's HDuce."""

    active_patients: int
    new_patients: int
    """Patient accounts created in the period."""
    pending_approvals: int
    """Staff registrations waiting for an admin, now."""
    signed_in: int
    """Accounts that signed in during the period (each counted once, however often)."""
    active_staff: dict[str, int]
    """Active accounts per staff role (one account may count under several roles)."""


class AccountAnalytics:
    """Computes `AccountFigures` from the account and refresh token tables."""

    def __init__(self, counts: AccountCounts) -> None:
        self._counts = counts

    async def figures(self, start: datetime, end: datetime) -> AccountFigures:
        """The figures now, with registrations and sign-ins counted over `[start, end)`."""
        counts = await self._counts.in_period(start, end)
        return AccountFigures(**counts, active_staff=await self._counts.active_staff())
