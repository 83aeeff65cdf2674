"""The import-linter config docs/ARCHITECTURE.md gives outside plugins holds, and bites.

hduce's own contracts (root package `hduce`) never see a plugin outside the tree; the example
plugin carries the config such a plugin uses (`examples/staff_notes/importlinter.toml`).
"""

import shutil
import sys
import tomllib
from pathlib import Path

import pytest

import hduce
from tests.architecture.test_import_layers import REPO_ROOT, lint

EXAMPLE = REPO_ROOT / "examples" / "staff_notes"
CONFIG = EXAMPLE / "importlinter.toml"
ALLOWED = {"core", "contracts", "static", "__init__"}
"""What a plugin may import (`static` holds files, no module)."""


def test_the_config_forbids_every_other_module_of_hduce() -> None:
    (contract,) = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"
    ]
    package = Path(hduce.__file__).parent
    modules = {path.stem for path in package.iterdir() if path.suffix == ".py" or path.is_dir()}
    expected = {f"hduce.{name}" for name in modules - ALLOWED - {"__pycache__"}}
    assert set(contract["forbidden_modules"]) == expected


@pytest.mark.parametrize("violation", [None, "from hduce.plugins.auth import config"])
def test_the_example_keeps_it_and_a_reach_past_core_breaks_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    violation: str | None,
) -> None:
    copy = tmp_path / "staff_notes"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    if violation:
        with (copy / "store.py").open("a", encoding="utf-8") as store:
            store.write(f"\n{violation}\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    for name in [m for m in sys.modules if m.split(".")[0] == "staff_notes"]:
        monkeypatch.delitem(sys.modules, name)
    kept = lint(copy / "importlinter.toml")
    report = capsys.readouterr().out
    assert kept is (violation is None), report
    if violation:
        assert "staff_notes.store -> hduce.plugins.auth.config" in report
