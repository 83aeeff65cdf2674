"""Real examples of the register and login exchanges, for the OpenAPI document."""

REGISTER_BODY = {
    "email": "ada.lovelace@example.org",
    "username": "ada",
    "password": "Quiet-Lantern-Orbit-7421",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "phone": "+44 20 7946 0018",
    "date_of_birth": "1985-12-10",
}
REGISTERED = {
    "id": "0b7e5c1e-4f3a-4a8e-9d61-2f1c3b5a7e90",
    "email": "ada.lovelace@example.org",
    "username": "ada",
    "roles": ["patient"],
    "status": "active",
    "email_verified": False,
    "mfa_enabled": False,
    "created_at": "2026-12-02T09:30:00Z",
}
LOGIN_BODY = {"email": "ada.lovelace@example.org", "password": "Quiet-Lantern-Orbit-7421"}
LOGGED_IN = {
    "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6IjFhMmIiLCJ0eXAiOiJKV1QifQ.eyJzdWIiOiIwYjdl…",
    "refresh_token": "Jv3o0yQm2p8pX1u6sVw4kYc7rTb9nHd5eGa0fLz2",
    "expires_in": 1800,
    "token_type": "bearer",
}
