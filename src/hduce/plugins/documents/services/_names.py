"""Names from clients (file names, titles), cleaned before they are stored or name a download.

Control characters (C0 and C1) and format characters go from both, the latter holding the
bidirectional controls that make `x<U+202E>txt.exe` show as `xexe.txt`, and so do the line and
paragraph separators; the zero-width joiners stay (they spell words in Persian and Indic
scripts). A file name also loses any folder part.
"""

import unicodedata

from hduce.plugins.documents.services._sniff import EXTENSIONS

MAX_TITLE, MAX_FILENAME = 200, 255
"""The lengths of the `title` and `filename` columns."""
UNTITLED, UNNAMED = "Untitled document", "document"
# Control, format (U+061C, U+200E/F, U+202A-E, U+2066-9 among them), line and paragraph separators.
_UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp"})
# Format characters that spell words: the zero-width non-joiner and joiner (Persian, Indic scripts).
_JOINERS = frozenset({"\u200c", "\u200d"})


def safe_name(name: str | None) -> str | None:
    """The last part of a client's file name, without controls or slashes (None if empty).

    Cut to `MAX_FILENAME` characters, its extension kept.
    """
    if not name:
        return None
    base = _without_controls(name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return _cut(base, MAX_FILENAME) or None


def clean_title(title: str | None) -> str | None:
    """A client's title without controls, at most `MAX_TITLE` characters (None if empty)."""
    if not title:
        return None
    return _without_controls(title).strip()[:MAX_TITLE] or None


def default_title(filename: str | None) -> str:
    """The title of a document uploaded without one: its file name, cut to fit (extension kept)."""
    return _cut(filename, MAX_TITLE) if filename else UNTITLED


def download_name(name: str | None, content_type: str) -> str:
    """The cleaned `name` (else `document`) with an extension matching the sniffed type.

    `x.html` holding text downloads as `x.txt`; the name stays within `MAX_FILENAME` bytes of
    UTF-8, which file systems count (ext4, APFS), not characters.
    """
    name = safe_name(name) or UNNAMED
    extensions = EXTENSIONS.get(content_type)
    stem, dot, extension = name.rpartition(".")
    if extensions and not (dot and f".{extension.lower()}" in extensions):
        name = f"{stem if dot and stem else name}{extensions[0]}"
    return _within_bytes(name, MAX_FILENAME)


def _cut(name: str, most: int) -> str:
    """`name` cut to `most` characters, keeping its extension (up to 10 characters) whole."""
    if len(name) <= most:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        return name[:most]
    return f"{stem[: most - len(extension) - 1]}.{extension}"


def _within_bytes(name: str, most: int) -> str:
    """`name` within `most` bytes of UTF-8, keeping its extension (up to 10 characters) whole."""
    if len(name.encode()) <= most:
        return name
    stem, dot, extension = name.rpartition(".")
    tail = f".{extension}" if dot and len(extension) <= 10 else ""
    kept = (stem if tail else name).encode()[: most - len(tail.encode())]
    return kept.decode(errors="ignore") + tail


def _without_controls(text: str) -> str:
    return "".join(
        char for char in text if char in _JOINERS or unicodedata.category(char) not in _UNSAFE
    )
