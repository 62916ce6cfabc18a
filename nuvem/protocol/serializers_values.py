"""Value encoding shared by the response serializers: scalars, timestamps, headers, JSON and CBOR trees.

Handlers return plain Python values keyed by botocore member names. These helpers turn one value into
its wire form for a shape. In strict mode (tests) a value that does not fit its shape raises
`SerializationError`; otherwise the value is coerced as well as possible, because a response must go
out even when a handler drifts from the model.
"""
from __future__ import annotations

import base64
import calendar
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Callable


from nuvem.protocol.shape_plans import once

_UTC = timezone.utc
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Smithy writes non-finite floats as these strings in JSON and XML; handlers may pass them as-is.
SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
INT_TYPES = frozenset(("integer", "long", "short", "byte"))
FLOAT_TYPES = frozenset(("float", "double"))
# Output members bound outside the body; others ("uri", "querystring") are input-only and in a
# response travel in the body, as botocore's parsers read them.
NON_BODY_LOCATIONS = frozenset(("header", "headers", "statusCode"))


class SerializationError(ValueError):
    """A handler's result does not match the model (raised in strict mode only)."""


@dataclass(frozen=True, slots=True)
class Options:
    strict: bool = False
    iso8601_millis: bool = False  # always write .sss in iso8601 timestamps (a quirk, see quirks.py)


def mismatch(opts: Options, shape, value: Any, expected: str) -> None:
    if opts.strict:
        got = f"{type(value).__name__} {value!r:.80}"
        raise SerializationError(f"{getattr(shape, 'name', 'error')}: expected {expected}, got {got}")


def unknown_member(opts: Options, shape, name: str) -> None:
    if opts.strict:
        raise SerializationError(f"{shape.name} has no member {name!r}")


def known_members(shape, value: Mapping, opts: Options):
    """(name, member shape, value) of a structure's set members; unknown names are reported."""
    members = shape.members
    for name, item in value.items():
        if item is None:
            continue
        member = members.get(name)
        if member is None:
            unknown_member(opts, shape, name)
            continue
        yield name, member, item


# --- scalars ------------------------------------------------------------------------------------

def to_str(shape, value: Any, opts: Options) -> str:
    if isinstance(value, str):
        return value
    mismatch(opts, shape, value, "str")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_int(shape, value: Any, opts: Options) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    mismatch(opts, shape, value, "int")
    return int(value)


def to_float(shape, value: Any, opts: Options) -> float:
    """A float, with the Smithy strings 'NaN', 'Infinity' and '-Infinity' accepted for non-finite values."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value in SPECIAL_FLOATS:
        return SPECIAL_FLOATS[value]
    mismatch(opts, shape, value, "float")
    return float(value)


def to_bool(shape, value: Any, opts: Options) -> bool:
    if isinstance(value, bool):
        return value
    mismatch(opts, shape, value, "bool")
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def to_bytes(shape, value: Any, opts: Options) -> bytes:
    """Blob values: bytes-like, or a str taken as UTF-8."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    mismatch(opts, shape, value, "bytes")
    return str(value).encode()


def b64(shape, value: Any, opts: Options) -> str:
    return base64.b64encode(to_bytes(shape, value, opts)).decode("ascii")


def float_text(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def json_float(value: float) -> float | str:
    if isinstance(value, float) and not math.isfinite(value):
        return float_text(value)
    return value


# --- timestamps ---------------------------------------------------------------------------------

def to_datetime(shape, value: Any, opts: Options) -> datetime | None:
    """An aware UTC datetime from a datetime (naive means UTC), a date, ISO 8601 text or epoch
    seconds."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, _UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=_UTC)
    if isinstance(value, str):      # ISO 8601 text (a stored timestamp passed on as it is)
        try:
            return to_datetime(shape, datetime.fromisoformat(value), opts)
        except ValueError:
            pass
    mismatch(opts, shape, value, "datetime, ISO 8601 text or epoch seconds")
    return None


def epoch_seconds(shape, value: Any, opts: Options) -> int | float | None:
    """Whole seconds as an int, otherwise seconds with millisecond precision."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 3)
    dt = to_datetime(shape, value, opts)
    if dt is None:
        return None
    seconds = calendar.timegm(dt.utctimetuple())
    millis = dt.microsecond // 1000
    return round(seconds + millis / 1000, 3) if millis else seconds


# Zero-padded digits by value: looking them up is three times as fast as formatting each number
# (a 1,000-key listing writes a thousand timestamps).
_TWO_DIGITS = tuple("%02d" % n for n in range(100))
_THREE_DIGITS = tuple("%03d" % n for n in range(1000))


def iso8601(dt: datetime, always_millis: bool = False) -> str:
    # AWS writes fractional seconds only when they are not zero (EC2 always does: a quirk).
    if dt.tzinfo is not _UTC and dt.tzinfo is not None:
        dt = dt.astimezone(_UTC)       # naive means UTC
    d2, year, millis = _TWO_DIGITS, dt.year, dt.microsecond // 1000
    text = (f"{d2[year // 100]}{d2[year % 100]}-{d2[dt.month]}-{d2[dt.day]}"
            f"T{d2[dt.hour]}:{d2[dt.minute]}:{d2[dt.second]}")
    if millis or always_millis:
        return f"{text}.{_THREE_DIGITS[millis]}Z"
    return f"{text}Z"


def stored_iso8601(always_millis: bool = False) -> Callable[[str], str | None]:
    """`iso8601` for a UTC time's `datetime.isoformat()` text (as the store keeps timestamps), cut
    from the text without parsing it; the function gives None for text of any other form."""
    def text_of(text: str) -> str | None:
        if len(text) == 32 and text[26:] == "+00:00" and text[19] == "." and text[10] == "T":
            if always_millis or text[20:23] != "000":
                return f"{text[:23]}Z"
            return f"{text[:19]}Z"
        if len(text) == 25 and text[19:] == "+00:00" and text[10] == "T":   # a zero fraction
            return f"{text[:19]}.000Z" if always_millis else f"{text[:19]}Z"
        return None
    return text_of


# What every UTC time's isoformat() text with microseconds has at these positions (32 long).
_STORED_FIXED = ((10, "T"), (19, "."), (26, "+"), (27, "0"), (28, "0"), (29, ":"), (30, "0"),
                 (31, "0"))


def stored_iso8601_page(values: list) -> bool:
    """Whether a page's values (a listing's thousand LastModified) are all a UTC time's
    isoformat() text with microseconds: `stored_iso8601` then gives each as its first 23
    characters and "Z", unless its milliseconds are ".000" (no fraction written, unless always
    written). Checked on the values joined, a few passes in C: a call per value was a third of
    writing a listing."""
    try:
        text = "\n".join(values)
    except TypeError:                  # a value that is not a string
        return False
    # each value 32 long: no line end but the n - 1 between them, and those 32 apart
    n = len(values)
    return (len(text) == 33 * n - 1 and text.count("\n") == n - 1
            and text[32::33] == "\n" * (n - 1)
            and all(text[at::33] == char * n for at, char in _STORED_FIXED))


def rfc822(dt: datetime) -> str:
    # Fixed English names: strftime would follow the process locale.
    d2, year = _TWO_DIGITS, dt.year
    return (f"{_DAYS[dt.weekday()]}, {d2[dt.day]} {_MONTHS[dt.month - 1]} "
            f"{d2[year // 100]}{d2[year % 100]} {d2[dt.hour]}:{d2[dt.minute]}:{d2[dt.second]} GMT")


def format_timestamp(shape, value: Any, fmt: str, opts: Options) -> str | int | float:
    """`fmt` is the model's timestampFormat: iso8601, rfc822 or unixTimestamp."""
    if fmt == "unixTimestamp":
        seconds = epoch_seconds(shape, value, opts)
        return str(value) if seconds is None else seconds
    dt = to_datetime(shape, value, opts)
    if dt is None:
        return str(value)
    return rfc822(dt) if fmt == "rfc822" else iso8601(dt, opts.iso8601_millis)


# --- text form (XML bodies and HTTP headers) ----------------------------------------------------

def scalar_text(shape, value: Any, opts: Options, timestamp_default: str) -> str:
    kind = shape.type_name
    if kind == "string" or kind == "character":
        return to_str(shape, value, opts)
    if kind in INT_TYPES:
        return str(to_int(shape, value, opts))
    if kind == "boolean":
        return "true" if to_bool(shape, value, opts) else "false"
    if kind in FLOAT_TYPES:
        return float_text(to_float(shape, value, opts))
    if kind == "timestamp":
        fmt = shape.serialization.get("timestampFormat", timestamp_default)
        return str(format_timestamp(shape, value, fmt, opts))
    if kind == "blob":
        return b64(shape, value, opts)
    mismatch(opts, shape, value, f"a {kind} value, not a scalar")
    return json.dumps(value, default=str) if kind == "structure" else str(value)


def header_text(shape, value: Any, opts: Options) -> str:
    """A header member's value: lists are comma-joined, timestamps default to an HTTP date."""
    if shape.serialization.get("jsonvalue"):
        # A str is taken as JSON text already; other values are dumped.
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        return base64.b64encode(text.encode()).decode("ascii")
    if shape.type_name == "list":
        if not isinstance(value, (list, tuple)):
            mismatch(opts, shape, value, "list")
            value = [value]
        member = shape.member
        return ", ".join(_header_item(member, item, opts) for item in value if item is not None)
    return scalar_text(shape, value, opts, "rfc822")


def _header_item(shape, value: Any, opts: Options) -> str:
    text = header_text(shape, value, opts)
    # List items that hold a comma or a quote are quoted (RFC 9110 quoted-string); dates never are.
    if shape.type_name == "string" and ("," in text or '"' in text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


# --- JSON and CBOR trees ------------------------------------------------------------------------

def json_struct(shape, value: Any, opts: Options, body_only: bool = False) -> dict:
    """A structure as a JSON object keyed by wire names. `body_only` skips header/status members."""
    if not isinstance(value, Mapping):
        mismatch(opts, shape, value, "mapping")
        return {}
    out = {}
    for name, member, item in known_members(shape, value, opts):
        ser = member.serialization
        if body_only and ser.get("location") in NON_BODY_LOCATIONS:
            continue
        out[ser.get("name", name)] = json_value(member, item, opts)
    return out


def json_value(shape, value: Any, opts: Options) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return value if shape.is_document_type else json_struct(shape, value, opts)
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            mismatch(opts, shape, value, "list")
            return value
        member = shape.member
        return [None if item is None else json_value(member, item, opts) for item in value]
    if kind == "map":
        if not isinstance(value, Mapping):
            mismatch(opts, shape, value, "mapping")
            return value
        value_shape = shape.value
        return {str(key): None if item is None else json_value(value_shape, item, opts)
                for key, item in value.items()}
    if kind == "string":
        return to_str(shape, value, opts)
    if kind in INT_TYPES:
        return to_int(shape, value, opts)
    if kind == "boolean":
        return to_bool(shape, value, opts)
    if kind in FLOAT_TYPES:
        return json_float(to_float(shape, value, opts))
    if kind == "timestamp":
        fmt = shape.serialization.get("timestampFormat", "unixTimestamp")
        return format_timestamp(shape, value, fmt, opts)
    if kind == "blob":
        return b64(shape, value, opts)
    return value


# The same as json_struct for values that fit their shapes exactly, built once per shape as
# closures kept on it: a DynamoDB Query answers thousands of attribute values. Anything unusual
# (a value to coerce, an unknown member) raises _Unusual, and json_struct then does the work and
# reports what strict mode reports.

class _Unusual(Exception):
    pass


def json_struct_fast(shape, value: Any, opts: Options) -> dict:
    try:
        return once(shape, "_nuvem_json_encoder", _build_json_encoder)(value, opts)
    except _Unusual:
        return json_struct(shape, value, opts)


def _build_json_encoder(shape, recurse):
    kind = shape.type_name
    if kind == "structure" and not shape.is_document_type:
        members = {name: (member.serialization.get("name", name), recurse(member))
                   for name, member in shape.members.items()}

        def structure(value, opts):
            if type(value) is not dict:
                raise _Unusual
            out = {}
            for name, item in value.items():
                if item is not None:
                    entry = members.get(name)
                    if entry is None:
                        raise _Unusual
                    out[entry[0]] = entry[1](item, opts)
            return out
        return structure
    if kind == "list":
        member = recurse(shape.member)

        def items(value, opts):
            if type(value) is not list:
                raise _Unusual
            return [None if item is None else member(item, opts) for item in value]
        return items
    if kind == "map":
        entry = recurse(shape.value)

        def entries(value, opts):
            if type(value) is not dict:
                raise _Unusual
            return {key if type(key) is str else str(key):
                    None if item is None else entry(item, opts) for key, item in value.items()}
        return entries
    exact = {"string": str, "boolean": bool, "blob": bytes}.get(kind)
    if kind in INT_TYPES:
        exact = int
    if exact is not None:
        as_text = kind == "blob"

        def scalar(value, opts):
            if type(value) is not exact:
                raise _Unusual
            return base64.b64encode(value).decode("ascii") if as_text else value
        return scalar
    return lambda value, opts: json_value(shape, value, opts)


def cbor_struct(shape, value: Any, opts: Options) -> dict:
    """A structure as a CBOR map keyed by member names (rpc-v2-cbor ignores wire names)."""
    if not isinstance(value, Mapping):
        mismatch(opts, shape, value, "mapping")
        return {}
    return {name: cbor_value(member, item, opts)
            for name, member, item in known_members(shape, value, opts)}


def cbor_value(shape, value: Any, opts: Options) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return value if shape.is_document_type else cbor_struct(shape, value, opts)
    if kind == "list":
        member = shape.member
        return [None if item is None else cbor_value(member, item, opts) for item in value]
    if kind == "map":
        value_shape = shape.value
        return {str(key): None if item is None else cbor_value(value_shape, item, opts)
                for key, item in value.items()}
    if kind == "string":
        return to_str(shape, value, opts)
    if kind in INT_TYPES:
        return to_int(shape, value, opts)
    if kind == "boolean":
        return to_bool(shape, value, opts)
    if kind in FLOAT_TYPES:
        return float(to_float(shape, value, opts))
    if kind == "timestamp":
        # Tag 1 (epoch seconds) as a float, whatever the model's timestampFormat says.
        seconds = epoch_seconds(shape, value, opts)
        from cbor2 import CBORTag      # where used: see parsers._CborReader
        return CBORTag(1, float(seconds)) if seconds is not None else str(value)
    if kind == "blob":
        return to_bytes(shape, value, opts)
    return value
