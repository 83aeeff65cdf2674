"""Build the local model once into the data dir (`hduce models install`, or at first use)."""

import os
import tempfile
from pathlib import Path

from hduce.plugins.search.embedding.weights import load_weights, read_member

MODEL_NAME = "all-minilm-l6-v2"
GRAPH, TOKENIZER = "model.onnx", "tokenizer.json"


def model_dir(data_dir: str) -> Path:
    """Where the built model lives under the data dir."""
    return Path(data_dir) / "models" / MODEL_NAME


def install(data_dir: str, *, force: bool = False) -> Path:
    """Build the ONNX graph and copy the tokenizer unless present; returns the model dir."""
    target = model_dir(data_dir)
    if not force and (target / GRAPH).is_file() and (target / TOKENIZER).is_file():
        return target
    from hduce.plugins.search.embedding.onnx_graph import build  # `onnx` only at build time

    target.mkdir(parents=True, exist_ok=True)
    _write(target / TOKENIZER, read_member(TOKENIZER))
    _write(target / GRAPH, build(load_weights()).SerializeToString())
    return target


def _write(path: Path, data: bytes) -> None:
    # Written aside, then renamed: a process starting alongside never reads half a file.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
