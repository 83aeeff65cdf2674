"""Tables of the devices plugin: devices, assignments, readings, alerts, thresholds, presence."""

from piccolo.columns import (
    UUID,
    BigSerial,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table


def _account(*, null: bool = False, index: bool = False) -> ForeignKey:
    return ForeignKey(
        references=LazyTableReference("Account", app_name="auth"),
        on_delete=OnDelete.restrict,
        null=null,
        index=index,
    )


class Device(Table, tablename="device"):
    """A registered medical device; it signs in to MQTT with its id and a secret."""

    id = UUID(primary_key=True)
    kind = Varchar(length=32)
    name = Varchar(length=200)
    serial = Varchar(length=100, unique=True)
    patient = _account(null=True, index=True)
    secret_hash = Varchar(length=64)
    active = Boolean(default=True)
    created_by = _account()
    created_at = Timestamptz(default=TimestamptzNow())
    deactivated_at = Timestamptz(null=True, default=None)
    last_seen_at = Timestamptz(null=True, default=None)
    online = Boolean(default=False)
    presence_changed_at = Timestamptz(null=True, default=None)
    offline_reason = Varchar(length=32, null=True, default=None)
    invalid_messages = Integer(default=0)
    last_error = Text(null=True, default=None)
    last_error_at = Timestamptz(null=True, default=None)


class DeviceBroker(Table, tablename="device_broker"):
    """A running MQTT broker (one `hduce serve`); it renews `alive_until` while it runs."""

    id = UUID(primary_key=True)
    host = Varchar(length=255)
    pid = Integer()
    started_at = Timestamptz(default=TimestamptzNow())
    renewed_at = Timestamptz(default=TimestamptzNow())
    alive_until = Timestamptz()


class DeviceConnection(Table, tablename="device_connection"):
    """A device connected to a broker (one row however many connections it has there).

    The raw-SQL migration makes (`device`, `broker`) unique; the rows of a broker go with it.
    """

    id = BigSerial(primary_key=True)
    device = ForeignKey(references=Device, on_delete=OnDelete.cascade)
    broker = ForeignKey(references=DeviceBroker, on_delete=OnDelete.cascade, index=True)
    since = Timestamptz(default=TimestamptzNow())


class DeviceAssignment(Table, tablename="device_assignment"):
    """A device's time with one patient, from `since` until `until` (None: still theirs).

    The raw-SQL migration's triggers on `device` write it whenever `device.patient` changes.
    """

    id = BigSerial(primary_key=True)
    device = ForeignKey(references=Device, on_delete=OnDelete.cascade)
    patient = _account(index=True)
    since = Timestamptz()
    until = Timestamptz(null=True, default=None)


class Reading(Table, tablename="reading"):
    """One measured value, with the patient the device was assigned to when it arrived.

    The raw-SQL migration adds `message_key` and `position` (unique per device): a message sent
    again, or another re-using a stored `id`, inserts nothing (see `ReadingMessage` and
    `services._telemetry.message_key`).
    """

    id = BigSerial(primary_key=True)
    device = ForeignKey(references=Device, on_delete=OnDelete.restrict)
    patient = _account(null=True)
    metric = Varchar(length=32)
    value = DoublePrecision()
    unit = Varchar(length=16)
    measured_at = Timestamptz()
    received_at = Timestamptz(default=TimestamptzNow())


class ReadingMessage(Table, tablename="reading_message"):
    """A telemetry message whose readings are stored (its key: see `Reading`).

    The raw-SQL migration makes (`device`, `message_key`) unique: the writer claims a message
    here and stores its readings in one statement, so a message is stored whole or not at all.
    """

    id = BigSerial(primary_key=True)
    device = ForeignKey(references=Device, on_delete=OnDelete.cascade)
    message_key = Text()


class Alert(Table, tablename="device_alert"):
    """A reading beyond a threshold; one open alert per patient, metric and bound (direction)."""

    id = UUID(primary_key=True)
    device = ForeignKey(references=Device, on_delete=OnDelete.restrict)
    patient = _account(index=True)
    metric = Varchar(length=32)
    value = DoublePrecision()
    unit = Varchar(length=16)
    bound = Varchar(length=8)
    threshold = DoublePrecision()
    measured_at = Timestamptz()
    raised_at = Timestamptz(default=TimestamptzNow())
    acknowledged_at = Timestamptz(null=True, default=None)
    acknowledged_by = _account(null=True)


class ThresholdRule(Table, tablename="device_threshold"):
    """A doctor's bounds for one patient and metric; a side that inherits is the clinic's."""

    id = UUID(primary_key=True)
    patient = _account()
    metric = Varchar(length=32)
    above = DoublePrecision(null=True, default=None)
    below = DoublePrecision(null=True, default=None)
    above_inherits = Boolean(default=False)
    below_inherits = Boolean(default=False)
    updated_by = _account()
    updated_at = Timestamptz(default=TimestamptzNow())
