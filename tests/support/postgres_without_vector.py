"""A PostgreSQL 16 without pgvector, as the official `postgres:16` image is.

pgserver's PostgreSQL, copied without the vector extension's files, runs a cluster of its own.
"""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pgserver.utils import ensure_user_exists

from hduce.runtime import free_port
from hduce.runtime.postgres import PG_BIN_DIR, SYSTEM_USER

INSTALL = PG_BIN_DIR.parent  # pgserver/pginstall; its libraries are in ../../pgserver.libs
LIBS = INSTALL.parent.parent / "pgserver.libs"


@contextmanager
def postgres_without_vector() -> Iterator[str]:
    """Start such a server on a free port; yield the DSN of its database `hduce`; stop it."""
    root = Path(tempfile.mkdtemp(prefix="hduce-novector-"))
    try:
        root.chmod(0o755)  # the server's system user reads the copied install
        install = root / "pgserver" / "pginstall"
        shutil.copytree(INSTALL, install, symlinks=True)
        if LIBS.is_dir():
            shutil.copytree(LIBS, root / LIBS.name, symlinks=True)
        extensions = install / "share" / "postgresql" / "extension"
        for found in [*extensions.glob("vector*"), *install.glob("lib/postgresql/vector*")]:
            found.unlink()
        bin_dir, pgdata, port = install / "bin", root / "data", free_port()
        run_as = _run_as()
        pgdata.mkdir(mode=0o700)
        if run_as:
            os.chown(pgdata, run_as["user"], run_as["group"])
        _run(bin_dir / "initdb", ["-D", pgdata, "-U", "postgres", "--auth=trust"], run_as)
        options = f"-p {port} -h 127.0.0.1 -k {pgdata}"
        _run(bin_dir / "pg_ctl", ["-D", pgdata, "-o", options, "-w", "start"], run_as)
        try:
            dsn = f"postgresql://postgres@127.0.0.1:{port}"
            _run(bin_dir / "psql", [f"{dsn}/postgres", "-qc", "CREATE DATABASE hduce"], run_as)
            yield f"{dsn}/hduce"
        finally:
            _run(bin_dir / "pg_ctl", ["-D", pgdata, "-m", "immediate", "stop"], run_as)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run_as() -> dict[str, Any]:
    if os.geteuid() != 0:
        return {}
    entry = ensure_user_exists(SYSTEM_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _run(exe: Path, args: list[Any], run_as: dict[str, Any]) -> None:
    subprocess.run(
        [str(exe), *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        cwd="/",
        check=True,
        timeout=120,
        **run_as,
    )
