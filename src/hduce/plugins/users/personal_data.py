"""The profile section of a person's data export: their profile and care team."""

PROFILE_DATA = {
    "profile": (
        "SELECT first_name, last_name, phone, date_of_birth, address, emergency_contact_name, "
        "emergency_contact_phone, specialty, institution, licence_number, timezone, created_at, "
        "updated_at FROM profile WHERE account = $1"
    ),
    "care_team": (
        "SELECT clinician, added_by, added_at FROM care_team_member WHERE patient = $1 "
        "ORDER BY added_at"
    ),
}
