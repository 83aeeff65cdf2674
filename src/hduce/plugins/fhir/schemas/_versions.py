"""Versions: `meta.versionId` from the time of the last change, `ETag` and `If-Match`.

HDuce keeps no history, only when each row last changed: a resource's version is that instant,
in microseconds since 1970 (what PostgreSQL keeps), so any change gives a new one. There is no
`vread` of an older version.
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hduce.plugins.fhir.errors import BadResource

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_ENTITY_TAG = re.compile(r'^(?:W/)?"(?P<version>\d+)"$')


def meta(changed: datetime, last_updated: str | None = None) -> dict[str, str]:
    """`meta` of a resource last changed at `changed`: its `versionId` and `lastUpdated`.

    `last_updated`: the instant as the resource writes it (default: `changed.isoformat()`).
    """
    return {
        "versionId": str((changed - _EPOCH) // _MICROSECOND),
        "lastUpdated": last_updated or changed.isoformat(),
    }


def entity_tag(resource: dict[str, Any]) -> str | None:
    """The weak `ETag` of a resource's `meta.versionId` (`W/"<versionId>"`), None without one."""
    version = resource.get("meta", {}).get("versionId")
    return f'W/"{version}"' if version else None


def if_match(header: str | None) -> str | None:
    """The `versionId` an `If-Match` header names (`W/"<versionId>"`, or quoted), or None.

    None also for `*` (any version: the resource exists). 400 for anything else: a tag that is
    no version of ours, a list of several.
    """
    if header is None or header.strip() == "*":
        return None
    match = _ENTITY_TAG.match(header.strip())
    if match is None:
        raise BadResource(
            f'If-Match: {header!r} is not the ETag of a version of this resource (W/"<versionId>")'
        )
    return match["version"]
