"""docs/ARCHITECTURE.md's "Adding a plugin": its acme_rooms snippets fit one another.

Seen: the service inserted a `capacity` and the handler logged into a table with
`ON CONFLICT (event_id)`, while the guide's migration created neither; a newcomer who copied
them got errors at the first room.
"""

import ast
import re
from pathlib import Path

import asyncpg

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "ARCHITECTURE.md"
GUIDE = ARCHITECTURE.read_text(encoding="utf-8").split("### Adding a plugin", 1)[1]
GUIDE = GUIDE.split("\n## ", 1)[0]
STRINGS = re.compile(r'(?:"(?:[^"\\\n]|\\.)*"\s*)+')
"""A run of adjacent string literals (Python joins them into one)."""


def statements(kind: str) -> list[str]:
    """The SQL statements of the guide's snippets starting with `kind`."""
    joined = (
        "".join(ast.literal_eval(piece) for piece in re.findall(r'"(?:[^"\\\n]|\\.)*"', run))
        for run in STRINGS.findall(GUIDE)
    )
    return [sql for sql in joined if sql.startswith(kind)]


def test_every_store_method_the_snippets_call_is_shown() -> None:
    called = set(re.findall(r"self\.store\.(\w+)\(", GUIDE)) - {"db"}
    shown = set(re.findall(r"async def (\w+)\(", GUIDE))
    assert called and called <= shown, sorted(called - shown)


async def test_the_guides_statements_run_on_the_tables_its_migration_creates(
    migrated: str,
) -> None:
    creates, writes = statements("CREATE TABLE"), statements("INSERT INTO")
    assert creates and writes
    connection = await asyncpg.connect(migrated)
    try:
        transaction = connection.transaction()
        await transaction.start()
        try:
            for create in creates:
                await connection.execute(create)
            for write in writes:
                await connection.prepare(write)  # tables, columns, ON CONFLICT's unique key
        finally:
            await transaction.rollback()
    finally:
        await connection.close()
