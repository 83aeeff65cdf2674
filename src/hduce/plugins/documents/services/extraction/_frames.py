"""What crosses between the pool and an extraction process: length-prefixed msgpack frames."""

import struct
from typing import Any, BinaryIO, TypeVar

import msgspec

from hduce.plugins.documents.services.extraction._extract import ExtractionOptions

T = TypeVar("T")
_LENGTH = struct.Struct(">I")
HEADER_SIZE = _LENGTH.size
"""Bytes of a frame's header: the body's length, big-endian."""


class Job(msgspec.Struct, frozen=True, kw_only=True):
    """One file to extract."""

    path: str
    content_type: str
    options: ExtractionOptions


def encode_frame(message: Any) -> bytes:
    """`message` as one frame: its length, then its msgpack bytes."""
    body = msgspec.msgpack.encode(message)
    return _LENGTH.pack(len(body)) + body


def decode_body(body: bytes, kind: type[T]) -> T:
    """The message in a frame's body."""
    return msgspec.msgpack.decode(body, type=kind)


def frame_length(header: bytes) -> int:
    """The body length a frame header announces."""
    return int(_LENGTH.unpack(header)[0])


def write_frame(stream: BinaryIO, message: Any) -> None:
    """Write one frame and flush it (blocking: the extraction process's side)."""
    stream.write(encode_frame(message))
    stream.flush()


def read_frame(stream: BinaryIO, kind: type[T]) -> T | None:
    """Read one frame (blocking); None when the stream has ended."""
    header = stream.read(HEADER_SIZE)
    if len(header) < HEADER_SIZE:
        return None
    return decode_body(stream.read(frame_length(header)), kind)
