"""The one table of the staff_notes plugin."""

from piccolo.columns import UUID, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class StaffNote(Table, tablename="staff_note"):
    """A note a staff member left for the others."""

    id = UUID(primary_key=True)
    author = UUID()
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())
