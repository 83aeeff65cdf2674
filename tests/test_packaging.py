"""The installed package (the Docker image's `pip install .`) carries every file the code reads."""

import glob
import tomllib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "hduce"
PYPROJECT = PACKAGE.parents[1] / "pyproject.toml"


def test_package_data_names_every_file_that_is_not_python() -> None:
    """Regression: `plugins/web/templates/*` shipped the top folder's templates only, so the
    image answered 500 (TemplateNotFound) on every admin, clinician and most portal pages."""
    patterns = tomllib.loads(PYPROJECT.read_text())["tool"]["setuptools"]["package-data"]["hduce"]
    # setuptools expands package-data with glob, `**` recursive, relative to the package.
    shipped = {
        Path(found)
        for pattern in patterns
        for found in glob.glob(pattern, root_dir=PACKAGE, recursive=True)
        if (PACKAGE / found).is_file()
    }
    needed = {
        path.relative_to(PACKAGE)
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts
    }
    assert sorted(map(str, needed - shipped)) == []
