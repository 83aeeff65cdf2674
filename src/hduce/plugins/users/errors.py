"""Errors of the users plugin."""

from hduce.core.errors import HduceError, InvalidRequest


class InvalidQuery(InvalidRequest):
    """A query parameter is out of range."""


class NotAClinician(HduceError):
    """Only active doctors and nurses join care teams."""

    status_code, slug, title = 422, "not-a-clinician", "Not a clinician"
