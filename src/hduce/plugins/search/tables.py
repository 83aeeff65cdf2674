"""The search plugin's table: one row per entry (its tsvector column is added by raw SQL)."""

from piccolo.columns import JSONB, UUID, Array, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class SearchEntry(Table, tablename="search_entry"):
    """A searchable patient, appointment (or later document), denormalised for display.

    No foreign keys: it is a read model rebuilt from its sources by `hduce search reindex`.
    """

    id = UUID(primary_key=True)
    kind = Varchar(length=16)
    ref_id = UUID()
    patient_id = UUID(null=True, default=None, index=True)
    practitioner_id = UUID(null=True, default=None, index=True)
    title = Text()
    body = Text(default="")
    extra = JSONB(default="{}")
    updated_at = Timestamptz()
    dated_at = Timestamptz(null=True, default=None)
    entities = Array(base_column=Text())
    # The accent-free spellings of the accented words, indexed beside them (`_folding`).
    folded_title = Text(default="")
    folded_body = Text(default="")
    indexed_at = Timestamptz(default=TimestamptzNow())
