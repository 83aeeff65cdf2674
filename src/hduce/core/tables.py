"""Core tables (the transactional outbox, dead letters) and the column that points at an account."""

from typing import Any

from piccolo.columns import JSONB, UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table


class Outbox(Table, tablename="outbox"):
    """An event written in the same transaction as the change it describes."""

    id = UUID(primary_key=True)
    name = Varchar(length=200, index=True)
    payload = JSONB()
    created_at = Timestamptz(default=TimestamptzNow())
    available_at = Timestamptz(default=TimestamptzNow())
    dispatched_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    last_error = Text(null=True, default=None)


class DeadLetter(Table, tablename="dead_letter"):
    """A task that exhausted its attempts, kept with its payload and last error."""

    id = UUID(primary_key=True)
    task_name = Varchar(length=200, index=True)
    task_id = Varchar(length=64)
    message = JSONB()
    attempts = Integer()
    error = Text()
    created_at = Timestamptz(default=TimestamptzNow())


def account_key(**options: Any) -> ForeignKey:
    """A foreign key to an account (the auth plugin's `Account`) that refuses deleting it.

    `options` are the column's others, e.g. `index=True`, `unique=True` or `null=True`.
    """
    return ForeignKey(
        references=LazyTableReference("Account", app_name="auth"),
        on_delete=OnDelete.restrict,
        **options,
    )
