"""The backup archive: a tar of a `pg_dump`, the document store and a manifest of checksums."""

import hashlib
import io
import json
import tarfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from hduce import __version__

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "database.dump"
DOCUMENTS = "documents"
CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """The archive is missing, damaged or not an HDuce backup (one line)."""


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def document_files(root: Path) -> Iterator[Path]:
    """Every stored document file under `root` (not the uploads still arriving)."""
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and ".incoming" not in path.relative_to(root).parts:
                yield path


def write_archive(
    target: Path, dump: Path, documents: Path, advance: Callable[[int], None]
) -> dict[str, object]:
    """Write `target` (dump, documents, manifest last) and return the manifest."""
    files: dict[str, dict[str, object]] = {}
    partial = target.with_name(target.name + ".partial")
    with tarfile.open(partial, "w") as tar:
        entries = [(dump, DATABASE)] + [
            (path, f"{DOCUMENTS}/{path.relative_to(documents).as_posix()}")
            for path in document_files(documents)
        ]
        for path, name in entries:
            files[name] = {"sha256": sha256_of(path), "size": path.stat().st_size}
            tar.add(path, arcname=name, recursive=False)
            advance(1)
        manifest = {
            "format": FORMAT,
            "hduce_version": __version__,
            "created_at": datetime.now(UTC).isoformat(),
            "files": files,
        }
        data = json.dumps(manifest, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    partial.replace(target)  # a half-written archive never carries the final name
    return manifest


def read_manifest(archive: Path) -> dict[str, dict[str, dict[str, object]]]:
    """The manifest of `archive`, checked for format."""
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.extractfile(MANIFEST)
            manifest = json.loads(member.read()) if member else None
    except (OSError, tarfile.TarError, KeyError, json.JSONDecodeError) as exc:
        raise ArchiveError(f"{archive}: not a readable HDuce backup ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{archive}: unknown backup format")
    return manifest


def unpack_verified(archive: Path, into: Path, advance: Callable[[int], None]) -> None:
    """Extract every file the manifest lists into `into`, refusing any checksum mismatch."""
    files = read_manifest(archive)["files"]
    with tarfile.open(archive, "r") as tar:
        names = set(tar.getnames()) - {MANIFEST}
        if names != set(files):
            missing = sorted(set(files) - names) or sorted(names - set(files))
            raise ArchiveError(f"{archive}: files and manifest differ (e.g. {missing[0]})")
        tar.extractall(into, filter="data")
    for name, expected in files.items():
        if sha256_of(into / name) != expected["sha256"]:
            raise ArchiveError(f"{archive}: {name} is damaged (checksum mismatch)")
        advance(1)
