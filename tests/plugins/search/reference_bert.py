"""A plain numpy forward pass of all-MiniLM-L6-v2, the yardstick for the ONNX graph."""

import math

import numpy as np

from hduce.plugins.search.services.embedding.weights import load_weights

HEADS, EPS = 12, 1e-12


def _norm(x: np.ndarray, w: dict[str, np.ndarray], prefix: str) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * w[f"{prefix}.weight"] + w[f"{prefix}.bias"]


def _linear(x: np.ndarray, w: dict[str, np.ndarray], prefix: str) -> np.ndarray:
    return x @ w[f"{prefix}.weight"].T + w[f"{prefix}.bias"]


def _erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf)(x)


def embed(token_ids: list[int], w: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """The unit sentence vector of one unpadded token sequence, computed in float64."""
    w = {k: v.astype(np.float64) for k, v in (w or load_weights()).items()}
    n = len(token_ids)
    x = (
        w["embeddings.word_embeddings.weight"][token_ids]
        + w["embeddings.position_embeddings.weight"][:n]
        + w["embeddings.token_type_embeddings.weight"][0]
    )
    x = _norm(x, w, "embeddings.LayerNorm")
    size = x.shape[1] // HEADS
    for layer in range(6):
        p = f"encoder.layer.{layer}"
        q, k, v = (
            _linear(x, w, f"{p}.attention.self.{name}").reshape(n, HEADS, size).transpose(1, 0, 2)
            for name in ("query", "key", "value")
        )
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(size)
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(n, -1)
        x = _norm(
            _linear(context, w, f"{p}.attention.output.dense") + x,
            w,
            f"{p}.attention.output.LayerNorm",
        )
        inner = _linear(x, w, f"{p}.intermediate.dense")
        gelu = inner * 0.5 * (1 + _erf(inner / math.sqrt(2)))
        x = _norm(_linear(gelu, w, f"{p}.output.dense") + x, w, f"{p}.output.LayerNorm")
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)
