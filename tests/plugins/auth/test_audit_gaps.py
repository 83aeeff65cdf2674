"""Security events the audit log keeps (verification, reset requests), and a no-op it skips."""

import uuid

from hduce.contracts.auth import AccountAdmin
from tests.plugins.auth.helpers import AuthApp

EVENTS = "SELECT action, ip, detail::text AS detail FROM audit_event WHERE subject_id = $1"


async def test_a_verified_address_is_audited_with_the_client_address(app: AuthApp) -> None:
    user = await app.active_user()
    rows = await app.pool.fetch(EVENTS, uuid.UUID(user["id"]))
    verified = [row for row in rows if row["action"] == "auth.email_verified"]
    assert len(verified) == 1 and verified[0]["ip"], rows


async def test_a_reset_request_is_audited_without_its_token(app: AuthApp) -> None:
    user = await app.active_user()
    path = "/api/v1/auth/forgot-password"
    token = await app.asked_link(path, user["email"], "password_reset")
    rows = await app.pool.fetch(EVENTS, uuid.UUID(user["id"]))
    asked = [row for row in rows if row["action"] == "auth.password_reset_requested"]
    assert len(asked) == 1 and asked[0]["ip"], rows
    assert all(token not in (row["detail"] or "") for row in rows)


async def test_a_role_change_to_the_same_roles_is_not_one(app: AuthApp) -> None:
    user = await app.active_user()
    admin = app.context.registry.get(AccountAdmin)
    entry = app.run(admin.set_roles, uuid.UUID(user["id"]), frozenset({"patient"}), by=uuid.uuid4())
    assert entry.roles == {"patient"}
    assert "auth.role_changed" not in await app.audit_actions(user["id"])
    assert await app.events("user.roles_changed", user["id"]) == []
