"""The backup archive: a tar of a `pg_dump`, the document store and a manifest of checksums."""

import hashlib
import io
import json
import os
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
    """Write `target` (dump, documents, manifest last) and return the manifest.

    Only its owner may read it (it holds password hashes and medical documents); on any error
    the half-written file is removed and the error raised.
    """
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)  # a stale one would keep its old mode
    handle = os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
    try:
        with handle, tarfile.open(fileobj=handle, mode="w") as tar:
            manifest = _write_members(tar, dump, documents, advance)
        partial.replace(target)  # a half-written archive never carries the final name
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _write_members(
    tar: tarfile.TarFile, dump: Path, documents: Path, advance: Callable[[int], None]
) -> dict[str, object]:
    files: dict[str, dict[str, object]] = {}
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
    return manifest


def read_manifest(archive: Path) -> dict[str, dict[str, dict[str, object]]]:
    """The manifest of `archive`, checked for format."""
    try:  # "r:": a plain tar; "r" would try every compression and report each failure
        with tarfile.open(archive, "r:") as tar:
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
    try:
        with tarfile.open(archive, "r:") as tar:
            names = set(tar.getnames()) - {MANIFEST}
            if names != set(files):
                missing = sorted(set(files) - names) or sorted(names - set(files))
                raise ArchiveError(f"{archive}: files and manifest differ (e.g. {missing[0]})")
            tar.extractall(into, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise ArchiveError(f"{archive}: cannot unpack it into {into} ({exc})") from None
    for name, expected in files.items():
        if sha256_of(into / name) != expected["sha256"]:
            raise ArchiveError(f"{archive}: {name} is damaged (checksum mismatch)")
        advance(1)
