"""What an entity is: a shape of the API, built by the extraction processes.

It imports nothing of the plugin and only msgspec beside, so an extraction process loads it
without the web application.
"""

from hduce.contracts.document_entities import DocumentEntity


class Entity(DocumentEntity, frozen=True, kw_only=True):
    """A `DocumentEntity` and where it stands in the document's text.

    `start`/`end` are offsets into the text, whose pages are separated by form feeds.
    """

    start: int
    end: int
