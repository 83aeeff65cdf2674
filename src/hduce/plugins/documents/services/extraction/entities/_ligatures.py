"""Typographic ligatures (U+FB00-FB06: ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ) read as their letters, offsets kept.

PDFs and text pasted from them write "ﬁbrillation" with one character for "fi"; the rules read
the letters, and what they find is placed back into the text as written.
"""

import bisect
import re

import msgspec

from hduce.plugins.documents.schemas._entity import Entity

_LETTERS = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_LIGATURE = re.compile("[\ufb00-\ufb06]")
_EXPAND = str.maketrans(_LETTERS)


class Placement:
    """Maps offsets into the text with its ligatures spelled out to offsets into the text."""

    def __init__(self, text: str) -> None:
        self._starts: list[int] = []
        """Where each ligature's letters start in the spelled-out text."""
        self._ends: list[int] = []
        """... and end."""
        self._originals: list[int] = []
        """Where each ligature is in the text."""
        added = 0
        for match in _LIGATURE.finditer(text):
            start = match.start() + added
            added += len(_LETTERS[match[0]]) - 1
            self._starts.append(start)
            self._ends.append(match.end() + added)
            self._originals.append(match.start())

    def original(self, offset: int, *, end: bool = False) -> int:
        """The text's offset for `offset`.

        Within a ligature's letters it is the ligature's (after it, for an `end`).
        """
        index = bisect.bisect_right(self._starts, offset) - 1
        if index < 0:
            return offset
        if offset < self._ends[index]:
            return self._originals[index] + (end and offset > self._starts[index])
        return offset - (self._ends[index] - self._originals[index] - 1)

    def placed(self, entity: Entity, text: str) -> Entity:
        """`entity`, found in the spelled-out text, at its place in `text`."""
        start, end = self.original(entity.start), self.original(entity.end, end=True)
        return msgspec.structs.replace(entity, start=start, end=end, text=text[start:end])


def spelled_out(text: str) -> tuple[str, Placement | None]:
    """`text` with its ligatures as letters, and how to place back what is found in it.

    The placement is None when `text` holds no ligature (then it is returned as it is).
    """
    if not any(ligature in text for ligature in _LETTERS):  # faster than a regex search
        return text, None
    return text.translate(_EXPAND), Placement(text)
