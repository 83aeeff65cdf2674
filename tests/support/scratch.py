"""Scratch folders for settings built outside a fixture, removed when the test run ends."""

import atexit
import shutil
import tempfile


def scratch_dir(prefix: str) -> str:
    """A new folder straight under /tmp (pgserver reaches it), removed at the end of the run."""
    path = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path
