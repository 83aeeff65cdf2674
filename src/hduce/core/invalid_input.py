"""The 422 answer to a well-formed request whose values cannot be accepted."""

from hduce.core.errors import HduceError


class InvalidInput(HduceError):
    """Base of a plugin's `validation-error`: the request parsed, but a value makes no sense.

    It answers as a request the framework's own validation refused does (422,
    `validation-error`, "Invalid request"); a subclass names what was wrong in its docstring.
    """

    status_code, slug, title = 422, "validation-error", "Invalid request"
