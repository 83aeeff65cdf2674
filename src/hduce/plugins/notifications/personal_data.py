"""The notifications section of a person's data export: preferences and messages sent to them.

Message bodies are left out: they may hold one-time links (password reset, confirmation).
"""

NOTIFICATION_DATA = {
    "preferences": (
        "SELECT channels::text AS channels, quiet_start, quiet_end, updated_at "
        'FROM notification_preference WHERE "user" = $1'
    ),
    "messages": (
        "SELECT n.id, n.template, n.category, n.created_at, d.channel, d.address, d.subject, "
        "d.status, d.sent_at, d.read_at FROM notification n JOIN delivery d "
        "ON d.notification = n.id WHERE n.recipient = $1 ORDER BY n.created_at, d.channel"
    ),
}
JSON_COLUMNS = frozenset({"channels"})
