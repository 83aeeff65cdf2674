"""Build the fp32 ONNX graph of all-MiniLM-L6-v2 (encoder, mean pooling, L2 norm) with `onnx`."""

import math

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HIDDEN, HEADS, LAYERS, EPS = 384, 12, 6, 1e-12
OPSET = 17


class _Graph:
    """Nodes and initializers under construction, with fresh names."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._count = 0

    def const(self, value: np.ndarray | float | list[int], name: str = "") -> str:
        """An initializer holding `value` (float scalars stay float32, lists become int64)."""
        array = np.asarray(value, dtype=np.int64 if isinstance(value, list) else None)
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        name = name or self._fresh("c")
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def weight(self, name: str, transpose: bool = False) -> str:
        """A tensor of the checkpoint as an initializer (linear weights transposed for MatMul)."""
        array = self.weights[name]
        return self.const(array.T.copy() if transpose else array, name)

    def op(self, kind: str, *inputs: str, **attrs: object) -> str:
        """Add one node; returns its output's name."""
        out = self._fresh(kind.lower())
        self.nodes.append(helper.make_node(kind, list(inputs), [out], **attrs))
        return out

    def linear(self, x: str, prefix: str) -> str:
        """`x @ W.T + b` of the checkpoint's `prefix.weight` / `prefix.bias`."""
        product = self.op("MatMul", x, self.weight(f"{prefix}.weight", transpose=True))
        return self.op("Add", product, self.weight(f"{prefix}.bias"))

    def norm(self, x: str, prefix: str) -> str:
        """LayerNorm with the checkpoint's `prefix.weight` / `prefix.bias`."""
        scale, bias = self.weight(f"{prefix}.weight"), self.weight(f"{prefix}.bias")
        return self.op("LayerNormalization", x, scale, bias, axis=-1, epsilon=EPS)

    def _fresh(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"


def _embeddings(g: _Graph) -> str:
    words = g.op("Gather", g.weight("embeddings.word_embeddings.weight"), "input_ids")
    length = g.op("Gather", g.op("Shape", "input_ids"), g.const(np.int64(1)))
    positions = g.op("Range", g.const(np.int64(0)), length, g.const(np.int64(1)))
    placed = g.op("Gather", g.weight("embeddings.position_embeddings.weight"), positions)
    token_type = g.const(g.weights["embeddings.token_type_embeddings.weight"][0])
    summed = g.op("Add", g.op("Add", words, placed), token_type)
    return g.norm(summed, "embeddings.LayerNorm")


def _heads(g: _Graph, x: str, perm: list[int]) -> str:
    split = g.op("Reshape", x, g.const([0, 0, HEADS, HIDDEN // HEADS]))
    return g.op("Transpose", split, perm=perm)


def _layer(g: _Graph, x: str, bias: str, n: int) -> str:
    p = f"encoder.layer.{n}"
    query = _heads(g, g.linear(x, f"{p}.attention.self.query"), [0, 2, 1, 3])
    key = _heads(g, g.linear(x, f"{p}.attention.self.key"), [0, 2, 3, 1])
    value = _heads(g, g.linear(x, f"{p}.attention.self.value"), [0, 2, 1, 3])
    scores = g.op("Div", g.op("MatMul", query, key), g.const(math.sqrt(HIDDEN // HEADS)))
    probs = g.op("Softmax", g.op("Add", scores, bias), axis=-1)
    context = g.op("Transpose", g.op("MatMul", probs, value), perm=[0, 2, 1, 3])
    merged = g.op("Reshape", context, g.const([0, 0, HIDDEN]))
    attended = g.op("Add", g.linear(merged, f"{p}.attention.output.dense"), x)
    x = g.norm(attended, f"{p}.attention.output.LayerNorm")
    inner = g.linear(x, f"{p}.intermediate.dense")
    erf = g.op("Erf", g.op("Div", inner, g.const(math.sqrt(2.0))))
    gelu = g.op("Mul", g.op("Mul", inner, g.const(0.5)), g.op("Add", erf, g.const(1.0)))
    out = g.op("Add", g.linear(gelu, f"{p}.output.dense"), x)
    return g.norm(out, f"{p}.output.LayerNorm")


def build(weights: dict[str, np.ndarray]) -> onnx.ModelProto:
    """`input_ids`, `attention_mask` (int64, [batch, tokens]) → `embedding` [batch, 384]."""
    g = _Graph(weights)
    mask = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    # Padding gets a large negative score before the softmax, as in BERT.
    padding = g.op("Mul", g.op("Sub", g.const(1.0), mask), g.const(-1e4))
    bias = g.op("Unsqueeze", padding, g.const([1, 2]))
    x = _embeddings(g)
    for n in range(LAYERS):
        x = _layer(g, x, bias, n)
    weights_3d = g.op("Unsqueeze", mask, g.const([-1]))
    total = g.op("ReduceSum", g.op("Mul", x, weights_3d), g.const([1]), keepdims=0)
    count = g.op("Max", g.op("ReduceSum", weights_3d, g.const([1]), keepdims=0), g.const(1e-9))
    mean = g.op("Div", total, count)
    g.nodes.append(helper.make_node("LpNormalization", [mean], ["embedding"], axis=-1, p=2))
    ints = [
        helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "tokens"])
        for name in ("input_ids", "attention_mask")
    ]
    out = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", HIDDEN])
    graph = helper.make_graph(g.nodes, "all-MiniLM-L6-v2", ints, [out], g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model
