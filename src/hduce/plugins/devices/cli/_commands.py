"""`hduce device add`, `list` and `rotate-secret`, through the devices plugin's registry."""

import uuid
from typing import get_args

import msgspec
import rich_click as click

from hduce.contracts.auth import AccountAdmin
from hduce.core.cli import ACTING_ADMIN, fail, run_with_plugin
from hduce.core.schemas import Page
from hduce.core.security import Principal
from hduce.core.text_patterns import worded
from hduce.plugins.devices import DevicesPlugin
from hduce.plugins.devices.cli import device
from hduce.plugins.devices.schemas import (
    DeviceCreate,
    DeviceCreated,
    DeviceCredentials,
    DeviceKind,
    DeviceRead,
)


async def acting_admin(plugin: DevicesPlugin, acting: str | None) -> Principal:
    """The admin a command acts as (`--as`, else the oldest active admin)."""
    return await plugin.env.require(AccountAdmin).acting_admin(acting)


def echo_credentials(credentials: DeviceCredentials) -> None:
    """The values to configure on the device, one `name: value` a line (shown only now)."""
    for name in ("device_id", "username", "secret", "telemetry_topic"):
        click.echo(f"{name}: {getattr(credentials, name)}")


@device.command("add")
@click.option("--kind", type=click.Choice(get_args(DeviceKind)), required=True)
@click.option("--name", required=True, help="What staff call it, e.g. 'Ward 3 oximeter'.")
@click.option("--serial", required=True, help="The maker's serial number (unique).")
@click.option("--patient", "patient_id", type=click.UUID, help="Assign it to this patient.")
@ACTING_ADMIN
@click.pass_context
def device_add(
    ctx: click.Context,
    kind: str,
    name: str,
    serial: str,
    patient_id: uuid.UUID | None,
    acting: str | None,
) -> None:
    """Register a device and print its MQTT credentials (the secret is shown only once)."""
    try:
        data = msgspec.convert(
            {"kind": kind, "name": name, "serial": serial, "patient_id": patient_id},
            DeviceCreate,
        )
    except msgspec.ValidationError as exc:
        fail(f"invalid device: {worded(str(exc))}")

    async def work(plugin: DevicesPlugin) -> DeviceCreated:
        return await plugin.services.inventory.register(await acting_admin(plugin, acting), data)

    echo_credentials(run_with_plugin(ctx, "devices", work).credentials)


@device.command("list")
@click.option("--patient", "patient_id", type=click.UUID, help="Only this patient's devices.")
@click.option("--limit", type=click.IntRange(min=1), default=500, show_default=True)
@click.pass_context
def device_list(ctx: click.Context, patient_id: uuid.UUID | None, limit: int) -> None:
    """List devices, one a line: id kind serial active/inactive patient name."""

    async def work(plugin: DevicesPlugin) -> Page[DeviceRead]:
        inventory = plugin.services.inventory
        return await inventory.page(patient_id=patient_id, active=None, limit=limit, offset=0)

    page = run_with_plugin(ctx, "devices", work)
    for item in page.items:
        state = "active" if item.active else "inactive"
        click.echo(
            f"{item.id} {item.kind} {item.serial} {state} {item.patient_id or '-'} {item.name}"
        )
    if page.total > len(page.items):
        click.echo(f"... {page.total - len(page.items)} more (raise --limit)")


@device.command("rotate-secret")
@click.argument("device_id", type=click.UUID)
@ACTING_ADMIN
@click.pass_context
def device_rotate_secret(ctx: click.Context, device_id: uuid.UUID, acting: str | None) -> None:
    """Replace a device's secret (the old one stops working at once) and print the new one."""

    async def work(plugin: DevicesPlugin) -> DeviceCredentials:
        operator = await acting_admin(plugin, acting)
        return await plugin.services.inventory.rotate_secret(operator, device_id)

    echo_credentials(run_with_plugin(ctx, "devices", work))
