"""Backups rewritten as a newer, hand-edited or damaged one would be (checksums kept valid)."""

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

Members = dict[str, bytes]
Manifest = dict[str, Any]


def rewritten(
    archive: Path,
    target: Path,
    members: Callable[[Members], None] = lambda _: None,
    manifest: Callable[[Manifest], None] = lambda _: None,
) -> Path:
    """`archive` with `members` changed (checksums recomputed), then `manifest`, as `target`."""
    with tarfile.open(archive) as tar:
        contents = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    listed = json.loads(contents.pop("manifest.json"))
    members(contents)
    listed["files"] = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in contents.items()
    }
    manifest(listed)
    contents["manifest.json"] = json.dumps(listed).encode()
    with tarfile.open(target, "w") as tar:
        for name, data in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def listed_migrations(archive: Path) -> list[str]:
    """The applied migrations the manifest of `archive` records."""
    with tarfile.open(archive) as tar:
        return json.loads(tar.extractfile("manifest.json").read()).get("migrations", [])
