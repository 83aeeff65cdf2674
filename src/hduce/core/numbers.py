"""Numbers as people (or other servers) write them, and as they were sent."""


def whole_number(text: str, high: int) -> int | None:
    """`text` as a whole number from 0 to `high`, or None when it is not one.

    `str.isdigit` alone takes `²` or `①`, which int() refuses, and int() refuses more than
    4,300 digits: only ASCII digits count, and no more of them than `high` has.
    """
    number = text.lstrip("0") or "0"
    if not (text.isascii() and text.isdigit() and len(number) <= len(str(high))):
        return None
    value = int(number)
    return value if value <= high else None


def shown_value(value: float) -> str:
    """A measured number as sent: every digit kept (`:g` rounds 100.0001 to 100), no `.0`."""
    return repr(value).removesuffix(".0")
