"""A real example of booking, for the OpenAPI document."""

BOOK_BODY = {
    "practitioner_id": "6a1d2c3b-7e8f-4a9b-8c0d-1e2f3a4b5c6d",
    "type_id": "f3e2d1c0-b9a8-4765-9432-10fedcba9876",
    "starts_at": "2026-12-04T09:30:00+01:00",
}
BOOKED = {
    "id": "9c8b7a65-4321-4fed-8cba-0987654321fe",
    "patient_id": "0b7e5c1e-4f3a-4a8e-9d61-2f1c3b5a7e90",
    "practitioner_id": "6a1d2c3b-7e8f-4a9b-8c0d-1e2f3a4b5c6d",
    "type_id": "f3e2d1c0-b9a8-4765-9432-10fedcba9876",
    "type_name": "Consultation",
    "status": "booked",
    "starts_at": "2026-12-04T08:30:00Z",
    "ends_at": "2026-12-04T09:00:00Z",
    "mode": "in_person",
    "created_at": "2026-12-02T09:45:00Z",
    "updated_at": "2026-12-02T09:45:00Z",
}
