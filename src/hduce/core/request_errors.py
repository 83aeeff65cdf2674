"""The error of a well-formed request that makes no sense, shared by every plugin."""

from hduce.core.errors import HduceError


class InvalidRequest(HduceError):
    """Well formed but meaningless (an unknown type, a reversed range): 422, as a failed check.

    Its slug and title are those of the 422 answers to inputs that fail validation, so a client
    handles both alike.
    """

    status_code, slug, title = 422, "validation-error", "Invalid request"
