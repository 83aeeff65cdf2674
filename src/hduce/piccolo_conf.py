"""Piccolo's configuration: the one engine (configured from `Settings` at start) and every app."""

from piccolo.conf.apps import AppRegistry

from hduce.core.db import HduceEngine

DB = HduceEngine()

APP_REGISTRY = AppRegistry(
    apps=[
        "hduce.core.piccolo_app",
        "hduce.plugins.auth.piccolo_app",
        "hduce.plugins.users.piccolo_app",
        "hduce.plugins.audit.piccolo_app",
        "hduce.plugins.appointments.piccolo_app",
        "hduce.plugins.notifications.piccolo_app",
        "hduce.plugins.documents.piccolo_app",
        "hduce.plugins.search.piccolo_app",
        "hduce.plugins.devices.piccolo_app",
        "hduce.plugins.webhooks.piccolo_app",
    ]
)
