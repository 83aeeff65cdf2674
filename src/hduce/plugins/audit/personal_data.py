"""The access-log section of a person's data export: who did what about them, and when."""

AUDIT_DATA = {
    "access_log": (
        "SELECT occurred_at, action, actor_id FROM audit_event WHERE subject_id = $1 ORDER BY id"
    ),
}
