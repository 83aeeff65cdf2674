"""`hduce serve` loads a heavy library only once a request needs it, not at start-up."""

import json
import subprocess
import sys

from tests.support.processes import REPO_ROOT

# Each is tens of MB and a tenth of a second or more of every start, for work the serve
# process may never do: FHIR writes, Meilisearch (when configured), the remote embedder's
# vectors, a password's strength, a calendar feed, a two-factor QR code.
LOADED_ON_USE = (
    "fhir.resources",  # with pydantic (which FastAPI, when installed, loads anyway)
    "meilisearch_python_sdk",
    "numpy",
    "zxcvbn",
    "icalendar",
    "qrcode",
)
BUILD_THE_APP = f"""
import json, sys
from hduce.app import build_web_app
from hduce.core.config import load_settings
settings = load_settings(config_file="config/test.toml", environ={{"JWT_SECRET": "x" * 40}})
build_web_app(settings, "postgresql://nobody@127.0.0.1:9/none", "nats://127.0.0.1:9")
print(json.dumps(sorted(m for m in {LOADED_ON_USE!r} if m in sys.modules)))
"""


def test_building_the_app_loads_no_library_a_request_may_never_need() -> None:
    done = subprocess.run(
        [sys.executable, "-c", BUILD_THE_APP],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
