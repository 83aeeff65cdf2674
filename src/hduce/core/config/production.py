"""What production start-up refuses: weak signing secrets, debug mode, links to loopback."""

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from hduce.core.config.addresses import is_local
from hduce.core.config.secrets import SUGGESTION, secret_problem
from hduce.core.config.settings import Settings
from hduce.core.config.sources import environment_name

ORDINALS = ("first", "second", "third", "fourth", "fifth")


@dataclass(frozen=True)
class Finding:
    """An unsafe setting: its dotted key and one line that names it and its variable."""

    key: str
    message: str


def _variable(key: str, environ: Mapping[str, str] | None) -> str:
    """The environment variable that sets `key` (the one in use, else the usual one)."""
    path = tuple(key.split("."))
    return environment_name(path, environ)


def secret_finding(
    key: str, value: str, environ: Mapping[str, str] | None = None, which: str = ""
) -> Finding | None:
    """`value` of `key` if it breaks the signing-secret policy (`which`: of several), else None."""
    problem = secret_problem(value)
    if problem is None:
        return None
    subject = f"the {which} secret " if which else ""
    return Finding(key, f"`{key}` ({_variable(key, environ)}): {subject}{problem}: {SUGGESTION}")


def secret_findings(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    """Every signing secret that breaks the policy (tokens, and keys derived from them)."""
    auth = settings.auth
    found = [secret_finding("auth.jwt_secret", auth.jwt_secret, environ)]
    for index, previous in enumerate(auth.jwt_previous_secrets):
        which = ORDINALS[index] if index < len(ORDINALS) else f"#{index + 1}"
        found.append(secret_finding("auth.jwt_previous_secrets", previous, environ, which))
    return [finding for finding in found if finding is not None]


def production_findings(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    """What production refuses to start with, in key order."""
    found = secret_findings(settings, environ)
    if settings.debug:
        variable = _variable("debug", environ)
        message = f"`debug` ({variable}) is on: it sends tracebacks to clients; never in production"
        found.append(Finding("debug", message))
    found.extend(_loopback_links(settings, environ))
    return found


def _loopback_links(settings: Settings, environ: Mapping[str, str]) -> list[Finding]:
    """Links to this machine from a server others reach: nobody could follow them."""
    server = settings.server
    if is_local(server.host) or not is_local(urlsplit(server.public_url).hostname):
        return []
    variable = _variable("server.public_url", environ)
    message = (
        f"`server.public_url` ({variable}) is {server.public_url} while the server listens on "
        f"{server.host or 'every interface'}: links in messages would point at this machine; "
        "set it to the address patients use (e.g. https://clinic.example)"
    )
    return [Finding("server.public_url", message)]
