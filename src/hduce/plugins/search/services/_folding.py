"""Accent folding: the spelling without accents under which any spelling of a word is found."""

import unicodedata

# Letters with no decomposition to a base letter and a combining accent.
_SPELLED_OUT = str.maketrans(
    {
        "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
        "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T", "\u0131": "i", "ŀ": "l", "Ŀ": "L",
        "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ẞ": "SS", "þ": "th", "Þ": "TH",
    }
)  # fmt: skip


def fold(text: str) -> str:
    """`text` without accents: Héloïse → Heloise, Łódź → Lodz, Øresund → Oresund, ß → ss."""
    decomposed = unicodedata.normalize("NFD", text.translate(_SPELLED_OUT))
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def folded_words(text: str) -> str:
    """The folded spelling of each word of `text` that has accents, space-separated.

    Indexed beside the text, so a folded query finds it; words split on white space, as
    PostgreSQL's parser reads an address or a hyphenated word whole.
    """
    return " ".join(folded for word in text.split() if (folded := fold(word)) != word)
