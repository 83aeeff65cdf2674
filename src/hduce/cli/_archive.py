"""The backup archive: a tar of a `pg_dump`, the document store and a manifest of checksums."""

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import msgspec

from hduce import __version__
from hduce.cli._shared_storage import MARKER

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "database.dump"
DOCUMENTS = "documents"
CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """The archive is missing, damaged or not an HDuce backup (one line)."""


class Stored(msgspec.Struct, frozen=True):
    """One file of the archive, as the manifest lists it."""

    sha256: str
    size: int


class Manifest(msgspec.Struct, frozen=True):
    """What `manifest.json` says: every file with its checksum, and the migrations applied."""

    format: int
    files: dict[str, Stored]
    migrations: list[str] = []  # `app/id`; absent from backups of HDuce before it was recorded
    hduce_version: str = ""
    created_at: str = ""


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, hex."""
    with path.open("rb") as handle:
        return _sha256_read(handle)


def _sha256_read(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def document_files(root: Path) -> Iterator[Path]:
    """Every stored document file under `root` (not the uploads still arriving, nor its id)."""
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            parts = path.relative_to(root).parts
            if path.is_file() and ".incoming" not in parts and parts != (MARKER,):
                yield path


def write_archive(
    target: Path,
    dump: Path,
    migrations: list[str],
    documents: tuple[Path, Sequence[Path]],
    advance: Callable[[int], None],
) -> Manifest:
    """Write `target` (dump, documents, manifest last) and return the manifest.

    `documents` is the store's folder and the files listed in it; one deleted since is left
    out (the manifest lists what the archive holds). Only its owner may read the archive (it
    holds password hashes and medical documents); on any error the half-written file is removed
    and the error raised.
    """
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)  # a stale one would keep its old mode
    handle = os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
    try:
        with handle, tarfile.open(fileobj=handle, mode="w") as tar:
            manifest = _write_members(tar, dump, migrations, documents, advance)
        partial.replace(target)  # a half-written archive never carries the final name
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _write_members(
    tar: tarfile.TarFile,
    dump: Path,
    migrations: list[str],
    documents: tuple[Path, Sequence[Path]],
    advance: Callable[[int], None],
) -> Manifest:
    root, listed = documents
    with dump.open("rb") as handle:
        files = {DATABASE: _add(tar, handle, DATABASE)}
    advance(1)
    for path in listed:
        name = f"{DOCUMENTS}/{path.relative_to(root).as_posix()}"
        try:
            handle = path.open("rb")
        except FileNotFoundError:  # deleted since it was listed
            pass
        else:  # read from the open file: deleting it now takes nothing away
            with handle:
                files[name] = _add(tar, handle, name)
        advance(1)
    manifest = Manifest(
        format=FORMAT,
        files=files,
        migrations=migrations,
        hduce_version=__version__,
        created_at=datetime.now(UTC).isoformat(),
    )
    data = msgspec.json.format(msgspec.json.encode(manifest), indent=2)
    info = tarfile.TarInfo(MANIFEST)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))
    return manifest


def _add(tar: tarfile.TarFile, handle: BinaryIO, name: str) -> Stored:
    """Add the open file `handle` to `tar` as `name`; its checksum and size."""
    info = tar.gettarinfo(arcname=name, fileobj=handle)
    sha256 = _sha256_read(handle)
    handle.seek(0)
    tar.addfile(info, handle)
    return Stored(sha256=sha256, size=info.size)


def read_manifest(archive: Path) -> Manifest:
    """The manifest of `archive`, checked for format and shape."""
    try:  # "r:": a plain tar; "r" would try every compression and report each failure
        with tarfile.open(archive, "r:") as tar:
            member = tar.extractfile(MANIFEST)
            manifest = json.loads(member.read()) if member else None
    except (OSError, tarfile.TarError, KeyError, json.JSONDecodeError) as exc:
        raise ArchiveError(f"{archive}: not a readable HDuce backup ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{archive}: unknown backup format")
    try:
        checked = msgspec.convert(manifest, Manifest)
    except msgspec.ValidationError as exc:
        raise ArchiveError(f"{archive}: damaged manifest ({exc})") from None
    if DATABASE not in checked.files:
        raise ArchiveError(f"{archive}: damaged manifest (no {DATABASE} listed)")
    if foreign := next((name for name in checked.files if not _backup_name(name)), None):
        raise ArchiveError(
            f"{archive}: not a readable HDuce backup (it names {foreign!r}, neither "
            f"{DATABASE} nor a file under {DOCUMENTS}/)"
        )
    return checked


def _backup_name(name: str) -> bool:
    """Whether a backup holds a file by this name: the dump, or a document inside `documents/`."""
    parts = PurePosixPath(name).parts
    return name == DATABASE or (len(parts) > 1 and parts[0] == DOCUMENTS and ".." not in parts)


def unpack_verified(archive: Path, into: Path, advance: Callable[[int], None]) -> None:
    """Extract every file the manifest lists into `into`, refusing any checksum mismatch."""
    files = read_manifest(archive).files
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
        if sha256_of(into / name) != expected.sha256:
            raise ArchiveError(f"{archive}: {name} is damaged (checksum mismatch)")
        advance(1)
