"""Piccolo app for the auth tables."""

from hduce.core.migrations import app_config
from hduce.plugins.auth.tables import Account, OneTimeToken, RecoveryCode, RefreshToken

APP_CONFIG = app_config("auth", [Account, RefreshToken, OneTimeToken, RecoveryCode], after="core")
