"""What MFA keeps: the last TOTP time step used and the hashed one-time recovery codes."""

import uuid

from hduce.core.sql_store import SqlStore

CLAIM_COUNTER = (
    "UPDATE account SET mfa_last_counter = $1 WHERE id = $2 "
    "AND (mfa_last_counter IS NULL OR mfa_last_counter < $1) RETURNING id"
)
USE_RECOVERY_CODE = (
    "UPDATE mfa_recovery_code SET used_at = now() WHERE account = $1 AND code_hash = $2 "
    "AND used_at IS NULL RETURNING id"
)
DELETE_RECOVERY_CODES = "DELETE FROM mfa_recovery_code WHERE account = $1"
INSERT_RECOVERY_CODE = (
    "INSERT INTO mfa_recovery_code (id, account, code_hash, created_at) VALUES ($1, $2, $3, now())"
)


class SecondFactorStore(SqlStore):
    """TOTP time steps (each used once) and recovery codes of accounts."""

    async def claim_counter(self, account_id: uuid.UUID, counter: int) -> bool:
        """Record a TOTP time step as used; False if it (or a later one) was used already."""
        return await self.db.fetchval(CLAIM_COUNTER, counter, account_id) is not None

    async def use_recovery_code(self, account_id: uuid.UUID, code_hash: str) -> bool:
        """Spend an unused recovery code; False if there is none with this hash."""
        return await self.db.fetchval(USE_RECOVERY_CODE, account_id, code_hash) is not None

    async def replace_recovery_codes(self, account_id: uuid.UUID, code_hashes: list[str]) -> None:
        """Delete the account's recovery codes and store these instead."""
        await self.delete_recovery_codes(account_id)
        rows = [(uuid.uuid4(), account_id, code_hash) for code_hash in code_hashes]
        await self.db.executemany(INSERT_RECOVERY_CODE, rows)

    async def delete_recovery_codes(self, account_id: uuid.UUID) -> None:
        """Forget every recovery code of the account (MFA turned off)."""
        await self.db.execute(DELETE_RECOVERY_CODES, account_id)
