"""`hduce restore` refuses a data dir or database in use; backup and restore fail in one line."""

import os
import re
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import asyncpg

from tests.cli.archives import Manifest, Members, rewritten
from tests.e2e.test_cli_commands import run
from tests.support.processes import REPO_ROOT, get, hduce_env, serving

PROGRESS = re.compile(r": \d+ (to do|done)$")


def hduce(
    tmp_path: Path, *args: str, limit_files: int = 0, **env: str
) -> subprocess.CompletedProcess[str]:
    """`hduce <args>` on the data dir `tmp_path/data`; files it writes capped at `limit_files`."""

    def limited() -> None:  # what a full disk does to its writes
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_files, limit_files))

    return subprocess.run(
        [sys.executable, "-m", "hduce", *args],
        env=hduce_env(**{"HDUCE_DATA_DIR": str(tmp_path / "data"), **env}),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limited if limit_files else None,
    )


def one_line(output: str) -> str:
    """The output besides progress lines, which must be exactly one line."""
    lines = [line for line in output.splitlines() if not PROGRESS.search(line)]
    assert len(lines) == 1, output
    return lines[0]


def small_archive(tmp_path: Path, **env: str) -> Path:
    """A real backup (only its shape matters to the refusals)."""
    archive = tmp_path / "clinic.tar"
    code, output = run(["backup", str(archive)], tmp_path, **env)
    assert code == 0, output
    return archive


def test_restore_and_migrate_are_refused_while_serve_runs_on_the_data_dir(
    tmp_path: Path, migrated: str
) -> None:
    # Seen: `hduce migrate` of an upgrade ran beside the old serve, whose every telemetry write
    # then failed until it was restarted.
    with serving(tmp_path, tmp_path / "data") as (server, base):
        archive = small_archive(tmp_path)
        refused = hduce(tmp_path, "restore", "--force", str(archive))
        assert refused.returncode == 1, refused.stdout
        assert "stop hduce serve" in one_line(refused.stderr)
        refused = hduce(tmp_path, "migrate")
        assert refused.returncode == 1, refused.stdout
        line = one_line(refused.stderr)
        assert "a running hduce serve uses the data dir" in line and "then migrate" in line, line
        assert get(f"{base}/health/detailed")[0] == 200, "the running server is untouched"
        assert server.poll() is None
        # A serve on another data dir (and database) is no reason to refuse.
        other = {"HDUCE_DATA_DIR": str(tmp_path / "other"), "DATABASE_URL": migrated}
        elsewhere = hduce(tmp_path, "migrate", **other, HDUCE_NATS__URL="nats://unused:1")
        assert elsewhere.returncode == 0, elsewhere.stderr


async def test_restore_is_refused_while_others_use_the_database(
    tmp_path: Path, clinic_database: str, nats_url: str
) -> None:
    external = {"DATABASE_URL": clinic_database, "HDUCE_NATS__URL": nats_url}
    archive = small_archive(tmp_path, **external)
    other = await asyncpg.connect(clinic_database)  # a server or worker of another machine
    try:
        refused = hduce(tmp_path, "restore", "--force", str(archive), **external)
        assert refused.returncode == 1, refused.stdout
        assert "connected" in one_line(refused.stderr) and "stop hduce serve" in refused.stderr
        assert await other.fetchval("SELECT count(*) FROM account") >= 0, "tables still there"
    finally:
        await other.close()
    code, output = run(["restore", "--force", str(archive)], tmp_path, **external)
    assert code == 0, output


def test_a_truncated_or_foreign_archive_is_one_line(
    tmp_path: Path, clinic_database: str, nats_url: str
) -> None:
    archive = small_archive(tmp_path, DATABASE_URL=clinic_database, HDUCE_NATS__URL=nats_url)
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[:1000])
    foreign = tmp_path / "foreign.tar"
    foreign.write_bytes(b"not a tar file at all\n" * 100)
    for path in (truncated, foreign):
        refused = hduce(tmp_path, "restore", str(path), HDUCE_DATA_DIR=str(tmp_path / "new"))
        assert refused.returncode == 1, refused.stdout
        assert "not a readable HDuce backup" in one_line(refused.stderr)


MANIFEST_DAMAGES = {
    "no-sha256": lambda m: m["files"]["database.dump"].pop("sha256"),
    "size-as-text": lambda m: m["files"]["database.dump"].update(size="12"),
    "files-as-text": lambda m: m.update(files="database.dump"),
    "migrations-as-text": lambda m: m.update(migrations="core/2026"),
}


def test_a_manifest_of_the_wrong_shape_is_one_line(
    tmp_path: Path, clinic_database: str, nats_url: str
) -> None:
    archive = small_archive(tmp_path, DATABASE_URL=clinic_database, HDUCE_NATS__URL=nats_url)
    damages: dict[str, Callable[[Manifest], object]] = MANIFEST_DAMAGES
    for name, damage in damages.items():
        damaged = rewritten(archive, tmp_path / f"{name}.tar", manifest=damage)
        refused = hduce(tmp_path, "restore", str(damaged), HDUCE_DATA_DIR=str(tmp_path / "new"))
        assert refused.returncode == 1, (name, refused.stdout)
        assert "damaged manifest" in one_line(refused.stderr), name
    assert not (tmp_path / "new").exists(), "refused before anything starts"


def test_an_unwritable_backup_path_is_one_line(
    tmp_path: Path, clinic_database: str, nats_url: str
) -> None:
    external = {"DATABASE_URL": clinic_database, "HDUCE_NATS__URL": nats_url}
    archive = small_archive(tmp_path, **external)
    for path in (archive / "x.tar", Path("/proc/nope/x.tar")):
        failed = hduce(tmp_path, "backup", str(path), **external)
        assert failed.returncode == 1, failed.stdout
        assert str(path.parent) in one_line(failed.stderr)


def test_a_full_disk_is_one_line_and_leaves_no_partial_archive(
    tmp_path: Path, clinic_database: str, nats_url: str
) -> None:
    storage = tmp_path / "store" / "ab"
    storage.mkdir(parents=True)
    (storage / "scan.pdf").write_bytes(os.urandom(3_000_000))
    archive = tmp_path / "backups" / "full.tar"
    result = hduce(
        tmp_path,
        "backup",
        str(archive),
        limit_files=1_000_000,
        DATABASE_URL=clinic_database,
        HDUCE_NATS__URL=nats_url,
        HDUCE_PLUGINS__DOCUMENTS__STORAGE_DIR=str(tmp_path / "store"),
    )
    assert result.returncode == 1, result.stderr
    assert "cannot write" in one_line(result.stderr)
    assert list(archive.parent.iterdir()) == [], "no archive, no .partial"


OUTSIDE = Path(tempfile.gettempdir()) / f"hduce-restored-outside-{os.getpid()}"
FOREIGN_NAMES: dict[str, Callable[[Members], object]] = {
    "absolute": lambda m: m.update({str(OUTSIDE): b"evil"}),
    "climbing": lambda m: m.update({"documents/../../outside": b"evil"}),
    "elsewhere": lambda m: m.update({"notes.txt": b"evil"}),
}


def test_a_file_named_outside_a_backup_is_one_line(
    tmp_path: Path, clinic_database: str, nats_url: str
) -> None:
    # Seen: a member (and manifest entry) named /tmp/x ended `hduce restore` in a traceback.
    archive = small_archive(tmp_path, DATABASE_URL=clinic_database, HDUCE_NATS__URL=nats_url)
    crafted = {
        name: rewritten(archive, tmp_path / f"{name}.tar", members=add)
        for name, add in FOREIGN_NAMES.items()
    }
    only_listed = rewritten(  # listed in the manifest, not in the tar
        archive,
        tmp_path / "only-listed.tar",
        manifest=lambda m: m["files"].update({str(OUTSIDE): {"sha256": "0" * 64, "size": 4}}),
    )
    for name, path in {**crafted, "only-listed": only_listed}.items():
        refused = hduce(
            tmp_path, "restore", "--force", str(path), HDUCE_DATA_DIR=str(tmp_path / "new")
        )
        assert refused.returncode == 1, (name, refused.stdout, refused.stderr)
        assert "not a readable HDuce backup" in one_line(refused.stderr), name
    assert not OUTSIDE.exists() and not (tmp_path / "outside").exists()
    assert not (tmp_path / "new").exists(), "refused before anything starts"
