"""Every unsafe production setting of a configuration, for `hduce config check`."""

import ipaddress
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs, urlsplit

from hduce.bootstrap import load_plugins
from hduce.core.config import Finding, Settings
from hduce.core.config.addresses import is_local
from hduce.core.config.production import production_findings

Check = Callable[[Settings, Mapping[str, str]], list[Finding]]
SAFE_SSLMODES = frozenset({"require", "verify-ca", "verify-full"})


def _environment(settings: Settings, _environ: Mapping[str, str]) -> list[Finding]:
    if settings.is_production:
        return []
    message = "`environment` is development: the production rules are off (HDUCE_ENVIRONMENT)"
    return [Finding("environment", message)]


def _logging(settings: Settings, _environ: Mapping[str, str]) -> list[Finding]:
    if settings.logging.level != "DEBUG":
        return []
    message = "`logging.level` is DEBUG: logs may hold personal data; use INFO (LOG_LEVEL)"
    return [Finding("logging.level", message)]


def _public_url(settings: Settings, _environ: Mapping[str, str]) -> list[Finding]:
    parts = urlsplit(settings.server.public_url)
    if is_local(parts.hostname) and not is_local(settings.server.host):
        return []  # production_findings names it, with the interface it listens on
    if is_local(parts.hostname):
        problem = "points at this machine: links in e-mails will not reach anyone"
    elif parts.scheme != "https":
        problem = "is not https: links with one-time tokens would travel in clear"
    else:
        return []
    message = f"`server.public_url` {problem} (HDUCE_SERVER__PUBLIC_URL)"
    return [Finding("server.public_url", message)]


def _is_everyone(proxy: str) -> bool:
    """Whether a `trusted_proxies` entry matches any client address."""
    try:
        return proxy == "*" or ipaddress.ip_network(proxy, strict=False).prefixlen == 0
    except ValueError:
        return False


def _forwarded_headers(settings: Settings, _environ: Mapping[str, str]) -> list[Finding]:
    everyone = [proxy for proxy in settings.server.trusted_proxies if _is_everyone(proxy)]
    if not everyone:
        return []
    message = (
        f"`server.trusted_proxies` trusts {everyone[0]}: any client can forge its address "
        "(rate limits, audit log); list only your reverse proxy (HDUCE_SERVER__TRUSTED_PROXIES)"
    )
    return [Finding("server.trusted_proxies", message)]


def _database(settings: Settings, _environ: Mapping[str, str]) -> list[Finding]:
    parts = urlsplit(settings.database.url)
    if not settings.database.url or is_local(parts.hostname):
        return []
    modes = parse_qs(parts.query).get("sslmode", [])
    if modes and modes[-1] in SAFE_SSLMODES:
        return []
    message = (
        "`database.url` reaches a remote PostgreSQL without TLS: add ?sslmode=verify-full "
        "(DATABASE_URL)"
    )
    return [Finding("database.url", message)]


def _nats(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    found = []
    for server in filter(None, settings.nats.url.split(",")):
        parts = urlsplit(server.strip())
        if not (parts.username or "NATS_CREDS" in environ):
            found.append(
                f"`nats.url` {parts.hostname} takes no credentials: any client can read events "
                "and publish tasks (user:password@ in the URL, or NATS_CREDS)"
            )
        if parts.scheme != "tls" and not is_local(parts.hostname):
            found.append(f"`nats.url` {parts.hostname} is not tls://: messages travel in clear")
    return [Finding("nats.url", f"{message} (HDUCE_NATS__URL)") for message in found]


def _plugins(settings: Settings, _environ: Mapping[str, str]) -> list[Finding]:
    return [found for plugin in load_plugins(settings) for found in plugin.unsafe_settings()]


CHECKS: tuple[Check, ...] = (
    _environment,
    production_findings,
    _logging,
    _public_url,
    _forwarded_headers,
    _database,
    _nats,
    _plugins,
)


def unsafe_settings(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    """Every setting that is unsafe for production, in one list."""
    return [finding for check in CHECKS for finding in check(settings, environ)]
