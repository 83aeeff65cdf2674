"""Cutting an entry into overlapping chunks of words, each knowing the page it starts on."""

import msgspec

from hduce.plugins.search.services._entries import Entry

PAGE_BREAK = "\f"
"""Documents keep their extracted pages apart with form feeds."""


class Chunk(msgspec.Struct, frozen=True):
    """A window of an entry's text: its number, first page (documents) and the text embedded."""

    seq: int
    page: int | None
    text: str


def chunks(entry: Entry, words: int = 180, overlap: int = 40) -> list[Chunk]:
    """The entry's chunks: windows of `words` words repeating `overlap`, never across pages."""
    paged = PAGE_BREAK in entry.body or bool(entry.extra.get("page_count"))
    step = max(words - overlap, 1)
    found: list[Chunk] = []
    for number, page in enumerate(entry.body.split(PAGE_BREAK), start=1):
        split = page.split()
        for start in range(0, max(len(split) - overlap, 1), step) if split else ():
            text = f"{entry.title}\n{' '.join(split[start : start + words])}"
            found.append(Chunk(len(found), number if paged else None, text))
    return found or [Chunk(0, None, entry.title)]
