"""Build the local model once into the data dir (`hduce models install`, or at first use)."""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from hduce.plugins.search.services.embedding.weights import load_weights, read_member

MODEL_NAME = "all-minilm-l6-v2"
GRAPH, TOKENIZER = "model.onnx", "tokenizer.json"
STEPS = 4
"""What `install` reports to its progress: tokenizer, weights, graph built, graph written."""


def model_dir(data_dir: str) -> Path:
    """Where the built model lives under the data dir."""
    return Path(data_dir) / "models" / MODEL_NAME


def is_installed(data_dir: str) -> bool:
    """Whether the built model is in the data dir."""
    target = model_dir(data_dir)
    return (target / GRAPH).is_file() and (target / TOKENIZER).is_file()


def install(
    data_dir: str, *, force: bool = False, progress: Callable[[int], None] = lambda _: None
) -> Path:
    """Build the ONNX graph and copy the tokenizer unless present; returns the model dir.

    `progress` hears each of the `STEPS` done.
    """
    target = model_dir(data_dir)
    if not force and is_installed(data_dir):
        return target
    from hduce.plugins.search.services.embedding.onnx_graph import (
        build,  # `onnx` only at build time
    )

    target.mkdir(parents=True, exist_ok=True)
    _write(target / TOKENIZER, read_member(TOKENIZER))
    progress(1)
    weights = load_weights()
    progress(1)
    graph = build(weights).SerializeToString()
    progress(1)
    _write(target / GRAPH, graph)
    progress(1)
    return target


def _write(path: Path, data: bytes) -> None:
    # Written aside, then renamed: a process starting alongside never reads half a file.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
