"""Piccolo app for the devices tables."""

from piccolo.conf.apps import AppConfig

from hduce.core.migrations import migrations_folder
from hduce.plugins.devices.tables import (
    Alert,
    Device,
    DeviceAssignment,
    DeviceBroker,
    DeviceConnection,
    Reading,
    ReadingMessage,
    ThresholdRule,
)

APP_CONFIG = AppConfig(
    app_name="devices",
    migrations_folder_path=migrations_folder("devices"),
    table_classes=[
        Device,
        DeviceAssignment,
        DeviceBroker,
        DeviceConnection,
        Reading,
        ReadingMessage,
        Alert,
        ThresholdRule,
    ],
    migration_dependencies=["hduce.plugins.auth.piccolo_app"],
    commands=[],
)
