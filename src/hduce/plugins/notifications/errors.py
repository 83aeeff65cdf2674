"""Errors of the notifications API."""

from hduce.core.errors import HduceError, InvalidRequest


class TooManyStreams(HduceError):
    """The user already holds as many live streams as `max_streams_per_user` allows."""

    status_code, slug, title = 429, "too-many-streams", "Too many live streams"


class InvalidPreferences(InvalidRequest):
    """A category, channel or time the preferences do not know."""
