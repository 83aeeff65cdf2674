"""`hduce backup` while documents arrive and go: it succeeds and reports what it stored."""

import itertools
import re
import tarfile
import threading
from pathlib import Path

from tests.e2e.test_cli_commands import run

STORED = 3000


def churn(store: Path, stop: threading.Event) -> None:
    """Add a file and delete an old one every millisecond, as uploads and deletions do."""
    for n in itertools.count():
        if stop.wait(0.001):
            return
        (store / "new" / f"{n}.txt").write_bytes(b"arrived during the backup\n")
        (store / "old" / f"{n}.txt").unlink(missing_ok=True)


def test_a_backup_under_uploads_and_deletions_reports_what_it_stored(
    tmp_path: Path, clinic_database: str, nats_url: str
) -> None:
    store = tmp_path / "store"
    (store / "new").mkdir(parents=True)
    (store / "old").mkdir()
    for n in range(STORED):
        (store / "old" / f"{n}.txt").write_bytes(b"stored before the backup\n")
    archive = tmp_path / "busy.tar"
    stop = threading.Event()
    writer = threading.Thread(target=churn, args=(store, stop))
    writer.start()
    try:
        code, output = run(
            ["backup", str(archive)],
            tmp_path,
            DATABASE_URL=clinic_database,
            HDUCE_NATS__URL=nats_url,
            HDUCE_PLUGINS__DOCUMENTS__STORAGE_DIR=str(store),
        )
    finally:
        stop.set()
        writer.join()
    assert code == 0, output
    reported = re.search(r"database and (\d+) document files", output)
    assert reported, output
    with tarfile.open(archive) as tar:
        documents = [name for name in tar.getnames() if name.startswith("documents/")]
    assert int(reported.group(1)) == len(documents), "the count is of the files in the archive"
