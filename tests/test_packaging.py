"""The installed package (the Docker image's `pip install .`) carries every file the code reads."""

import glob
import re
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


def test_the_build_asks_for_a_setuptools_that_reads_its_license() -> None:
    """`license = "Apache-2.0"` is an SPDX expression (PEP 639): setuptools reads it from 77 on
    and an older one refuses the pyproject.toml, yet the build asked for setuptools>=69."""
    pyproject = tomllib.loads(PYPROJECT.read_text())
    assert isinstance(pyproject["project"]["license"], str)
    (least,) = (
        found[1]
        for requirement in pyproject["build-system"]["requires"]
        if (found := re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", requirement))
    )
    assert int(least) >= 77
