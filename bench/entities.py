"""Entities benchmark: precision/recall on the hand-labelled sentences, and cost per page.

1. Scores the extractor against `tests/plugins/documents/labelled_entities.txt` (drugs,
   diagnoses by ICD-10 category, and each ConText category) and prints precision and recall.
2. Builds the dictionaries (seconds and resident memory of this process before and after).
3. Times `extract_entities` per page on the text of bench/documents.py's PDFs (read with
   pypdfium2 as extraction does), for a 1-page and a `--pages`-page document.

Run from the repository root: `.venv/bin/python bench/entities.py [--pages 50 --rounds 5]`.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package

from tests.plugins.documents.labelled import CONTEXTS, labelled, score

from documents import make_pdf
from hduce.plugins.documents.services.extraction._extract import ExtractionOptions, _pdf_pages
from hduce.plugins.documents.services.extraction.entities import extract_entities, load

MB = 1024 * 1024


def resident() -> float:
    """This process's resident memory in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB


def page_texts(pages: int) -> str:
    """The text extraction reads from a `pages`-page report of bench/documents.py."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(make_pdf(1, pages))
        read = _pdf_pages(path, ExtractionOptions().ocr)
    assert not isinstance(read, dict) and hasattr(read, "texts")
    return "\f".join(read.texts)  # type: ignore[union-attr]


def main() -> None:
    """Print the scores, the load cost and the time per page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50, help="pages of the long document")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (best is printed)")
    args = parser.parse_args()

    before = resident()
    started = time.perf_counter()
    load()
    print(
        f"dictionaries built in {time.perf_counter() - started:.2f} s; "
        f"RSS {before:.0f} -> {resident():.0f} MB"
    )
    cases = labelled()
    scores, mistakes = score()
    print(f"\n{len(cases)} sentences, {sum(len(labels) for _, labels in cases)} labelled findings")
    print(f"{'measure':14} {'precision':>9} {'recall':>7}  tp/fp/fn")
    for measure in ("medication", "diagnosis", *CONTEXTS):
        counts = scores.counts.get(measure, {})
        print(
            f"{measure:14} {scores.precision(measure):9.3f} {scores.recall(measure):7.3f}  "
            f"{counts.get('tp', 0)}/{counts.get('fp', 0)}/{counts.get('fn', 0)}"
        )
    print("\nwrong:\n  " + "\n  ".join(mistakes) if mistakes else "\nnothing wrong")

    print()
    for pages in (1, args.pages):
        text = page_texts(pages)
        best = float("inf")
        for _ in range(args.rounds):
            started = time.perf_counter()
            found = extract_entities(text)
            best = min(best, time.perf_counter() - started)
        print(
            f"{pages:3}-page document: {best / pages * 1000:.3f} ms/page for entities "
            f"({len(found) / pages:.0f} entities and {len(text) // pages} characters a page)"
        )


if __name__ == "__main__":
    main()
