"""Control characters in the text a client sends: refused, but for tabs and line breaks.

Line breaks are refused too in the fields that hold one line (`ONE_LINE`: names, usernames,
phone numbers), wherever they are sent: a request body or the command line.
"""

import re
from collections.abc import Collection, Iterator, Mapping

import msgspec

CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Every C0 and C1 control character but tab, line feed and carriage return."""
LINE_BREAKS = re.compile(r"[\n\r\u2028\u2029]")
"""Line feed, carriage return and Unicode's line and paragraph separators."""
ONE_LINE = frozenset(
    {
        "first_name",
        "last_name",
        "username",
        "phone",
        "emergency_contact_name",
        "emergency_contact_phone",
    }
)
"""Fields holding one line: a person's names, usernames and phone numbers."""


def check_controls(struct: msgspec.Struct, kept: Collection[str] = ()) -> None:
    """Refuse (`ValueError`, a 422 naming the field) text holding a control character.

    NUL, which PostgreSQL cannot store, and BEL, ESC and the like, which a terminal showing a
    name (`hduce user list`) would obey; tabs and line breaks stay, for text with lines. Fields
    in `kept` are taken as sent (passwords: one set with such a character must still work);
    those of `ONE_LINE` may hold no line break either.
    """
    for name in struct.__struct_fields__:
        if name in kept:
            continue
        for text in _texts(getattr(struct, name)):
            if why := why_refused(text, one_line=name in ONE_LINE):
                raise ValueError(f"{why} - at `$.{name}`")


def why_refused(text: str, *, one_line: bool = False) -> str | None:
    """What is wrong with `text` if it holds a control character (but tabs and line breaks).

    `one_line`: a line break is refused too.
    """
    if one_line and (found := LINE_BREAKS.search(text)):
        return f"must be one line, without line breaks (here U+{ord(found[0]):04X})"
    if found := CONTROLS.search(text):
        return (
            f"text may not contain control characters (here U+{ord(found[0]):04X});"
            " tabs and line breaks are allowed"
        )
    return None


def _texts(value: object) -> Iterator[str]:
    """The text of a field: itself, or the text in a list or the keys and values of a map."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        yield from (text for pair in value.items() for text in pair if isinstance(text, str))
    elif isinstance(value, list | tuple | set | frozenset):
        yield from (text for text in value if isinstance(text, str))
