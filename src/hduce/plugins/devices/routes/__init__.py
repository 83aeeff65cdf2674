"""The devices API under `/api/v1/devices`."""

from hduce.plugins.devices.routes._clinical import AlertController, ReadingController
from hduce.plugins.devices.routes._devices import DeviceController

CONTROLLERS = (ReadingController, AlertController, DeviceController)

__all__ = ["CONTROLLERS"]
