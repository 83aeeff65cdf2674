"""The `document` table keeps nothing its writes would pay for without a reader."""

import asyncpg


async def test_no_full_text_column_is_kept_beside_the_search_index(raw_pool: asyncpg.Pool) -> None:
    """Documents are found through the search plugin's `search_entry`.

    Regression: a generated `tsvector` of the whole text with its GIN index stayed on
    `document` after search moved out; nothing read it, and every extraction paid for it
    (about 14 of 21 ms of PostgreSQL time per stored 50-page text).
    """
    columns = await raw_pool.fetch(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'document' AND data_type = 'tsvector'"
    )
    indexes = await raw_pool.fetch(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'document' AND indexdef ILIKE '%gin%'"
    )
    assert [row["column_name"] for row in columns] == []
    assert [row["indexname"] for row in indexes] == []
