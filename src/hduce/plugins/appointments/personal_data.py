"""The appointments section of a person's data export: their visits and waitlist entries.

Clinicians' notes are left out, as they are from every view a patient has (`notes` are read by
clinicians only); the clinic hands them over through its own records process.
"""

APPOINTMENT_DATA = {
    "appointments": (
        "SELECT a.id, a.starts_at, a.ends_at, a.status, a.mode, t.name AS type, a.practitioner, "
        "a.reason, a.cancellation_reason, a.booked_by, a.created_at, a.updated_at "
        "FROM appointment a JOIN appointment_type t ON t.id = a.appointment_type "
        "WHERE a.patient = $1 ORDER BY a.starts_at"
    ),
    "waitlist": (
        "SELECT w.id, w.practitioner, t.name AS type, w.from_date, w.to_date, w.status, "
        "w.created_at FROM waitlist_entry w JOIN appointment_type t ON t.id = w.appointment_type "
        "WHERE w.patient = $1 ORDER BY w.created_at"
    ),
}
