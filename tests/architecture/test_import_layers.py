"""The import-linter contracts in pyproject.toml hold, and they would catch a violation."""

import sys
import tomllib
import uuid
from pathlib import Path

import pytest
from importlinter import api as importlinter_api  # noqa: F401  (configures import-linter)
from importlinter.application import use_cases

REPO_ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = REPO_ROOT / "pyproject.toml"

# Every module a fake tree needs so each layer of the real contracts exists.
FAKE_MODULES = (
    "cli",
    "app",
    "worker",
    "bootstrap",
    "embedded",
    "piccolo_conf",
    "plugins/__init__",
    "plugins/alpha/__init__",
    "plugins/beta/__init__",
    "contracts/__init__",
    "core/__init__",
    "core/config",
    "runtime/__init__",
)
CLEAN_IMPORTS = {
    "app": "from {root}.plugins import alpha\nfrom {root}.core import config\n",
    "plugins/alpha/__init__": "from {root}.contracts import *\nfrom {root}.core import config\n",
    "plugins/beta/__init__": "from {root}.core import config\n",
    "contracts/__init__": "from {root}.core import config\n",
}


def lint(config: Path) -> bool:
    """Run every contract in `config`; True when all are kept.

    `importlinter.cli.lint_imports` would also call `logging.config.dictConfig`, which disables
    every logger created so far in this process; the use case underneath does the same checks.
    """
    return use_cases.lint_imports(
        config_filename=str(config), cache_dir=None, no_logo=True, verbose=False
    )


@pytest.fixture
def isolated_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))


@pytest.mark.usefixtures("isolated_sys_path")
def test_contracts_are_kept(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO_ROOT)
    kept = lint(PYPROJECT)
    report = capsys.readouterr().out
    assert kept, report
    assert "Contracts: 3 kept, 0 broken." in report


def test_contracts_cover_the_rules_of_the_house() -> None:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert config["root_package"] == "hduce"
    kinds = {contract["type"]: contract for contract in config["contracts"]}
    layers = [layer.replace(" ", "").split(":") for layer in kinds["layers"]["layers"]]
    assert layers[-3:] == [["hduce.plugins"], ["hduce.contracts"], ["hduce.core"]]
    assert {"hduce.cli", "hduce.app", "hduce.worker", "hduce.bootstrap"} <= set(layers[0])
    assert not kinds["layers"].get("ignore_imports")
    assert kinds["independence"]["modules"] == ["hduce.plugins.*"]
    assert kinds["forbidden"]["source_modules"] == ["hduce.runtime"]


def build_fake_project(tmp_path: Path, violation: tuple[str, str] | None) -> Path:
    """A package shaped like hduce, checked by pyproject's own contracts renamed to it."""
    root = f"archprobe_{uuid.uuid4().hex[:12]}"
    package = tmp_path / "src" / root
    imports = dict(CLEAN_IMPORTS)
    if violation:
        module, statement = violation
        imports[module] = imports.get(module, "") + statement + "\n"
    for module in FAKE_MODULES:
        path = package / f"{module}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(imports.get(module, "").format(root=root), encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    # The real contracts, pointed at the fake package.
    text = PYPROJECT.read_text(encoding="utf-8")
    section = text[text.index("[tool.importlinter]") :]
    config = tmp_path / "importlinter.toml"
    config.write_text(section.replace("hduce", root), encoding="utf-8")
    sys.path.insert(0, str(tmp_path / "src"))
    return config


@pytest.mark.usefixtures("isolated_sys_path")
def test_fake_project_without_violations_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lint(build_fake_project(tmp_path, None))
    assert "Contracts: 3 kept, 0 broken." in capsys.readouterr().out


LAYERS = "Composition roots -> plugins -> contracts -> core"
INDEPENDENCE = "Plugins never import each other"
FORBIDDEN = "Runtime supervisors know nothing of the app"


@pytest.mark.usefixtures("isolated_sys_path")
@pytest.mark.parametrize(
    ("violation", "contract"),
    [
        (("core/config", "from {root}.plugins import alpha"), LAYERS),
        (("core/config", "import {root}.contracts"), LAYERS),
        (("contracts/__init__", "from {root}.plugins.beta import *"), LAYERS),
        (("plugins/alpha/__init__", "from {root} import bootstrap"), LAYERS),
        (("plugins/alpha/__init__", "from {root}.plugins import beta"), INDEPENDENCE),
        (("plugins/beta/__init__", "import {root}.plugins.alpha"), INDEPENDENCE),
        (("runtime/__init__", "from {root}.core import config"), FORBIDDEN),
        (("runtime/__init__", "from {root}.plugins import alpha"), FORBIDDEN),
    ],
    ids=[
        "core-imports-plugin",
        "core-imports-contracts",
        "contracts-import-plugin",
        "plugin-imports-composition-root",
        "plugin-imports-plugin",
        "plugin-imports-plugin-back",
        "runtime-imports-core",
        "runtime-imports-plugin",
    ],
)
def test_violation_is_caught(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    violation: tuple[str, str],
    contract: str,
) -> None:
    assert not lint(build_fake_project(tmp_path, violation))
    report = capsys.readouterr().out
    assert f"{contract} BROKEN" in report
