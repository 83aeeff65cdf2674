"""Text fields checked against a pattern, refused in words that say what the pattern allows.

msgspec refuses a text that does not match its type's `pattern` by quoting the regular
expression ("Expected `str` matching regex '^(?!.*...'"); people read the words kept beside it.
"""

from typing import Any

import msgspec

WORDS: dict[str, str] = {}
"""What each pattern of a field type allows, in words, by the pattern."""
NOT_BLANK = "may not be empty or only spaces"


def matching(pattern: str, words: str, **meta: Any) -> msgspec.Meta:
    """A text type's constraint: `pattern` to match, `words` saying what it allows.

    `meta` holds the type's other constraints and documentation (`max_length`, `description`).
    """
    if WORDS.setdefault(pattern, words) != words:
        raise ValueError(f"the pattern {pattern!r} is already said as {WORDS[pattern]!r}")
    return msgspec.Meta(pattern=pattern, **meta)


def not_blank(**meta: Any) -> msgspec.Meta:
    """A text type's constraint: at least one character that is not a space."""
    return matching(r"\S", NOT_BLANK, **meta)


def worded(message: str) -> str:
    """Msgspec's `message` with a pattern a text did not match said as its words."""
    for pattern, words in WORDS.items():
        message = message.replace(f"Expected `str` matching regex {pattern!r}", words)
    return message
