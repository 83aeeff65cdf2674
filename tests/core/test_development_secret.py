"""The development signing secret kept under `data_dir` when `JWT_SECRET` is not set."""

import stat
from pathlib import Path

from hduce.core.config import Settings
from hduce.embedded import development_secret


def test_the_secret_is_made_once_and_kept_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=str(tmp_path / "var"))
    secret = development_secret(settings)
    assert len(secret) >= 32
    assert development_secret(settings) == secret
    path = tmp_path / "var" / "dev-jwt-secret"
    assert path.read_text() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [entry.name for entry in path.parent.iterdir()] == ["dev-jwt-secret"]


def test_an_empty_secret_file_left_by_a_killed_first_start_is_replaced(tmp_path: Path) -> None:
    # A first `serve` killed between creating the file and writing it: every later `serve`
    # stopped with "auth.jwt_secret is empty".
    (tmp_path / "dev-jwt-secret").touch(mode=0o600)
    secret = development_secret(Settings(data_dir=str(tmp_path)))
    assert len(secret) >= 32
    assert (tmp_path / "dev-jwt-secret").read_text() == secret
