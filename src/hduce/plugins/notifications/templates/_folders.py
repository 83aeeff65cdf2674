"""The template folders: where the built-ins are, what each folder holds, what none uses."""

import difflib
import os
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

TEMPLATES_ENV = "HDUCE_TEMPLATES_DIR"
"""Names the built-in templates folder where the source checkout is not next to `config/`."""
SUBJECT = "subject.txt"
HTML = "email.html"
BODIES = {"email": "email.txt", "sms": "sms.txt", "push": "push.txt", "in_app": "in_app.txt"}
"""The file that holds each channel's text; a template without it skips that channel."""
FILES = frozenset({SUBJECT, HTML, *BODIES.values()})
GIVEN = "variables.txt"
"""A built-in template's declaration of the values its sender gives it, one name a line."""
_BUILTIN = Path("config", "templates", "notifications")
_NAME = re.compile(r"[a-z0-9][a-z0-9_]*")
"""Template folder names; shared pieces live in folders such as `_layout` and are no template."""


class TemplateError(Exception):
    """A template is unknown, broken, or lacks a value it needs."""


def builtin_template_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The built-in templates: `HDUCE_TEMPLATES_DIR`, the source checkout's, or `./config/`'s."""
    environ = os.environ if environ is None else environ
    if explicit := environ.get(TEMPLATES_ENV):
        return Path(explicit)
    # An editable install finds them beside src/; the image runs from /app with /app/config.
    for root in (Path(__file__).resolve().parents[5], Path.cwd()):
        if (root / _BUILTIN).is_dir():
            return root / _BUILTIN
    raise TemplateError(f"built-in notification templates not found; set {TEMPLATES_ENV}")


def declarations(folder: Path) -> dict[str, frozenset[str]]:
    """Template name → the values declared in its `variables.txt` (first word of each line)."""
    declared = {}
    for file in sorted(folder.glob(f"*/{GIVEN}")):
        lines = file.read_text(encoding="utf-8").splitlines()
        words = (line.split(maxsplit=1) for line in lines if line.strip())
        declared[file.parent.name] = frozenset(w[0] for w in words if not w[0].startswith("#"))
    return declared


def scan(dirs: Sequence[Path]) -> dict[str, frozenset[str]]:
    """Template name → the files it has in any folder; each needs a subject somewhere.

    A template folder holds only `FILES` (and `variables.txt`, hidden files aside): any other
    file would never be read, so it is an error naming it (shared pieces go in `_` folders).
    """
    found: dict[str, set[str]] = {}
    for folder in dirs:
        for entry in sorted(folder.iterdir()):
            if not (entry.is_dir() and _NAME.fullmatch(entry.name)):
                continue
            files = {f.name for f in entry.iterdir() if f.is_file() and f.name[0] != "."}
            if unknown := sorted(files - FILES - {GIVEN}):
                raise TemplateError(
                    f"unknown file {entry / unknown[0]}: a template folder holds "
                    f"{', '.join(sorted(FILES))} (shared pieces go in a `_` folder)"
                )
            if files := files & FILES:
                found.setdefault(entry.name, set()).update(files)
    for name, files in found.items():
        if SUBJECT not in files:
            raise TemplateError(f"template `{name}` has no {SUBJECT}")
    return {name: frozenset(files) for name, files in found.items()}


def strays(dirs: Sequence[Path], builtin: Collection[str]) -> list[str]:
    """A warning for each folder in `dirs` that is no `builtin` template (or `_` folder).

    Such a folder overrides nothing: a misspelt override, or a template of the clinic's own
    that only a plugin sending it by name uses.
    """
    found = []
    for folder in dirs:
        for entry in sorted(folder.iterdir()):
            name = entry.name
            if not entry.is_dir() or name in builtin or name.startswith(("_", ".")):
                continue
            close = difflib.get_close_matches(name, builtin, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            use = (
                f"only a plugin that sends `{name}` by name uses it"
                if _NAME.fullmatch(name)
                else "its name is none a template can have (a-z, 0-9, _): it is not read"
            )
            found.append(f"template folder {entry} is no built-in template{hint}; {use}")
    return found
