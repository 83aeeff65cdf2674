"""Checking a TOTP code (each time step once) or a one-time recovery code."""

import hashlib
import secrets

import pyotp
from pyotp.exceptions import OTPVerificationError

from hduce.plugins.auth.store import AccountRow, SecondFactorStore

TOTP_WINDOW = 1
RECOVERY_CODES = 10


def totp_counter(secret: str, code: str) -> int | None:
    """The time step a TOTP code belongs to (one step either side of now), or None."""
    try:
        return pyotp.TOTP(secret).verify_and_get_timecode(code, valid_window=TOTP_WINDOW)
    except (OTPVerificationError, ValueError):
        return None


async def use_second_factor(store: SecondFactorStore, account: AccountRow, code: str) -> str | None:
    """Spend a TOTP code or a recovery code; returns which kind it was, or None if wrong."""
    code = "".join(code.split())
    if code.isdigit() and len(code) == 6:
        counter = totp_counter(account.mfa_secret or "", code) if account.mfa_secret else None
        claimed = counter is not None and await store.claim_counter(account.id, counter)
        return "totp" if claimed else None
    used = await store.use_recovery_code(account.id, _recovery_digest(code))
    return "recovery_code" if used else None


def new_recovery_codes() -> tuple[list[str], list[str]]:
    """Fresh recovery codes to show once, and the hashes to store."""
    codes = [_format(secrets.token_hex(5)) for _ in range(RECOVERY_CODES)]
    return codes, [_recovery_digest(code) for code in codes]


def _format(raw: str) -> str:
    return f"{raw[:5]}-{raw[5:]}"


def _recovery_digest(code: str) -> str:
    normal = code.replace("-", "").lower()
    return hashlib.sha256(normal.encode()).hexdigest()
