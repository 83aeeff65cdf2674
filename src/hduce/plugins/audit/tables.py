"""The audit plugin's one table: an append-only, hash-chained event log."""

from piccolo.columns import JSONB, UUID, BigSerial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class AuditEvent(Table, tablename="audit_event"):
    """A security event or clinical-data access; `hash` chains it to the previous row."""

    id = BigSerial(primary_key=True)
    occurred_at = Timestamptz(default=TimestamptzNow())
    action = Varchar(length=100, index=True)
    actor_id = UUID(null=True, default=None, index=True)
    subject_id = UUID(null=True, default=None, index=True)
    ip = Varchar(length=64, null=True, default=None)
    detail = JSONB()
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64, unique=True)
