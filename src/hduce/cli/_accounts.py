"""`hduce user list`, `show`, `reset-password` and `deactivate`, through the auth plugin."""

import uuid
from collections.abc import Awaitable, Callable

import rich_click as click

from hduce.cli._common import run_with_plugin
from hduce.cli._manage import user
from hduce.contracts.auth import AccountAdmin, Accounts, AccountStatus, DirectoryEntry, Role
from hduce.core.cli import fail
from hduce.core.plugin import HducePlugin
from hduce.core.security import Principal
from hduce.plugins.auth import AuthPlugin

ACTING_ADMIN = click.option(
    "--as",
    "acting",
    metavar="ADMIN",
    help="The admin the audit log records as acting (default: the oldest active admin).",
)


def summary(entry: DirectoryEntry) -> str:
    """One account on one line."""
    roles = ",".join(sorted(entry.roles))
    return f"{entry.username} <{entry.email}> {roles} {entry.status} {entry.id}"


async def find_account(plugin: HducePlugin, who: str) -> DirectoryEntry:
    """The account `who` names (id, e-mail or username); exits 1 when there is none."""
    accounts = plugin.context.registry.get(Accounts)
    try:
        entry = await accounts.get_account(uuid.UUID(who))
    except ValueError:
        entry = await accounts.find_account(who)
    if entry is None:
        fail(f"no account {who!r} (give its id, e-mail or username)")
    return entry


async def acting_admin(plugin: HducePlugin, acting: str | None) -> Principal:
    """The admin a command acts as: `--as`, else the oldest active admin; exits 1 if none."""
    if acting:
        entry = await find_account(plugin, acting)
        if Role.ADMIN not in entry.roles or entry.status != AccountStatus.ACTIVE:
            fail(f"{acting!r} is not an active admin")
    else:
        admins, _ = await plugin.context.registry.get(AccountAdmin).search_accounts(
            text=None, role=Role.ADMIN, status=AccountStatus.ACTIVE, limit=1, offset=0
        )
        if not admins:
            fail("there is no active admin yet: create one with `hduce user create`")
        entry = admins[0]
    return Principal(id=entry.id, roles=entry.roles)


@user.command("list")
@click.option("--search", help="Part of the e-mail address or username.")
@click.option("--role", type=click.Choice([r.value for r in Role]))
@click.option("--status", type=click.Choice([s.value for s in AccountStatus]))
@click.option("--limit", type=int, default=100, show_default=True)
@click.pass_context
def user_list(
    ctx: click.Context, search: str | None, role: str | None, status: str | None, limit: int
) -> None:
    """List accounts, one a line: username <e-mail> roles status id."""

    async def work(auth: AuthPlugin) -> tuple[list[DirectoryEntry], int]:
        admin = auth.context.registry.get(AccountAdmin)
        return await admin.search_accounts(
            text=search, role=role, status=status, limit=limit, offset=0
        )

    entries, total = run_with_plugin(ctx, "auth", work)
    for entry in entries:
        click.echo(summary(entry))
    if total > len(entries):
        click.echo(f"... {total - len(entries)} more (narrow with --search or raise --limit)")


@user.command("show")
@click.argument("who")
@click.pass_context
def user_show(ctx: click.Context, who: str) -> None:
    """Show one account (WHO: its id, e-mail or username)."""

    async def work(auth: AuthPlugin) -> DirectoryEntry:
        return await find_account(auth, who)

    entry = run_with_plugin(ctx, "auth", work)
    for name in ("id", "username", "email", "status", "first_name", "last_name", "phone"):
        click.echo(f"{name}: {getattr(entry, name) or ''}")
    click.echo(f"roles: {','.join(sorted(entry.roles))}")


AdminChange = Callable[[AccountAdmin, uuid.UUID, uuid.UUID], Awaitable[object]]


def change_account(
    ctx: click.Context, who: str, acting: str | None, change: AdminChange
) -> DirectoryEntry:
    """Apply `change(admin, account id, acting admin id)` to WHO; the account afterwards."""

    async def work(auth: AuthPlugin) -> DirectoryEntry:
        entry = await find_account(auth, who)
        by = await acting_admin(auth, acting)
        await change(auth.context.registry.get(AccountAdmin), entry.id, by.id)
        return await find_account(auth, str(entry.id))

    return run_with_plugin(ctx, "auth", work)


@user.command("reset-password")
@click.argument("who")
@ACTING_ADMIN
@click.pass_context
def user_reset_password(ctx: click.Context, who: str, acting: str | None) -> None:
    """Sign WHO out everywhere and e-mail a reset link; the old password stops working."""
    entry = change_account(
        ctx, who, acting, lambda admin, account, by: admin.force_password_reset(account, by=by)
    )
    click.echo(f"reset link queued for {entry.email}; sessions of {entry.username} revoked")


@user.command("deactivate")
@click.argument("who")
@ACTING_ADMIN
@click.pass_context
def user_deactivate(ctx: click.Context, who: str, acting: str | None) -> None:
    """Block WHO's logins and revoke every session (the last admin is kept)."""
    entry = change_account(
        ctx, who, acting, lambda admin, account, by: admin.deactivate(account, by=by)
    )
    click.echo(f"deactivated {summary(entry)}")
