"""Fatal start-up problems of `hduce serve` as an operator sees them: one line, the key, the fix."""

from pathlib import Path

from tests.conftest import TEST_JWT_SECRET
from tests.e2e.test_cli_commands import run


def test_production_on_every_interface_needs_a_public_url(tmp_path: Path) -> None:
    code, output = run(
        ["serve", "--host", "0.0.0.0"],
        tmp_path,
        HDUCE_ENVIRONMENT="production",
        JWT_SECRET=TEST_JWT_SECRET,
    )
    assert code == 2, output
    (line,) = output.strip().splitlines()
    assert "`server.public_url`" in line and "HDUCE_SERVER__PUBLIC_URL" in line
    assert not (tmp_path / "data").exists()
