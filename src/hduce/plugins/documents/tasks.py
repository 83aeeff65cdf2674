"""The documents plugin's own event: an extraction whose task was dead-lettered is due again."""

from hduce.contracts.documents import DocumentFact


class ExtractionRequeued(DocumentFact, frozen=True):
    """A document left unfinished by a dead-lettered extraction task is to be extracted again."""

    name = "document.extraction_requeued"
