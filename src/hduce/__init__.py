"""HDuce: a clinic backend in one async Python service."""

import os
from importlib.metadata import PackageNotFoundError, version

# Piccolo tables find their engine through this module when their classes are defined.
os.environ.setdefault("PICCOLO_CONF", "hduce.piccolo_conf")

try:
    __version__ = version("hduce")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
