"""The `Accounts` and `AccountAdmin` contracts the users plugin builds its admin API on."""

import uuid

import pytest

from hduce.contracts.auth import ACCOUNT_DIRECTORY, AccountAdmin, Accounts, NotInRole, Role
from hduce.core.errors import Conflict, FieldError, HduceError, NotFound
from tests.plugins.auth.helpers import AuthApp


async def test_accounts_lookups(app: AuthApp) -> None:
    user = await app.active_user()
    accounts = app.context.registry.get(Accounts)
    entry = app.run(accounts.get_account, uuid.UUID(user["id"]))
    assert entry is not None and entry.email == user["email"] and entry.roles == {"patient"}
    assert app.run(accounts.find_account, user["email"].upper()) == entry
    assert app.run(accounts.find_account, user["username"]) == entry
    assert app.run(accounts.get_account, uuid.uuid4()) is None
    assert app.run(accounts.find_account, "nobody@example.org") is None


async def test_the_account_directory_view_holds_what_a_directory_entry_does(app: AuthApp) -> None:
    rows = await app.pool.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $1 "
        "ORDER BY ordinal_position",
        ACCOUNT_DIRECTORY,
    )
    columns = [row["column_name"] for row in rows]
    assert columns == ["id", "email", "username", "roles", "status", "status_changed_at"]


async def test_approve_a_pending_staff_account(app: AuthApp) -> None:
    doctor = await app.register(role="doctor")
    await app.verify(doctor["email"])
    admin = app.context.registry.get(AccountAdmin)
    approver = uuid.uuid4()
    entry = app.run(admin.approve, uuid.UUID(doctor["id"]), by=approver)
    assert entry.status == "active"
    approved = await app.events("user.approved", doctor["id"])
    assert approved[0]["approved_by"] == str(approver)
    assert "auth.account_approved" in await app.audit_actions(doctor["id"])
    assert (await app.login(doctor["email"])).status_code == 200
    with pytest.raises(Conflict):
        app.run(admin.approve, uuid.UUID(doctor["id"]), by=approver)
    with pytest.raises(NotFound):
        app.run(admin.approve, uuid.uuid4(), by=approver)


async def test_set_roles_validates_and_audits(app: AuthApp) -> None:
    user = await app.active_user()
    admin = app.context.registry.get(AccountAdmin)
    account_id = uuid.UUID(user["id"])
    entry = app.run(admin.set_roles, account_id, frozenset({"nurse", "patient"}), by=uuid.uuid4())
    assert entry.roles == {"nurse", "patient"}
    for roles in (frozenset(), frozenset({"superuser"})):
        with pytest.raises(HduceError) as refused:
            app.run(admin.set_roles, account_id, roles, by=uuid.uuid4())
        assert refused.value.status_code == 422
    assert "auth.role_changed" in await app.audit_actions(user["id"])


async def test_the_last_active_admin_cannot_be_removed(app: AuthApp) -> None:
    admin = app.context.registry.get(AccountAdmin)
    first = await app.active_user()
    first_id = uuid.UUID(first["id"])
    app.run(admin.set_roles, first_id, frozenset({"admin"}), by=first_id)
    # Other tests' admins share this database: deactivate every other active admin here.
    others = await app.pool.fetch(
        "SELECT id FROM account WHERE status = 'active' AND 'admin' = ANY(roles) AND id <> $1",
        first_id,
    )
    try:
        await app.pool.execute(
            "UPDATE account SET status = 'deactivated' WHERE id = ANY($1::uuid[])",
            [r["id"] for r in others],
        )
        someone = uuid.uuid4()  # not the admin themselves: that is another rule
        for change, args in ((admin.deactivate, ()), (admin.set_roles, ({"doctor"},))):
            with pytest.raises(Conflict, match="last active admin"):
                app.run(change, first_id, *args, by=someone)
    finally:
        await app.pool.execute(
            "UPDATE account SET status = 'active' WHERE id = ANY($1::uuid[])",
            [r["id"] for r in others],
        )


async def test_an_admin_cannot_demote_deactivate_or_reset_themselves(app: AuthApp) -> None:
    admin = app.context.registry.get(AccountAdmin)
    me = uuid.UUID((await app.active_user())["id"])
    app.run(admin.set_roles, me, frozenset({"admin"}), by=uuid.uuid4())
    app.run(
        admin.set_roles, uuid.UUID((await app.active_user())["id"]), frozenset({"admin"}), by=me
    )
    refusals = [
        (admin.set_roles, (frozenset({"doctor"}),), "remove your own admin role"),
        (admin.deactivate, (), "deactivate your own account"),
        (admin.force_password_reset, (), "force a password reset on your own account"),
    ]
    for change, args, reason in refusals:
        with pytest.raises(Conflict, match=reason) as refused:
            app.run(change, me, *args, by=me)
        assert refused.value.slug == "own-account-protected"
    row = await app.pool.fetchrow(
        "SELECT roles, status, must_reset_password FROM account WHERE id = $1", me
    )
    assert (row["roles"], row["status"], row["must_reset_password"]) == (["admin"], "active", False)
    kept = app.run(admin.set_roles, me, frozenset({"admin", "doctor"}), by=me)
    assert kept.roles == {"admin", "doctor"}


async def test_deactivate_and_reactivate(app: AuthApp) -> None:
    user = await app.active_user()
    tokens = await app.tokens_for(user)
    admin = app.context.registry.get(AccountAdmin)
    account_id = uuid.UUID(user["id"])
    assert app.run(admin.deactivate, account_id, by=uuid.uuid4()).status == "deactivated"
    response = await app.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert response.status_code == 401
    assert (await app.login(user["email"])).status_code == 403
    with pytest.raises(Conflict):
        app.run(admin.deactivate, account_id, by=uuid.uuid4())
    assert app.run(admin.reactivate, account_id, by=uuid.uuid4()).status == "active"
    assert (await app.login(user["email"])).status_code == 200
    with pytest.raises(Conflict):
        app.run(admin.reactivate, account_id, by=uuid.uuid4())
    actions = await app.audit_actions(user["id"])
    assert "auth.account_deactivated" in actions and "auth.account_reactivated" in actions


async def test_search_accounts(app: AuthApp) -> None:
    tag = uuid.uuid4().hex[:8]
    patient = await app.register(username=f"srch_{tag}_pat")
    nurse = await app.register(username=f"srch_{tag}_nur", role="nurse")
    admin = app.context.registry.get(AccountAdmin)

    entries, total = app.run(
        admin.search_accounts, text=f"SRCH_{tag}", role=None, status=None, limit=10, offset=0
    )
    assert total == 2 and {e.username for e in entries} == {patient["username"], nurse["username"]}
    entries, total = app.run(
        admin.search_accounts, text=tag, role="nurse", status=None, limit=10, offset=0
    )
    assert total == 1 and entries[0].id == uuid.UUID(nurse["id"])
    entries, total = app.run(
        admin.search_accounts, text=tag, role=None, status="pending_approval", limit=10, offset=0
    )
    assert [e.username for e in entries] == [nurse["username"]]
    entries, total = app.run(
        admin.search_accounts, text=tag, role=None, status=None, limit=1, offset=5
    )
    assert entries == [] and total == 2
    entries, total = app.run(
        admin.search_accounts, text="%", role=None, status=None, limit=1, offset=0
    )
    assert total == 0


async def test_accounts_require_an_account_with_a_role(app: AuthApp) -> None:
    user = await app.active_user()
    accounts = app.context.registry.get(Accounts)
    user_id = uuid.UUID(user["id"])
    assert app.run(accounts.require, user_id, Role.PATIENT, key="patient_id").id == user_id
    for account_id, role in ((user_id, Role.DOCTOR), (uuid.uuid4(), Role.PATIENT)):
        with pytest.raises(NotInRole) as refused:
            app.run(accounts.require, account_id, role, key="doctor_id", source="query")
        assert refused.value.status_code == 422
        said = f"{account_id} is not a {role}'s account"
        assert str(refused.value) == said
        assert refused.value.extra["errors"] == [
            FieldError(message=said, key="doctor_id", source="query")
        ]


async def test_the_acting_admin_is_named_by_id_email_or_username(app: AuthApp) -> None:
    admin = app.context.registry.get(AccountAdmin)
    chief = await app.active_user()
    chief_id = uuid.UUID(chief["id"])
    app.run(admin.set_roles, chief_id, frozenset({"admin"}), by=chief_id)
    for who in (chief["id"], chief["email"], chief["username"]):
        assert app.run(admin.acting_admin, who).id == chief_id
    assert "admin" in app.run(admin.acting_admin, None).roles
    patient = await app.active_user()
    with pytest.raises(Conflict, match="is not an active admin"):
        app.run(admin.acting_admin, patient["email"])
    with pytest.raises(NotFound, match=r"no account 'ghost@example\.org'"):
        app.run(admin.acting_admin, "ghost@example.org")


async def test_by_default_a_command_acts_as_the_oldest_admin_it_does_not_change(
    app: AuthApp,
) -> None:
    """Regression: `hduce user reset-password <the oldest admin>` was refused as the acting
    admin's own account, though another admin could act."""
    admin = app.context.registry.get(AccountAdmin)
    for _ in range(2):
        chief = await app.active_user()
        chief_id = uuid.UUID(chief["id"])
        app.run(admin.set_roles, chief_id, frozenset({"admin"}), by=uuid.uuid4())
    oldest = app.run(admin.acting_admin, None)
    other = app.run(admin.acting_admin, None, other_than=oldest.id)
    assert other.id != oldest.id and "admin" in other.roles
    app.run(admin.force_password_reset, oldest.id, by=other.id)
