"""The documents table: metadata, status, extracted text and entities of each stored file."""

from piccolo.columns import JSONB, UUID, BigInt, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table


class Document(Table, tablename="document"):
    """One uploaded document of one patient; the file itself is stored by its SHA-256."""

    id = UUID(primary_key=True)
    patient = ForeignKey(
        references=LazyTableReference("Account", app_name="auth"),
        on_delete=OnDelete.restrict,
        index=True,
    )
    uploaded_by = ForeignKey(
        references=LazyTableReference("Account", app_name="auth"),
        on_delete=OnDelete.restrict,
    )
    title = Varchar(length=200)
    kind = Varchar(length=32, index=True)
    filename = Varchar(length=255, null=True, default=None)
    content_type = Varchar(length=100)
    size = BigInt()
    sha256 = Varchar(length=64, index=True)
    status = Varchar(length=16, index=True)
    error = Text(null=True, default=None)
    note = Text(null=True, default=None)
    page_count = Integer(null=True, default=None)
    text = Text(null=True, default=None)
    entities = JSONB(default=[])
    attempts = Integer(default=0)
    extracted_at = Timestamptz(null=True, default=None)
    deleted_at = Timestamptz(null=True, default=None)
    deleted_by = ForeignKey(
        references=LazyTableReference("Account", app_name="auth"),
        on_delete=OnDelete.restrict,
        null=True,
    )
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
