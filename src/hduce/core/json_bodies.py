r"""JSON request bodies read strictly: a field's JSON type must be the type the API documents.

Litestar converts a handler's `data` as it converts query parameters (msgspec `strict=False`),
so a body's `"30"` passed for an integer, `1` for a boolean and `"null"` for none. Here the
body a route reads as JSON is converted to its `data` type strictly, once, as the request's
JSON; Litestar's own conversion then takes the result as it is. Text still gives date-times,
dates, times, UUIDs and the like, which JSON has no type for. Forms (the web console) are not
JSON and keep their conversion from text.

A body msgspec cannot parse because a string holds half a UTF-16 surrogate pair (`"\ud800"`,
which it calls "truncated") is a 400 saying so.
"""

import json
import re
from collections.abc import Callable
from functools import partial
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec
from litestar import Request
from litestar.exceptions import SerializationException, ValidationException
from litestar.serialization import default_deserializer
from litestar.types import Empty

AT = " - at `$"
OWN_FIELD = re.compile(r" - at `\$\.(\w+)`$")
"""Where a struct's own check says its invalid field is (`... - at $.end`), at the very end."""
NAME = re.compile(r"[A-Za-z_]\w*")
ESCAPES = re.compile(
    rb"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    rb"|(u[dD][89a-fA-F][0-9a-fA-F]{2})|.)",
    re.DOTALL,
)
"""A JSON escape, left to right: a surrogate pair, half of one (group 1), or any other."""


class StrictJsonRequest(Request[Any, Any, Any]):
    """A request whose JSON body, when its handler reads one as `data`, is read strictly."""

    __slots__ = ()

    async def json(self) -> Any:
        """The JSON body, converted strictly to the handler's `data` type if it has one.

        Raises `ValidationException` (a 422 naming the field, as Litestar names others) for a
        value of the wrong type, `SerializationException` (a 400) for a body that does not parse.
        """
        if self._json is not Empty or self._connection_state.json is not Empty:
            return await super().json()
        try:
            found = await super().json()
        except SerializationException as exc:
            if (why := unpaired_surrogate(await self.body())) is None:
                raise
            raise why from exc
        field = self.route_handler.parsed_fn_signature.parameters.get("data")
        if field is None:
            return found
        decoders = self.route_handler.resolve_type_decoders()
        convert = partial(
            msgspec.convert,
            strict=True,
            dec_hook=partial(default_deserializer, type_decoders=decoders),
            str_keys=True,
        )
        try:
            data = convert(found, field.annotation)
        except msgspec.ValidationError as exc:
            raise ValidationException(
                detail=f"Validation failed for {self.method} {self.url.path}",
                extra=[body_error(found, field.annotation, convert)],
            ) from exc
        self._json = self._connection_state.json = data
        return data


def body_error(found: Any, kind: Any, convert: Callable[[Any, Any], Any]) -> dict[str, str]:
    """The invalid input in `found`, which `convert` refuses as `kind`: its message and path.

    The path is found by converting `found` part by part, never read from msgspec's message
    (which quotes a client's field names and map keys): `items[0].field`, a map's value or key
    as `channels.general.email`, an unknown field by its name (quoted if not a plain name), a
    missing one by its own; `data` is the body itself.
    """
    message, path = _first_refused(found, kind, convert, ())
    return {"message": message, "key": "".join(path).lstrip(".") or "data", "source": "body"}


def _step(name: str) -> str:
    return f".{name}" if NAME.fullmatch(name) else f"[{json.dumps(name, ensure_ascii=False)}]"


def _refusal(value: Any, kind: Any, convert: Callable[[Any, Any], Any]) -> str | None:
    try:
        convert(value, kind)
    except (msgspec.ValidationError, ValueError) as exc:
        return str(exc)
    return None


def _first_refused(
    value: Any, kind: Any, convert: Callable[[Any, Any], Any], path: tuple[str, ...]
) -> tuple[str, tuple[str, ...]]:
    """The first part of `value` that `kind` refuses, in msgspec's order, and its path."""
    message = _refusal(value, kind, convert) or "invalid"
    kind = _shape(kind, value)
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct) and isinstance(value, dict):
        fields = {field.encode_name: field for field in msgspec.structs.fields(kind)}
        for name, item in value.items():
            if name not in fields:
                return f"Object contains unknown field `{name}`", (*path, _step(name))
            if _refusal(item, fields[name].type, convert) is not None:
                return _first_refused(item, fields[name].type, convert, (*path, _step(name)))
        for name, field in fields.items():
            if field.required and name not in value:
                return f"Object missing required field `{name}`", (*path, _step(name))
        if own := OWN_FIELD.search(message):
            return message[: own.start()], (*path, _step(own[1]))
    elif get_origin(kind) is dict and isinstance(value, dict):
        key_kind, item_kind = get_args(kind) or (Any, Any)
        for key, item in value.items():
            if (why := _refusal(key, key_kind, convert)) is not None:
                return why, (*path, _step(str(key)))
            if _refusal(item, item_kind, convert) is not None:
                return _first_refused(item, item_kind, convert, (*path, _step(str(key))))
    elif get_origin(kind) in (list, tuple, set, frozenset) and isinstance(value, list):
        item_kind = (get_args(kind) or (Any,))[0]
        for index, item in enumerate(value):
            if _refusal(item, item_kind, convert) is not None:
                return _first_refused(item, item_kind, convert, (*path, f"[{index}]"))
    return message, path


def _shape(kind: Any, value: Any) -> Any:
    """`kind` without `Annotated`, and of a union the arm `value`'s JSON type goes to."""
    while get_origin(kind) is Annotated:
        kind = get_args(kind)[0]
    if get_origin(kind) not in (Union, UnionType):
        return kind
    arms = [_shape(arm, value) for arm in get_args(kind) if arm is not NoneType]
    wanted = dict if isinstance(value, dict) else list if isinstance(value, list) else None
    for arm in arms:
        if wanted is not None and (
            get_origin(arm) is wanted
            or (wanted is dict and isinstance(arm, type) and issubclass(arm, msgspec.Struct))
        ):
            return arm
    return kind


def unpaired_surrogate(body: bytes) -> SerializationException | None:
    """Why `body` does not parse if a string in it holds half a UTF-16 surrogate pair."""
    for escape in ESCAPES.finditer(body):
        if escape[1]:
            return SerializationException(
                f"a string holds an unpaired UTF-16 surrogate, \\{escape[1].decode()} (byte"
                f" {escape.start()}): a character beyond U+FFFF is written as a pair of escapes,"
                " \\ud800-\\udbff then \\udc00-\\udfff"
            )
    return None
