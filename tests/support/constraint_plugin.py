"""A test plugin whose writes break a unique or a foreign key constraint it does not catch.

Loaded through `plugins.extra` (`tests.support.constraint_plugin:ConstraintPlugin`): each route
writes, in one transaction, into temporary tables whose key values look like personal data.
"""

from collections.abc import Sequence
from typing import Any

from hduce.core.plugin import HducePlugin

EMAIL = "ada.lovelace@example.org"
"""The value the routes write: it must appear in no answer and no log line."""
TABLES = (
    "CREATE TEMP TABLE probe_person (email text PRIMARY KEY, nickname text) ON COMMIT DROP",
    "CREATE UNIQUE INDEX probe_person_nickname ON probe_person (lower(nickname))",
    "CREATE TEMP TABLE probe_visit (person text REFERENCES probe_person (email)) ON COMMIT DROP",
)


class ConstraintPlugin(HducePlugin):
    """`POST /api/v1/constraint-probe/{unique,unique-expression,foreign-key}`."""

    name = "constraint_probe"

    def route_handlers(self) -> Sequence[Any]:
        """Three routes, each breaking one constraint."""
        from litestar import post
        from litestar.params import FromPath

        db = self.env.db
        statements = {
            "unique": ["INSERT INTO probe_person VALUES ($1, 'a')"] * 2,
            "unique-expression": [
                "INSERT INTO probe_person VALUES ($1, 'Ada')",
                "INSERT INTO probe_person VALUES ($1 || '.uk', 'ADA')",
            ],
            "foreign-key": ["INSERT INTO probe_visit VALUES ($1)"],
        }

        @post("/constraint-probe/{kind:str}", status_code=201)
        async def probe(kind: FromPath[str]) -> None:
            """Write the rows of `kind` (the last write breaks a constraint)."""
            async with db.transaction():
                for statement in TABLES:
                    await db.execute(statement)
                for statement in statements[kind]:
                    await db.execute(statement, EMAIL)

        return [probe]
