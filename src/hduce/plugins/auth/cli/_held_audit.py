"""An audit log that holds a batch's events and appends them together just before it commits."""

from hduce.contracts.audit import AuditLog, AuditRecord


class HeldAudit(AuditLog):
    """Keeps events until `release`, which appends them to `log` in their order.

    Appending locks the head of the audit chain until the transaction ends, and every login
    appends too: a batch that appended as it went would hold the head while writing all its
    rows. Released at its end, it holds the head only for the appends and the commit.
    """

    def __init__(self, log: AuditLog) -> None:
        self._log = log
        self._held: list[AuditRecord] = []

    async def append(self, event: AuditRecord) -> None:
        """Hold `event` until `release`."""
        self._held.append(event)

    async def release(self) -> None:
        """Append the held events, in the caller's transaction."""
        held, self._held = self._held, []
        for event in held:
            await self._log.append(event)
