"""Embedding providers: the local ONNX model against a numpy reference, the HTTP provider."""

from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from hduce.plugins.search.services.embedding.install import GRAPHS, model_dir
from hduce.plugins.search.services.embedding.local import LocalEmbedder
from hduce.plugins.search.services.embedding.remote import EmbeddingServiceError, HttpEmbedder
from hduce.plugins.search.services.embedding.weights import load_weights, read_member
from tests.plugins.search.embeddings_server import embeddings_server, fake_vector
from tests.plugins.search.reference_bert import embed

SENTENCES = [
    "Patient admitted with acute myocardial infarction.",
    "metformin 500 mg twice daily",
    "The knee is swollen after a fall; no fracture on the X-ray.",
    "a1c",
]


async def test_local_vectors_match_a_plain_numpy_forward_pass(
    local_embedder: LocalEmbedder,
) -> None:
    tokenizer = Tokenizer.from_str(read_member("tokenizer.json").decode())
    tokenizer.no_padding()
    weights = load_weights()
    expected = [embed(tokenizer.encode(s).ids, weights) for s in SENTENCES]
    # Batched together, so padding and the attention mask are exercised too.
    got = np.array(await local_embedder.embed(SENTENCES))
    assert got.shape == (4, 384)
    cosines = [float(np.dot(g, e)) for g, e in zip(got, expected, strict=True)]
    assert min(cosines) > 0.99999, cosines
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


async def test_an_int8_model_is_built_beside_fp32_and_embeds_close_to_it(
    local_embedder: LocalEmbedder, tmp_path: Path
) -> None:
    data_dir = str(tmp_path)
    int8 = LocalEmbedder(data_dir, precision="int8")
    try:
        got = np.array(await int8.embed(SENTENCES))
    finally:
        await int8.aclose()
    built = model_dir(data_dir)
    assert (built / GRAPHS["fp32"]).is_file() and (built / GRAPHS["int8"]).is_file()
    assert int8.name != local_embedder.name, "vectors of the two are never compared"
    reference = np.array(await local_embedder.embed(SENTENCES))
    cosines = np.sum(got * reference, axis=1)
    assert 0.97 < cosines.min() < 0.99999, cosines
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


async def test_local_vectors_rank_lay_words_near_clinical_ones(
    local_embedder: LocalEmbedder,
) -> None:
    heart, infarction, weather = np.array(
        await local_embedder.embed(["heart attack", "myocardial infarction", "sunny beach day"])
    )
    assert heart @ infarction > heart @ weather + 0.3


async def test_http_provider_batches_orders_and_normalises() -> None:
    texts = [f"text number {i}" for i in range(5)]
    with embeddings_server() as server:
        embedder = HttpEmbedder(server.url, "nomic", "sk-test", batch_size=2)
        try:
            vectors = np.array(await embedder.embed(texts))
        finally:
            await embedder.aclose()
    assert [len(r["input"]) for r in server.requests] == [2, 2, 1]
    assert {r["model"] for r in server.requests} == {"nomic"}
    for text, vector in zip(texts, vectors, strict=True):
        raw = np.array(fake_vector(text, 384))
        assert np.allclose(vector, raw / np.linalg.norm(raw), atol=1e-6)


@pytest.mark.parametrize(
    ("options", "key", "message"),
    [
        ({}, "wrong", "answered 401"),
        ({"dimensions": 768}, "sk-test", "vectors of 384 numbers"),
    ],
)
async def test_http_provider_refuses_bad_answers(
    options: dict[str, object], key: str, message: str
) -> None:
    with embeddings_server(**options) as server:
        embedder = HttpEmbedder(server.url, "nomic", key)
        try:
            with pytest.raises(EmbeddingServiceError, match=message):
                await embedder.embed(["one"])
        finally:
            await embedder.aclose()


async def test_http_provider_says_when_unreachable() -> None:
    embedder = HttpEmbedder("http://127.0.0.1:9/v1", "nomic")
    try:
        with pytest.raises(EmbeddingServiceError, match="unreachable"):
            await embedder.embed(["one"])
    finally:
        await embedder.aclose()
