"""Piccolo app for the notifications tables."""

from hduce.core.migrations import app_config
from hduce.plugins.notifications.tables import Delivery, Notification, Preference

APP_CONFIG = app_config("notifications", [Notification, Delivery, Preference], after="auth")
