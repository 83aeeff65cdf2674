"""Extraction under a memory limit: bombs fail with a reason, their neighbours are unaffected."""

import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from hduce.plugins.documents.services.extraction import ExtractionOptions, OcrOptions, extract_file
from hduce.plugins.documents.services.extraction._budget import OverBudget, check_pdf_streams
from tests.plugins.documents.files import blank_picture, claimed_picture, inflating_pdf, long_pdf
from tests.plugins.documents.helpers import extracted, extraction_processes, uploaded
from tests.plugins.users.clinic import Clinic, Member

MIB = 1024**2
GIB = 1024**3
MEMORY_LIMIT = GIB
"""The default `extraction_memory_limit`."""


def peak_rss(process: psutil.Process) -> int:
    """The most memory the process has held so far (VmHWM), in bytes."""
    status = Path(f"/proc/{process.pid}/status").read_text()
    (line,) = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) * 1024


def address_space_limit(process: psutil.Process) -> int:
    """The process's RLIMIT_AS soft limit, in bytes."""
    limits = Path(f"/proc/{process.pid}/limits").read_text()
    (line,) = [line for line in limits.splitlines() if line.startswith("Max address space")]
    return int(line.split()[3])


async def extract_beside_a_letter(
    clinic: Clinic, doctor: Member, patient: Member, body: bytes
) -> tuple[dict, dict]:
    """Upload `body` and an ordinary letter together; both rows once extraction ended."""
    hostile = await uploaded(clinic, doctor, body, patient=patient)
    letter = await uploaded(clinic, doctor, long_pdf(20) + body[-16:], patient=patient)
    return await extracted(clinic, hostile["id"]), await extracted(clinic, letter["id"])


def assert_processes_stayed_under_the_limit() -> None:
    processes = extraction_processes()
    assert processes, "extraction runs in its own processes"
    for process in processes:
        assert address_space_limit(process) == MEMORY_LIMIT
        assert peak_rss(process) < MEMORY_LIMIT / 2, f"{peak_rss(process) / 2**20:.0f} MiB"


async def test_a_pdf_inflating_to_a_gigabyte_fails_and_the_letter_beside_it_is_done(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    bomb, letter = await extract_beside_a_letter(clinic, doctor, patient, inflating_pdf(GIB))
    assert (bomb["status"], bomb["attempts"]) == ("failed", 1)
    assert bomb["error"].startswith("the PDF holds a stream that inflates to more than 256 MiB")
    assert (letter["status"], letter["page_count"]) == ("done", 20)
    assert_processes_stayed_under_the_limit()


async def test_an_lzw_pdf_decoding_to_a_gigabyte_fails_saying_so(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    """Regression: LZW (and Flate over LZW) passed the check, and the memory limit stopped the
    process with a message about memory instead."""
    for form in ({"layers": 0}, {"layers": 1}):
        bomb, _ = await extract_beside_a_letter(
            clinic, doctor, patient, inflating_pdf(GIB, lzw="inner", **form)
        )
        assert (bomb["status"], bomb["attempts"]) == ("failed", 1)
        assert bomb["error"].startswith("the PDF holds a stream that inflates to more than 256")
    assert_processes_stayed_under_the_limit()


async def test_a_10k_by_10k_picture_fails_and_the_letter_beside_it_is_done(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    poster, letter = await extract_beside_a_letter(
        clinic, doctor, patient, blank_picture((10_000, 10_000))
    )
    assert (poster["status"], poster["attempts"]) == ("failed", 1)
    assert poster["error"] == (
        "the picture has 10000 x 10000 pixels (100.0 million); at most 50.0 million are read"
    )
    assert letter["status"] == "done"
    assert_processes_stayed_under_the_limit()


async def test_a_picture_tesseract_refuses_fails_with_its_reason_at_once(
    clinic: Clinic, doctor: Member, patient: Member
) -> None:
    strip = await uploaded(clinic, doctor, blank_picture((40_000, 10)), patient=patient)
    row = await extracted(clinic, strip["id"])
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert row["error"].startswith("OCR could not read a 40000 x 10 picture (Tesseract: ")


def test_a_large_picture_is_only_refused_when_it_would_be_decoded(tmp_path: Path) -> None:
    poster = tmp_path / "poster.png"
    poster.write_bytes(blank_picture((10_000, 10_000)))
    no_ocr = ExtractionOptions(ocr=OcrOptions(enabled=False))
    result = extract_file(str(poster), "image/png", no_ocr)
    assert (result["ok"], result["page_count"]) == (True, 1)
    assert "not read (OCR is turned off)" in result["note"]


@pytest.mark.parametrize(
    "form",
    [
        {},
        # PDFium reads these too; the budget missed them (a lone CR after `stream`, and an
        # inner layer deflated with a 16 KiB window, whose header is not 0x78).
        {"end_of_line": b"\r"},
        {"end_of_line": b"\r\n"},
        {"layers": 2},
        {"layers": 2, "window_bits": 14},
        {"window_bits": 9},
        # PDFium skips whatever follows `stream` on its line; filters may come before Flate,
        # and Flate may be chained more than three times.
        {"end_of_line": b" \n"},
        {"end_of_line": b"\t \r\n"},
        {"end_of_line": b" \r"},
        {"text": b"AHx"},
        {"text": b"A85"},
        {"text": b"AHx", "layers": 3},
        {"layers": 4},
        {"layers": 6},
        # LZW has no header of its own: it is recognised by its codes decoding.
        {"lzw": "inner", "layers": 0},
        {"lzw": "inner"},
        {"lzw": "outer"},
        {"lzw": "inner", "text": b"A85"},
        {"lzw": "inner", "layers": 0, "early_change": 0},
    ],
    ids=[
        *("plain", "cr", "crlf", "twice", "twice-16k-window", "512-byte-window"),
        *("space-lf", "blanks-crlf", "space-cr", "ascii-hex", "ascii85", "ascii-hex-3-flate"),
        *("4-flate", "6-flate", "lzw", "flate-over-lzw", "lzw-over-flate", "ascii85-flate-lzw"),
        "lzw-late-change",
    ],
)
def test_the_inflate_budget_sees_every_form_of_deflated_stream(
    tmp_path: Path, form: dict[str, Any]
) -> None:
    pdf = tmp_path / "bomb.pdf"
    pdf.write_bytes(inflating_pdf(64 * MIB, **form))
    with pytest.raises(OverBudget, match="inflates to more than 16 MiB"):
        check_pdf_streams(pdf, 16 * MIB)


@pytest.mark.parametrize(
    "form",
    [
        {"end_of_line": b" \n"},
        {"text": b"AHx"},
        {"text": b"A85", "layers": 4},
        {"lzw": "inner", "layers": 0},
        {"lzw": "inner"},
        {"lzw": "outer"},
    ],
    ids=["space-lf", "ascii-hex", "ascii85-4-flate", "lzw", "flate-over-lzw", "lzw-over-flate"],
)
def test_a_stream_under_the_budget_is_read_in_every_form(
    tmp_path: Path, form: dict[str, Any]
) -> None:
    pdf = tmp_path / "small.pdf"
    pdf.write_bytes(inflating_pdf(4 * MIB, **form))
    check_pdf_streams(pdf, 16 * MIB)
    result = extract_file(str(pdf), "application/pdf", ExtractionOptions(max_stream=16 * MIB))
    assert (result["ok"], result["page_count"]) == (True, 1), result["error"]


def test_many_stream_keywords_without_a_line_end_are_checked_at_once(tmp_path: Path) -> None:
    pdf = tmp_path / "streams.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + b"stream " * 2_000_000)
    started = time.monotonic()
    check_pdf_streams(pdf, 16 * MIB)
    assert time.monotonic() - started < 2


def test_a_stream_deflated_more_times_than_followed_fails(tmp_path: Path) -> None:
    pdf = tmp_path / "deep.pdf"
    pdf.write_bytes(inflating_pdf(MIB, layers=20))
    with pytest.raises(OverBudget, match="a stream encoded more than 16 times over"):
        check_pdf_streams(pdf, 16 * MIB)


@pytest.mark.parametrize("side", [10_000, 30_000])
def test_a_picture_over_max_image_pixels_fails_with_its_size_however_large(
    tmp_path: Path, side: int
) -> None:
    poster = tmp_path / "poster.png"
    poster.write_bytes(claimed_picture(side, side))
    result = extract_file(str(poster), "image/png", ExtractionOptions())
    millions = side * side / 1e6
    assert result["error"] == (
        f"the picture has {side} x {side} pixels ({millions:.1f} million); "
        "at most 50.0 million are read"
    )
