"""The entity rules' cost grows with the text, not with its square: a long run of blanks,
digits or dots after a word a rule starts at ("BP", a drug's name, "Allergies:") is read once.

Sizes where quadratic rules took many seconds (20,000 blanks after "BP": 6-18 s, after
"metformin": 24 s) and linear ones take milliseconds; the bound is far from both.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hduce.plugins.documents.services._sniff import TEXT
from hduce.plugins.documents.services.extraction import ExtractionOptions, extract_file
from hduce.plugins.documents.services.extraction.entities import extract_entities, load

RUN = 20_000
"""Characters of each adversarial run."""
BOUND = 1.0
"""Seconds one text may take (milliseconds expected)."""
STARTS = (
    *("BP", "B/P", "blood pressure", "HR", "heart rate", "pulse", "temp", "temperature"),
    *("SpO2", "O2 sat", "sats", "38 deg", "38", "120/80", "120", "March", "5 March"),
    *("HbA1c", "fasting blood glucose", "creatinine", "LDL", "HDL", "total cholesterol"),
    *("triglycerides", "Hb", "potassium", "sodium", "Na", "TSH", "eGFR", "CRP", "CRP (hs)"),
    *("metformin", "metformin hydrochloride", "aspirin 5", "aspirin 5 mg/", "ibuprofen 400-"),
    *("Allergies", "Allergies:", "Allergies: penicillin", "1. Allergies:", "PMH: x. Allergies"),
    *("allergic to", "allergic to penicillin", "ICD-10:", "E11.", "no aspirin"),
)
"""Where rules start: their keywords, a number, a drug's name, an allergy heading."""
RUNS = (" ", "\t", " \t", "\n ", "1", ".", "1.", ",", ", ", "a", "-", "/")


@pytest.fixture(scope="module", autouse=True)
def _loaded() -> None:
    load()  # the dictionaries are built before anything is timed


@pytest.mark.parametrize("start", STARTS)
def test_a_long_run_after_where_a_rule_starts_is_read_in_linear_time(start: str) -> None:
    slow = {}
    for run in RUNS:
        for text in (f"{start}{run * (RUN // len(run))}x", f"{start} a{run * (RUN // len(run))}b"):
            began = time.perf_counter()
            extract_entities(text)
            if (took := time.perf_counter() - began) > BOUND:
                slow[repr(text[: len(start) + 4])] = round(took, 1)
    assert not slow, slow


@pytest.mark.parametrize(
    ("phrase", "size"),
    [
        ("no aspirin ", RUN // 2),
        ("chest pain absent ", RUN // 2),
        ("denies fever or ", RUN // 2),
        ("aspirin " * 20 + "not ", RUN // 2),
        ("ICD-10: I10 ", RUN // 2),
        ("Allergies:\n", 10 * RUN),
    ],
)
def test_many_rule_starts_in_a_row_are_read_in_linear_time(phrase: str, size: int) -> None:
    """Each finding looks at the triggers within its scope, not at every one of its sentence
    (10,000 characters of "no aspirin " took 12 s); a line naming ICD is read once, not once
    per "ICD" on it (7 s); an empty "Allergies:" reads the lines below it, not all the text."""
    text = phrase * (size // len(phrase))
    began = time.perf_counter()
    found = extract_entities(text)
    assert time.perf_counter() - began < BOUND
    assert found or phrase.startswith("Allergies")


@pytest.mark.parametrize(
    "phrase", ["no-aspirin-", "no/asthma/", "denies_aspirin_", "aspirin-not-seen-"]
)
def test_triggers_joined_without_blanks_are_read_in_linear_time(phrase: str) -> None:
    """Words joined by punctuation are words of a scope: each finding looks at the few triggers
    within reach, not at all of its sentence ("no-aspirin-" * 1000 took 17 s, * 2000 180 s)."""
    text = phrase * 2000
    began = time.perf_counter()
    found = extract_entities(text)
    assert time.perf_counter() - began < BOUND
    assert found


def test_entities_beyond_max_entities_are_not_built(tmp_path: Path) -> None:
    """A long text is read a piece at a time, up to the piece where `max_entities` are found:
    24 MiB of vital signs built millions of entities first, and ran out of memory."""
    path = tmp_path / "vitals.txt"
    path.write_bytes(b"aspirin 1 mg BP 120/80 \n" * (2 * 1024 * 1024 // 24))
    began = time.perf_counter()
    result = extract_file(str(path), TEXT, ExtractionOptions(max_entities=100))
    assert time.perf_counter() - began < 2 * BOUND
    assert len(result["entities"]) == 100
    assert (
        result["note"] == "more than 100 entities found; only the first 100 are kept (max_entities)"
    )


def test_a_text_read_in_pieces_keeps_offsets_and_pages() -> None:
    page = "Seen today. Denies chest pain.\n\n" * 1000  # 32 kB
    text = "\f".join([page, page, page + "Allergies: penicillin\nOn aspirin 75 mg, no metformin."])
    found = [e for e in extract_entities(text) if e.kind != "diagnosis"]
    assert [(e.kind, e.text, e.page, e.context) for e in found] == [
        ("allergy", "penicillin", 3, ()),
        ("medication", "aspirin 75 mg", 3, ()),
        ("medication", "metformin", 3, ("negated",)),
    ]
    assert all(text[e.start : e.end] == e.text for e in found)


_UNDER_A_LIMIT = """
import json, resource, sys
from hduce.plugins.documents.services.extraction._extract import (
    ExtractionOptions, extract_file, preload)
preload()
with open("/proc/self/statm") as statm:
    size = int(statm.read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (size + 256 * 2**20,) * 2)
result = extract_file(sys.argv[1], "text/plain", ExtractionOptions(max_entities=100))
print(json.dumps([result["ok"], result["error"], len(result["entities"])]))
"""


def test_a_long_text_is_read_within_a_memory_limit(tmp_path: Path) -> None:
    """12 MiB of vital signs under 256 MiB more address space: building all its million entities
    first ran out of memory, a failure that also said "the file could not be read"."""
    path = tmp_path / "vitals.txt"
    path.write_bytes(b"aspirin 1 mg BP 120/80 \n" * (12 * 1024 * 1024 // 24))
    run = subprocess.run(
        [sys.executable, "-c", _UNDER_A_LIMIT, str(path)], capture_output=True, check=True
    )
    assert json.loads(run.stdout) == [True, None, 100]
