"""Notification templates: one folder per template, one Jinja2 file per channel."""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateAssertionError,
    TemplateNotFound,
    TemplateSyntaxError,
    meta,
    nodes,
    select_autoescape,
)
from jinja2 import TemplateError as JinjaError

from hduce.plugins.notifications.templates._folders import (
    BODIES,
    HTML,
    SUBJECT,
    TEMPLATES_ENV,
    TemplateError,
    builtin_template_dir,
    declarations,
    scan,
    strays,
)

__all__ = [
    "TEMPLATES_ENV",
    "Rendered",
    "TemplateError",
    "TemplateRenderer",
    "blank_part",
    "builtin_template_dir",
]

UNTITLED = frozenset({"sms"})
"""Channels that send no subject (a blank one does not stop their message)."""

ALWAYS_GIVEN = frozenset({"name", "clinic_name"})
"""What the notifier gives every template."""
RENDER_ERRORS = (JinjaError, ArithmeticError, LookupError, TypeError, ValueError)
"""What rendering a template with wrong uses of its values may raise."""


class Rendered(msgspec.Struct, frozen=True):
    """One template rendered for one channel."""

    subject: str
    text: str
    html: str | None = None


class TemplateRenderer:
    """Renders templates from folders searched in order, so earlier folders override per file.

    Templates are read once: restart after adding or editing one. The last folder holds the
    built-in templates, whose `variables.txt` say what each template is given.
    """

    def __init__(self, dirs: Sequence[Path]) -> None:
        for folder in dirs:
            if not folder.is_dir():
                raise TemplateError(f"template folder not found: {folder}")
        self._given = declarations(dirs[-1]) if dirs else {}
        self._strays = strays(dirs[:-1], self._given.keys())
        self._loader = FileSystemLoader(list(dirs))
        self._env = Environment(
            loader=self._loader,
            undefined=StrictUndefined,
            autoescape=select_autoescape(["html"], default_for_string=False, default=False),
            auto_reload=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._files = scan(dirs)
        self._parsed: dict[str, tuple[str, frozenset[str], list[str]]] = {}
        self._templates: dict[str, Template] = {}

    def names(self) -> list[str]:
        """Every template name, sorted."""
        return sorted(self._files)

    def channels(self, template: str) -> frozenset[str]:
        """The channels `template` has a message for."""
        files = self._files_of(template)
        return frozenset(channel for channel, body in BODIES.items() if body in files)

    def variables(self, template: str) -> frozenset[str]:
        """The values `template` uses across all of its files."""
        files = self._files_of(template)
        return frozenset().union(*(self._variables(template, file) for file in files))

    def given(self, template: str) -> frozenset[str]:
        """What a built-in `template`'s sender gives it (`ALWAYS_GIVEN` for any other)."""
        self._files_of(template)
        return ALWAYS_GIVEN | self._given.get(template, frozenset())

    def strays(self) -> list[str]:
        """A warning for each folder of the clinic's that is no built-in template (misspelt?)."""
        return list(self._strays)

    def check(self) -> None:
        """Fail on the first file that uses a value its built-in template is not given.

        Each file is checked with the layouts and pieces it uses; the error names the file.
        """
        for template in sorted(self._given.keys() & self._files.keys()):
            allowed = self.given(template)
            for file in sorted(self._files[template]):
                for name in self._used_by(f"{template}/{file}"):
                    path, own, _ = self._parse(name)
                    if unknown := sorted(own - allowed):
                        raise TemplateError(
                            f"template file {path} uses {_listed(unknown)}, which `{template}` "
                            f"is not given (it is given: {', '.join(sorted(allowed))})"
                        )

    def render(self, template: str, channel: str, data: Mapping[str, Any]) -> Rendered:
        """Render the subject and `channel`'s body (and HTML for e-mail) with `data`."""
        if channel not in BODIES:
            raise TemplateError(f"unknown channel `{channel}` (known: {', '.join(BODIES)})")
        if BODIES[channel] not in self._files_of(template):
            raise TemplateError(f"template `{template}` has no {channel} message")
        rendered = self.render_all(template, data, (channel,))[channel]
        if problem := blank_part(template, channel, rendered):
            raise TemplateError(problem)
        return rendered

    def render_all(
        self, template: str, data: Mapping[str, Any], channels: Sequence[str] = tuple(BODIES)
    ) -> dict[str, Rendered]:
        """`render` for each of `channels` the template has, its subject rendered once.

        A message that renders to nothing is returned as it is: see `blank_part`.
        """
        files = self._files_of(template)
        subject = " ".join(self._render(template, SUBJECT, data).split())
        rendered = {}
        for channel in channels:
            if BODIES.get(channel) not in files:
                continue
            text = self._render(template, BODIES[channel], data)
            html = (
                self._render(template, HTML, data) if channel == "email" and HTML in files else None
            )
            rendered[channel] = Rendered(subject=subject, text=text, html=html)
        # Checked even where the files do without: a clinic's override may use any of them.
        if withheld := sorted(self.given(template) - data.keys()):
            raise TemplateError(
                f"template `{template}` is given {_listed(withheld)}, which the sender left out"
            )
        return rendered

    def _files_of(self, template: str) -> frozenset[str]:
        try:
            return self._files[template]
        except KeyError:
            raise TemplateError(f"unknown template `{template}`") from None

    def _render(self, template: str, file: str, data: Mapping[str, Any]) -> str:
        missing = sorted(self._variables(template, file) - data.keys())
        if missing:
            raise TemplateError(
                f"template `{template}/{file}`: missing variable {_listed(missing)}"
            )
        try:
            return self._compiled(f"{template}/{file}").render(data).strip()
        except RENDER_ERRORS as exc:  # a clinic's template may misuse a value in any way
            raise TemplateError(f"template `{template}/{file}`: {exc}") from None

    def _compiled(self, name: str) -> Template:
        """The compiled file, its globals a plain dict (Jinja's chain of them is slow to copy)."""
        compiled = self._templates.get(name)
        if compiled is None:
            compiled = self._templates[name] = self._env.get_template(name)
            compiled.globals = dict(compiled.globals)
        return compiled

    def _variables(self, template: str, file: str) -> frozenset[str]:
        """Undeclared variables of one file and of the layouts and pieces it uses."""
        used = self._used_by(f"{template}/{file}")
        return frozenset().union(*(self._parse(name)[1] for name in used))

    def _used_by(self, name: str) -> list[str]:
        """`name` and every file it extends, includes or imports, directly or not."""
        found = [name]
        for file in found:
            found.extend(used for used in self._parse(file)[2] if used not in found)
        return found

    def _parse(self, name: str) -> tuple[str, frozenset[str], list[str]]:
        """The file's path, its own undeclared variables and the files it names (cached)."""
        if name not in self._parsed:
            try:
                source, path, _ = self._loader.get_source(self._env, name)
            except TemplateNotFound:
                raise TemplateError(f"template file `{name}` not found") from None
            where = path or name
            try:
                parsed = self._env.parse(source, name, path)
                _refuse_unknown_filters_and_tests(self._env, parsed, name, path)
                own = frozenset(meta.find_undeclared_variables(parsed) - self._env.globals.keys())
            except TemplateSyntaxError as exc:
                raise TemplateError(
                    f"template file {where} line {exc.lineno}: {exc.message}"
                ) from None
            used = [used for used in meta.find_referenced_templates(parsed) if used is not None]
            self._parsed[name] = (where, own, used)
        return self._parsed[name]


def blank_part(template: str, channel: str, message: Rendered) -> str | None:
    """Why `message` must not be sent: the file of it that rendered to nothing (None if none)."""
    if not message.text:
        file = BODIES[channel]
    elif not message.subject and channel not in UNTITLED:
        file = SUBJECT
    elif message.html is not None and not message.html:
        file = HTML
    else:
        return None
    return f"template `{template}/{file}` renders to nothing (a blank message is not sent)"


def _refuse_unknown_filters_and_tests(
    env: Environment, parsed: nodes.Template, name: str, path: str | None
) -> None:
    """Raise on the first filter or test `env` lacks, wherever it stands in the file.

    Compiling catches only those used unconditionally: one inside an `if` (or `x if y else z`)
    would fail only when that branch renders.
    """
    for node in parsed.find_all((nodes.Filter, nodes.Test)):
        kind, known = (
            ("filter", env.filters) if isinstance(node, nodes.Filter) else ("test", env.tests)
        )
        if node.name not in known:
            message = f"No {kind} named {node.name!r}."
            raise TemplateAssertionError(message, node.lineno, name, path)


def _listed(names: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)
