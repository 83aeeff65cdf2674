from hduce.core.migrations import raw_sql_migration

ID = "2026-12-07T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "device presence across processes: live brokers and the devices connected to each"

# A broker (one `hduce serve`) renews `alive_until` while it runs; a device is online while a
# broker alive now holds a connection of it. A killed broker's rows expire with it.
FORWARDS_SQL = [
    "CREATE TABLE device_broker (id uuid PRIMARY KEY, host varchar(255) NOT NULL, "
    "pid integer NOT NULL, started_at timestamptz NOT NULL DEFAULT now(), "
    "renewed_at timestamptz NOT NULL DEFAULT now(), alive_until timestamptz NOT NULL)",
    "CREATE TABLE device_connection (id bigserial PRIMARY KEY, "
    "device uuid NOT NULL REFERENCES device (id) ON DELETE CASCADE, "
    "broker uuid NOT NULL REFERENCES device_broker (id) ON DELETE CASCADE, "
    "since timestamptz NOT NULL DEFAULT now())",
    "CREATE UNIQUE INDEX device_connection_once ON device_connection (device, broker)",
    "CREATE INDEX device_connection_broker ON device_connection (broker)",
]

BACKWARDS_SQL = [
    "DROP TABLE IF EXISTS device_connection",
    "DROP TABLE IF EXISTS device_broker",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="devices",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
