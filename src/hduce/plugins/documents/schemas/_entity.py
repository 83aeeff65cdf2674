"""What an entity is: a shape of the API, built by the extraction processes.

It imports nothing of the plugin, so an extraction process loads it without the web application.
"""

import msgspec


class Entity(msgspec.Struct, frozen=True, kw_only=True):
    """One finding: its kind, the text as written, a normalized value and where it is.

    `start`/`end` are offsets into the document's text (pages separated by form feeds);
    `page` counts from 1.
    """

    kind: str
    text: str
    value: str
    code: str | None = None
    """A code of the value: DrugBank id of a medication, ICD-10 code of a diagnosis."""
    amount: float | None = None
    unit: str | None = None
    page: int = 1
    start: int
    end: int
    context: tuple[str, ...] = ()
    """What the text says of it (ConText): `negated`, `historical`, `family`, `hypothetical`,
    `possible`; empty when it is simply present."""
