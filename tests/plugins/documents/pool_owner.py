"""A process that owns an extraction pool, for the orphan test: `python -m <this> FILE.pdf`.

It extracts FILE twice at once (so both extraction processes start), prints `ready`, then waits
to be killed.
"""

import asyncio
import sys

from hduce.plugins.documents.config import DocumentsConfig
from hduce.plugins.documents.services.extraction import ExtractionOptions, ExtractorPool


async def main(path: str) -> None:
    """Start two extractions, say so, sleep."""
    config = DocumentsConfig(extraction_workers=2)
    pool = ExtractorPool.from_config(config)
    options = ExtractionOptions.from_config(config)
    await asyncio.gather(
        *(pool.extract(path, "application/pdf", options, seconds=60) for _ in range(2))
    )
    print("ready", flush=True)
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
