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

import re
from functools import partial
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import SerializationException, ValidationException
from litestar.serialization import default_deserializer
from litestar.types import Empty

AT = " - at `$"
BODY_PATHS = re.compile(r" - at `\$\.?([^`]*)`")
"""Where msgspec says the invalid value is (`$.field[0]`, `$` for the body), innermost first."""
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
        try:
            data = msgspec.convert(
                found,
                field.annotation,
                strict=True,
                dec_hook=partial(default_deserializer, type_decoders=decoders),
                str_keys=True,
            )
        except msgspec.ValidationError as exc:
            raise ValidationException(
                detail=f"Validation failed for {self.method} {self.url.path}",
                extra=[body_error(str(exc))],
            ) from exc
        self._json = self._connection_state.json = data
        return data


def body_error(message: str) -> dict[str, str]:
    """The invalid input msgspec's `message` describes: the field's path, or `data` (the body).

    A struct's own check names its field (`... - at $.field`), and msgspec adds where that
    struct is (`- at $.items[0]`): the key is the whole path, `items[0].field`.
    """
    key = ".".join(reversed([part for part in BODY_PATHS.findall(message) if part]))
    return {"message": message.split(AT, 1)[0], "key": key or "data", "source": "body"}


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
