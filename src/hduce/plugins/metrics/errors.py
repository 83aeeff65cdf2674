"""Errors of the metrics plugin."""

from hduce.core.errors import HduceError


class InvalidPeriod(HduceError):
    """The period is reversed, has no UTC offset or is longer than allowed."""

    status_code, slug, title = 422, "invalid-period", "Invalid period"
