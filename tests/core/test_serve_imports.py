"""`hduce serve` loads a heavy library only once a request needs it, not at start-up."""

from tests.support.processes import loaded_after

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
BUILD_THE_APP = """
from hduce.app import build_web_app
from hduce.core.config import load_settings
settings = load_settings(config_file="config/test.toml", environ={"JWT_SECRET": "x" * 40})
build_web_app(settings, "postgresql://nobody@127.0.0.1:9/none", "nats://127.0.0.1:9")
"""


def test_building_the_app_loads_no_library_a_request_may_never_need() -> None:
    assert loaded_after(BUILD_THE_APP, LOADED_ON_USE) == []
