"""The failure an extraction process reports as the document's reason, not as a crash."""


class Unreadable(ValueError):
    """The file cannot be extracted, for a reason its message gives the user."""
