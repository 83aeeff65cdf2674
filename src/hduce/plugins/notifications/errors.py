"""Errors of the notifications API."""

from hduce.core.errors import HduceError


class TooManyStreams(HduceError):
    """The user already holds as many live streams as `max_streams_per_user` allows."""

    status_code, slug, title = 429, "too-many-streams", "Too many live streams"


class InvalidPreferences(HduceError):
    """A category, channel or time the preferences do not know."""

    status_code, slug, title = 422, "validation-error", "Invalid request"
