"""Run the built model in this process: tokenize, batch by length, infer (onnxruntime)."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

from hduce.plugins.search.services.embedding.install import GRAPHS, TOKENIZER, Precision

MAX_TOKENS = 256
"""sentence-transformers' limit for this model; longer text is truncated."""


class Encoder:
    """The ONNX session and tokenizer of one model directory."""

    def __init__(
        self,
        directory: Path,
        threads: int = 1,
        batch_size: int = 32,
        precision: Precision = "fp32",
    ) -> None:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(directory / GRAPHS[precision]), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(directory / TOKENIZER))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        # The shipped tokenizer.json pads to a fixed 128 otherwise.
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors [len(texts), 384], in the order given."""
        out = np.zeros((len(texts), 384), dtype=np.float32)
        # Similar lengths share a batch, so little time goes into padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self._batch_size):
            chosen = order[start : start + self._batch_size]
            encoded = self._tokenizer.encode_batch([texts[i] for i in chosen])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            out[chosen] = self._session.run(["embedding"], feeds)[0]
        return out
