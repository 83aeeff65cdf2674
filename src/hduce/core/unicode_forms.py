"""One Unicode form for text people type and look up (NFC, as most keyboards send it)."""

import unicodedata


def nfc(text: str) -> str:
    """`text` precomposed (Unicode NFC): `ë` typed as `e` and U+0308 becomes the one character.

    Text stored and searched this way matches whichever form it was typed in.
    """
    return unicodedata.normalize("NFC", text)
