"""Run `hduce` commands in a real subprocess against the session's PostgreSQL and NATS."""

import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_JWT_SECRET
from tests.support.processes import REPO_ROOT, TEST_CONFIG, hduce_env

FAST_PASSWORDS = """
[plugins.auth]
argon2_memory_kib = 1024
argon2_time_cost = 1
"""


def run_hduce(
    tmp_path: Path,
    database_url: str,
    nats_url: str,
    *args: str,
    stdin: str = "",
    extra_config: str = FAST_PASSWORDS,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """`hduce <args>` with the test config plus `extra_config`; its exit code and output."""
    config = tmp_path / "hduce.toml"
    config.write_text(TEST_CONFIG.read_text() + extra_config)
    environment = hduce_env(
        DATABASE_URL=database_url,
        HDUCE_NATS__URL=nats_url,
        JWT_SECRET=TEST_JWT_SECRET,
        HDUCE_DATA_DIR=str(tmp_path / "data"),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "hduce", "--config", str(config), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO_ROOT,
        timeout=120,
    )
