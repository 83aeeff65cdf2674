"""`hduce user create`, `list`, `show`, `reset-password` and `deactivate`."""

import uuid
from collections.abc import Awaitable, Callable

import rich_click as click

from hduce.contracts.auth import AccountAdmin, AccountStatus, DirectoryEntry, Role
from hduce.core.cli import ACTING_ADMIN, run_with_plugin
from hduce.plugins.auth import AuthPlugin
from hduce.plugins.auth.cli import user


def summary(entry: DirectoryEntry, *, status: bool = True) -> str:
    """One account on one line."""
    roles = ",".join(sorted(entry.roles))
    shown = f" {entry.status}" if status else ""
    return f"{entry.username} <{entry.email}> {roles}{shown} {entry.id}"


@user.command("create")
@click.option("--email", required=True, help="E-mail address (also a login).")
@click.option("--username", required=True, help="Username (also a login).")
@click.option(
    "--role",
    "roles",
    type=click.Choice([r.value for r in Role]),
    multiple=True,
    default=["admin"],
    show_default=True,
    help="Role to grant (repeat for several).",
)
@click.option("--first-name", default=None, help="First name (default: the username).")
@click.option("--last-name", default="", show_default=True)
@click.option("--phone", default=None, help="Phone number, checked as the API checks it.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@ACTING_ADMIN
@click.pass_context
def user_create(
    ctx: click.Context,
    email: str,
    username: str,
    roles: tuple[str, ...],
    first_name: str | None,
    last_name: str,
    phone: str | None,
    password_stdin: bool,
    acting: str | None,
) -> None:
    """Create an active account with a verified e-mail address (bootstraps the first admin).

    The audit log records the acting admin (`--as`, default the oldest active admin); the
    first admin is made by nobody.
    """
    if password_stdin:
        password = click.get_text_stream("stdin").readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def create(auth: AuthPlugin) -> DirectoryEntry:
        services = auth.services
        return await services.registration.create_account(
            email=email,
            username=username,
            password=password,
            roles=sorted(set(roles)),
            first_name=username if first_name is None else first_name,
            last_name=last_name,
            phone=phone,
            by=await _creator(services.admin, acting),
        )

    entry = run_with_plugin(ctx, "auth", create)
    click.echo(f"created {summary(entry, status=False)}")


async def _creator(admin: AccountAdmin, acting: str | None) -> uuid.UUID | None:
    """The admin a new account is made by: `--as`, else the oldest active one, else nobody."""
    if acting is None:
        _, admins = await admin.search_accounts(
            text=None, role=Role.ADMIN, status=AccountStatus.ACTIVE, limit=1, offset=0
        )
        if not admins:
            return None  # the first admin
    return (await admin.acting_admin(acting)).id


@user.command("list")
@click.option("--search", help="Part of the e-mail address or username.")
@click.option("--role", type=click.Choice([r.value for r in Role]))
@click.option("--status", type=click.Choice([s.value for s in AccountStatus]))
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@click.pass_context
def user_list(
    ctx: click.Context, search: str | None, role: str | None, status: str | None, limit: int
) -> None:
    """List accounts, one a line: username <e-mail> roles status id."""

    async def work(auth: AuthPlugin) -> tuple[list[DirectoryEntry], int]:
        return await auth.services.admin.search_accounts(
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
    """Show one account (WHO: its id, e-mail or username).

    Its names and phone too when the users plugin, which keeps them, is enabled.
    """

    async def work(auth: AuthPlugin) -> tuple[DirectoryEntry, bool]:
        entry = await auth.services.directory.lookup(who)
        profiles = auth.services.env.directory.get()
        with_profile = await profiles.get(entry.id) if profiles else None
        return with_profile or entry, profiles is not None

    entry, has_profile = run_with_plugin(ctx, "auth", work)
    names = ("id", "username", "email", "status")
    for name in names + (("first_name", "last_name", "phone") if has_profile else ()):
        click.echo(f"{name}: {getattr(entry, name) or ''}")
    click.echo(f"roles: {','.join(sorted(entry.roles))}")


AdminChange = Callable[[AccountAdmin, uuid.UUID, uuid.UUID], Awaitable[object]]


def change_account(
    ctx: click.Context, who: str, acting: str | None, change: AdminChange
) -> DirectoryEntry:
    """Apply `change(admin, account id, acting admin id)` to WHO; the account afterwards."""

    async def work(auth: AuthPlugin) -> DirectoryEntry:
        services = auth.services
        entry = await services.directory.lookup(who)
        by = await services.admin.acting_admin(acting, other_than=entry.id)
        await change(services.admin, entry.id, by.id)
        return await services.directory.lookup(str(entry.id))

    return run_with_plugin(ctx, "auth", work)


def account_change_command(
    name: str, help_text: str, change: AdminChange, done: Callable[[DirectoryEntry], str]
) -> click.Command:
    """The command `hduce user NAME WHO`: `change` on WHO, then the line `done` makes of it."""

    @user.command(name, help=help_text)
    @click.argument("who")
    @ACTING_ADMIN
    @click.pass_context
    def command(ctx: click.Context, who: str, acting: str | None) -> None:
        click.echo(done(change_account(ctx, who, acting, change)))

    return command


user_reset_password = account_change_command(
    "reset-password",
    "Sign WHO out everywhere and e-mail a reset link; the old password stops working.",
    lambda admin, account, by: admin.force_password_reset(account, by=by),
    lambda entry: f"reset link queued for {entry.email}; sessions of {entry.username} revoked",
)
user_deactivate = account_change_command(
    "deactivate",
    "Block WHO's logins and revoke every session (the last admin, and the acting one, are kept).",
    lambda admin, account, by: admin.deactivate(account, by=by),
    lambda entry: f"deactivated {summary(entry)}",
)
