"""Piccolo app for the core tables."""

from hduce.core.migrations import app_config
from hduce.core.tables import DeadLetter, Outbox

APP_CONFIG = app_config("core", [Outbox, DeadLetter], after=None)
