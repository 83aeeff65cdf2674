"""Errors of the devices plugin, each with its HTTP status and problem slug."""

from hduce.core.errors import Conflict, InvalidRequest


class SerialTaken(Conflict):
    """Another device is registered with this serial number."""

    slug, title = "serial-taken", "Serial number already registered"


class DeviceInactive(Conflict):
    """The device was deactivated; register a new one instead."""

    slug, title = "device-inactive", "Device deactivated"


class AlertAlreadyAcknowledged(Conflict):
    """Someone acknowledged this alert already."""

    slug, title = "alert-acknowledged", "Alert already acknowledged"


__all__ = ["AlertAlreadyAcknowledged", "DeviceInactive", "InvalidRequest", "SerialTaken"]
