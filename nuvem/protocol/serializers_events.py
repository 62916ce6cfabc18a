"""Event-stream response bodies (`application/vnd.amazon.eventstream`).

Wire format of one message: total length (u32), headers length (u32), CRC32 of those 8 bytes, the
headers, the payload, then the CRC32 of everything before it. A header is a 1-byte name length, the
name, a 1-byte type and the value (see `_HEADER_TYPES`).

A handler returns an event-stream member as an iterable of one-key dicts, `{"Records": {...}}`,
keyed by the stream's member names. A list is encoded at once; any other iterable (a generator) is
encoded lazily, one message per event, so a long stream is never held in memory.
"""
from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from nuvem.protocol.serializers_values import (
    Options, epoch_seconds, mismatch, to_bool, to_bytes, to_int, to_str, unknown_member,
)

# Encodes an event's payload structure for the protocol: (shape, value) -> (content type, bytes).
PayloadEncoder = Callable[[Any, Mapping], tuple[str, bytes]]

_BOOL_TRUE, _BOOL_FALSE, _BYTE, _SHORT, _INT, _LONG, _BYTES, _STRING, _TIMESTAMP = range(9)


def _header(name: str, kind: int, value: bytes = b"") -> bytes:
    raw = name.encode()
    return bytes((len(raw),)) + raw + bytes((kind,)) + value


def _string_header(name: str, value: str) -> bytes:
    raw = value.encode()
    return _header(name, _STRING, struct.pack(">H", len(raw)) + raw)


def _typed_header(name: str, shape, value: Any, opts: Options) -> bytes:
    kind = shape.type_name
    if kind == "boolean":
        return _header(name, _BOOL_TRUE if to_bool(shape, value, opts) else _BOOL_FALSE)
    if kind == "byte":
        return _header(name, _BYTE, struct.pack(">b", to_int(shape, value, opts)))
    if kind == "short":
        return _header(name, _SHORT, struct.pack(">h", to_int(shape, value, opts)))
    if kind == "integer":
        return _header(name, _INT, struct.pack(">i", to_int(shape, value, opts)))
    if kind == "long":
        return _header(name, _LONG, struct.pack(">q", to_int(shape, value, opts)))
    if kind == "blob":
        raw = to_bytes(shape, value, opts)
        return _header(name, _BYTES, struct.pack(">H", len(raw)) + raw)
    if kind == "timestamp":  # milliseconds since the epoch
        seconds = epoch_seconds(shape, value, opts) or 0
        return _header(name, _TIMESTAMP, struct.pack(">q", int(round(seconds * 1000))))
    return _string_header(name, to_str(shape, value, opts))


def message(headers: bytes, payload: bytes) -> bytes:
    total = 16 + len(headers) + len(payload)
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + headers + payload
    return body + struct.pack(">I", zlib.crc32(body))


def event_message(event_type: str, content_type: str | None, payload: bytes, extra: bytes = b"") -> bytes:
    headers = _string_header(":message-type", "event") + _string_header(":event-type", event_type)
    if content_type:
        headers += _string_header(":content-type", content_type)
    return message(headers + extra, payload)


def _encode_event(stream_shape, event: Any, encode: PayloadEncoder, opts: Options) -> bytes | None:
    if not isinstance(event, Mapping) or len(event) != 1:
        mismatch(opts, stream_shape, event, "a one-key dict {EventName: {...}}")
        return None
    (name, value), = event.items()
    event_shape = stream_shape.members.get(name)
    if event_shape is None:
        unknown_member(opts, stream_shape, name)
        return None
    value = value or {}
    if event_shape.metadata.get("exception"):
        # Modelled errors inside the stream travel as exception messages.
        content_type, payload = encode(event_shape, value)
        headers = (_string_header(":message-type", "exception")
                   + _string_header(":exception-type", name)
                   + _string_header(":content-type", content_type))
        return message(headers, payload)
    extra, body_members, payload, content_type = b"", {}, None, None
    for member_name, item in value.items():
        member = event_shape.members.get(member_name)
        if member is None:
            unknown_member(opts, event_shape, member_name)
        elif item is None:
            continue
        elif member.serialization.get("eventheader"):
            extra += _typed_header(member_name, member, item, opts)
        elif member.serialization.get("eventpayload"):
            if member.type_name == "blob":
                content_type, payload = "application/octet-stream", to_bytes(member, item, opts)
            elif member.type_name == "string":
                content_type, payload = "text/plain", to_str(member, item, opts).encode()
            else:
                content_type, payload = encode(member, item)
        else:
            body_members[member_name] = item
    if payload is None and body_members:
        content_type, payload = encode(event_shape, body_members)
    return event_message(name, content_type, payload or b"", extra)


def encode_stream(stream_shape, events: Iterable, encode: PayloadEncoder, opts: Options,
                  initial: bytes | None = None) -> bytes | Iterator[bytes]:
    """The body for an event-stream member; `initial` is an `initial-response` message (RPC protocols)."""
    def messages() -> Iterator[bytes]:
        if initial is not None:
            yield initial
        for event in events:
            encoded = _encode_event(stream_shape, event, encode, opts)
            if encoded is not None:
                yield encoded
    if isinstance(events, (list, tuple)):
        return b"".join(messages())
    return messages()
