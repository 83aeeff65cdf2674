"""Overlapping finds of one kind: the longest wins, in one pass over finds sorted by start."""

import bisect
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar


class Span(Protocol):
    """Anything with a start and an end offset."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


S = TypeVar("S", bound=Span)


def longest_first(found: Iterable[S]) -> list[S]:
    """The finds that do not overlap, in text order; of two that overlap the longer stays.

    Sorting is O(n log n); the sweep compares each find with the last one kept only.
    """
    kept: list[S] = []
    for item in sorted(found, key=lambda f: (f.start, f.start - f.end)):
        if kept and item.start < kept[-1].end:
            if item.end - item.start > kept[-1].end - kept[-1].start:
                kept[-1] = item
            continue
        kept.append(item)
    return kept


def inside(item: Span, spans: Sequence[Span], starts: Sequence[int]) -> bool:
    """Whether `item` lies within one of `spans` (apart, in text order; `starts` are theirs)."""
    index = bisect.bisect_right(starts, item.start) - 1
    return index >= 0 and spans[index].start <= item.start and item.end <= spans[index].end


def overlaps(item: Span, spans: Sequence[Span], starts: Sequence[int]) -> bool:
    """Whether `item` shares a character with one of `spans` (apart, in text order)."""
    index = bisect.bisect_left(starts, item.end) - 1
    return index >= 0 and spans[index].end > item.start
