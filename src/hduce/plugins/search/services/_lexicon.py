"""The synonym and abbreviation lexicon: a query naming one term of a group finds every term."""

import re
import unicodedata
from importlib import resources
from pathlib import Path

from hduce.plugins.search.store import WHOLE_WORD

Groups = list[tuple[str, ...]]
"""Alternatives per part of a query: every part must match, any alternative of a part."""
SHORT = 4
"""Longest one-word term (`mi`, `htn`, `afib`) the lexicon adds as a whole word only."""


class Lexicon:
    """Groups of equivalent terms, read from a text file (one comma-separated group a line)."""

    def __init__(self, text: str) -> None:
        self._groups: dict[str, tuple[str, ...]] = {}
        for line in text.splitlines():
            terms = tuple(dict.fromkeys(_normal(t) for t in line.split(",") if _normal(t)))
            if line.lstrip().startswith("#") or len(terms) < 2:
                continue
            for term in terms:
                self._groups[term] = tuple(dict.fromkeys((*self._groups.get(term, ()), *terms)))
        # Longest terms first, so "blood sugar" wins over a shorter term inside it.
        ordered = sorted(self._groups, key=len, reverse=True)
        self._pattern = re.compile(
            "|".join(rf"(?<!\w){re.escape(t)}(?!\w)" for t in ordered) or r"(?!)"
        )

    @classmethod
    def load(cls, path: str = "") -> "Lexicon":
        """The clinic's file at `path`, else the bundled one."""
        if path:
            return cls(Path(path).read_text("utf-8"))
        bundled = resources.files("hduce.plugins.search.services").joinpath("synonyms.txt")
        return cls(bundled.read_text("utf-8"))

    def expand(self, text: str) -> tuple[str, Groups]:
        """The text without its lexicon terms, and the alternatives of each term found.

        A short abbreviation the query did not name is marked `WHOLE_WORD` (`mi` added for
        "heart attack" must not find "middle"); what was typed stays a prefix.
        """
        lowered = _normal(text)
        groups = [
            tuple(_added(term, match.group()) for term in self._groups[match.group()])
            for match in self._pattern.finditer(lowered)
        ]
        return self._pattern.sub(" ", lowered).strip(), groups

    def completions(self, prefix: str, limit: int) -> list[str]:
        """Lexicon terms starting with `prefix`, shortest first."""
        start = _normal(prefix)
        found = sorted((t for t in self._groups if t.startswith(start)), key=lambda t: (len(t), t))
        return found[:limit]


def _added(term: str, typed: str) -> str:
    short = len(term) <= SHORT and term.isalnum()
    return f"{WHOLE_WORD}{term}" if short and term != typed else term


def _normal(text: str) -> str:
    """Lower-cased, single-spaced, precomposed (NFC) as queries are."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())
