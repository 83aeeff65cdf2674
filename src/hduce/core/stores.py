"""The base of a plugin's bundle of stores, each store built over the one `Database`."""

import dataclasses
from typing import Self, get_type_hints

from hduce.core.db import Database


@dataclasses.dataclass(frozen=True)
class StoreBundle:
    """A frozen dataclass whose every field is a store class that takes the `Database`."""

    @classmethod
    def over(cls, db: Database) -> Self:
        """Every store of the bundle, reading and writing through `db`."""
        types = get_type_hints(cls)
        return cls(**{field.name: types[field.name](db) for field in dataclasses.fields(cls)})
