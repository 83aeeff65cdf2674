"""Extraction of text and entities, each document in a process of its own.

`_task` claims a document and stores the result (`_stuck` requeues one whose task was given
up); `_pool` and `_slot` run the processes (`_process` is their script, `_frames` what crosses
the pipe); `_extract` is what a process runs on one file, with `_budget`, `_ocr` and
`entities`. The process imports those modules by their full name, never this package (it
stays bare there, see `_process`).
"""

from hduce.plugins.documents.services.extraction._extract import (
    ExtractionOptions,
    extract_file,
    normalize,
)
from hduce.plugins.documents.services.extraction._ocr import (
    OcrOptions,
    OcrUnavailable,
    check_models,
)
from hduce.plugins.documents.services.extraction._pool import ExtractorCrashed, ExtractorPool
from hduce.plugins.documents.services.extraction._slot import ProcessLimits
from hduce.plugins.documents.services.extraction._stuck import StuckExtractions
from hduce.plugins.documents.services.extraction._task import EXTRACTION_TASKS, Extraction

__all__ = [
    "EXTRACTION_TASKS",
    "Extraction",
    "ExtractionOptions",
    "ExtractorCrashed",
    "ExtractorPool",
    "OcrOptions",
    "OcrUnavailable",
    "ProcessLimits",
    "StuckExtractions",
    "check_models",
    "extract_file",
    "normalize",
]
