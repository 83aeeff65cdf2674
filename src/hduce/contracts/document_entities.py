"""What a document's extracted entity is, importable without the web application.

The extraction processes build entities with only msgspec loaded; `contracts.documents`
re-exports `DocumentEntity` for everyone else.
"""

import msgspec


class DocumentEntity(msgspec.Struct, frozen=True, kw_only=True):
    """A finding extracted from a document's text (a medication, diagnosis, allergy, measure)."""

    kind: str
    text: str
    """As written in the document."""
    value: str
    """Normalised: the drug or diagnosis name, a measure's value."""
    code: str | None = None
    """DrugBank id of a medication, ICD-10 code of a diagnosis."""
    amount: float | None = None
    unit: str | None = None
    page: int = 1
    """Counted from 1."""
    context: tuple[str, ...] = ()
    """What the text says of it (ConText): `negated`, `historical`, `family`, `hypothetical`,
    `possible`; empty when it is simply present."""
