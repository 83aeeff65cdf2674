"""Errors of the users plugin."""

from hduce.core.errors import Conflict, HduceError, InvalidRequest


class InvalidQuery(InvalidRequest):
    """A query parameter is out of range."""


class OwnAccountProtected(Conflict):
    """An admin tried to remove their own admin role, deactivate or force-reset themselves."""

    slug, title = "own-account-protected", "Own account protected"


class NotAClinician(HduceError):
    """Only active doctors and nurses join care teams."""

    status_code, slug, title = 422, "not-a-clinician", "Not a clinician"
