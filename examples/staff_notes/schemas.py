"""What staff send and read."""

import uuid

from hduce.core.schemas import Input, Read


class NoteIn(Input):
    """A new note."""

    body: str


class NoteRead(Read):
    """A note as staff read it."""

    id: uuid.UUID
    author: uuid.UUID
    body: str
