"""Why an upload from the portal was refused, in words a patient understands (no HTTP)."""

from hduce.core.errors import HduceError

IN_WORDS = {
    "unsupported-type": (
        "The clinic cannot read this kind of file. Send a PDF, a PNG, JPEG or TIFF image, or a "
        "plain text file (a Word document can be saved as a PDF first)."
    ),
    "upload-too-large": (
        "This file is too large for the clinic to keep. Send a smaller one (a scan at a lower "
        "resolution, or a few pages at a time)."
    ),
    "insufficient-storage": "The clinic cannot keep files just now. Please try again later.",
}
EMPTY = "This file is empty. Choose the document again."


def upload_refusal(exc: HduceError) -> str:
    """The refusal `exc` of an upload as the portal says it (the form's own ones unchanged)."""
    return IN_WORDS.get(exc.slug, exc.detail)
