"""Real examples of the register and login exchanges, for the OpenAPI document."""

from hduce.plugins.auth.services import REGISTRATION_ACCEPTED

REGISTER_BODY = {
    "email": "ada.lovelace@example.org",
    "username": "ada",
    "password": "Quiet-Lantern-Orbit-7421",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "phone": "+44 20 7946 0018",
    "date_of_birth": "1985-12-10",
}
REGISTERED = {"detail": REGISTRATION_ACCEPTED}
LOGIN_BODY = {"email": "ada.lovelace@example.org", "password": "Quiet-Lantern-Orbit-7421"}
LOGGED_IN = {
    "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6IjFhMmIiLCJ0eXAiOiJKV1QifQ.eyJzdWIiOiIwYjdl…",
    "refresh_token": "Jv3o0yQm2p8pX1u6sVw4kYc7rTb9nHd5eGa0fLz2",
    "expires_in": 1800,
    "token_type": "bearer",
}
