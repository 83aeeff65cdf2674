"""The `http` provider: an OpenAI-compatible `POST <url>/embeddings` (Ollama, a cloud API)."""

from collections.abc import Sequence

import httpx
import msgspec
import numpy as np


class EmbeddingServiceError(RuntimeError):
    """The embeddings endpoint failed or answered something unusable."""


class _Item(msgspec.Struct):
    embedding: list[float]
    index: int = 0


class _Answer(msgspec.Struct):
    data: list[_Item]


class HttpEmbedder:
    """Sends texts in batches; checks the dimensions and normalises every vector."""

    dimensions = 384

    def __init__(
        self, url: str, model: str, api_key: str = "", batch_size: int = 32, timeout: float = 30
    ) -> None:
        self.name = model
        self._url = url.rstrip("/") + "/embeddings"
        self._batch_size = batch_size
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(headers=headers, timeout=timeout)

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One unit vector per text, in order."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            vectors += await self._batch(list(texts[start : start + self._batch_size]))
        return vectors

    async def start(self) -> None:
        """Nothing to load: the endpoint is asked on the first call."""

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def _batch(self, texts: list[str]) -> list[list[float]]:
        try:
            response = await self._client.post(self._url, json={"model": self.name, "input": texts})
        except httpx.HTTPError as exc:
            raise EmbeddingServiceError(f"embeddings endpoint unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise EmbeddingServiceError(
                f"embeddings endpoint answered {response.status_code}: {response.text[:200]}"
            )
        try:
            items = msgspec.json.decode(response.content, type=_Answer).data
        except msgspec.ValidationError as exc:
            raise EmbeddingServiceError(f"embeddings endpoint answered no vectors: {exc}") from exc
        items.sort(key=lambda item: item.index)
        if len(items) != len(texts) or any(len(i.embedding) != self.dimensions for i in items):
            raise EmbeddingServiceError(
                f"embeddings endpoint must answer {len(texts)} vectors of {self.dimensions} "
                f"numbers (model {self.name!r})"
            )
        matrix = np.array([item.embedding for item in items], dtype=np.float32)
        norms = np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        return (matrix / norms).tolist()
