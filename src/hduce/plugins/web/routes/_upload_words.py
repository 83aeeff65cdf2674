"""Why an upload from the portal was refused, in words a patient understands (no HTTP)."""

from hduce.core.errors import HduceError

MIB = 1024 * 1024
IN_WORDS = {
    "unsupported-type": (
        "The clinic cannot read this kind of file. Send a PDF, a PNG, JPEG or TIFF image, or a "
        "plain text file (a Word document can be saved as a PDF first)."
    ),
    "insufficient-storage": "The clinic cannot keep files just now. Please try again later.",
}
TOO_LARGE = frozenset({"upload-too-large", "form-too-large"})
"""Refusals of the documents' cap and of the form's own limit: one reason for the patient."""
EMPTY = "This file is empty. Choose the document again."


def upload_refusal(exc: HduceError, largest: int) -> str:
    """The refusal `exc` of an upload as the portal says it (the form's own ones unchanged).

    `largest`: the largest file a patient can send, in bytes, named when a file is too large.
    """
    if exc.slug in TOO_LARGE:
        return (
            f"This file is too large for the clinic to keep: the largest it accepts is "
            f"{in_megabytes(largest)}. Send a smaller one (a scan at a lower resolution, or a "
            "few pages at a time)."
        )
    return IN_WORDS.get(exc.slug, exc.detail)


def in_megabytes(size: int) -> str:
    """`size` bytes as people read file sizes, rounded down ("25 MB", "500 KB")."""
    return f"{size // MIB} MB" if size >= MIB else f"{size // 1024} KB"
