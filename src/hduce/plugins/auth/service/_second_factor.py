"""Checking a TOTP code (each time step once) or a one-time recovery code."""

import hashlib
import secrets
import uuid

import pyotp
from pyotp.exceptions import OTPVerificationError

from hduce.plugins.auth.store import AccountRow
from hduce.plugins.auth.tables import Account, RecoveryCode

TOTP_WINDOW = 1
RECOVERY_CODES = 10


def totp_counter(secret: str, code: str) -> int | None:
    """The time step a TOTP code belongs to (one step either side of now), or None."""
    try:
        return pyotp.TOTP(secret).verify_and_get_timecode(code, valid_window=TOTP_WINDOW)
    except (OTPVerificationError, ValueError):
        return None


async def use_second_factor(account: AccountRow, code: str) -> str | None:
    """Spend a TOTP code or a recovery code; returns which kind it was, or None if wrong."""
    code = "".join(code.split())
    if code.isdigit() and len(code) == 6:
        counter = totp_counter(account.mfa_secret or "", code) if account.mfa_secret else None
        return "totp" if counter is not None and await claim_counter(account.id, counter) else None
    rows = await RecoveryCode.raw(
        "UPDATE mfa_recovery_code SET used_at = now() WHERE account = {} AND code_hash = {} "
        "AND used_at IS NULL RETURNING id",
        account.id,
        _recovery_digest(code),
    )
    return "recovery_code" if rows else None


async def claim_counter(account_id: uuid.UUID, counter: int) -> bool:
    """Record a TOTP time step as used; False if it (or a later one) was used already."""
    rows = await Account.raw(
        "UPDATE account SET mfa_last_counter = {} WHERE id = {} "
        "AND (mfa_last_counter IS NULL OR mfa_last_counter < {}) RETURNING id",
        counter,
        account_id,
        counter,
    )
    return bool(rows)


async def replace_recovery_codes(account_id: uuid.UUID) -> list[str]:
    """Delete the account's recovery codes and store new ones (hashed); returns them."""
    await RecoveryCode.delete().where(RecoveryCode.account == account_id)
    codes = [_format(secrets.token_hex(5)) for _ in range(RECOVERY_CODES)]
    await RecoveryCode.insert(
        *(RecoveryCode(account=account_id, code_hash=_recovery_digest(c)) for c in codes)
    )
    return codes


def _format(raw: str) -> str:
    return f"{raw[:5]}-{raw[5:]}"


def _recovery_digest(code: str) -> str:
    normal = code.replace("-", "").lower()
    return hashlib.sha256(normal.encode()).hexdigest()
