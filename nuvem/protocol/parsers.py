"""Server-side request parsers for every AWS protocol, driven by botocore's service models.

`parse_request` turns an HTTP request into the params dict a botocore client was called with
(`client.op(**params)`), keyed by botocore member names. One shape recursion (`_decode`) is shared
by all protocols; what differs is only how a body format is walked, which is a small reader class
per format:

    _JsonReader  json / rest-json bodies      _QueryReader  query form bodies (`A.member.1.B=x`)
    _CborReader  smithy-rpc-v2-cbor bodies    _Ec2Reader    ec2 form bodies (`A.1.B=x`)
    _XmlReader   rest-xml bodies

REST protocols bind extra members to the URI, query string and headers (`_parse_rest`).
Parsing is lenient where clients differ (any timestamp format is accepted, EC2 names with or
without the capitalised first letter, flattened query lists under either name), strict where a
value is simply wrong: then an `AwsError` with the code the protocol uses, never another exception.
"""
from __future__ import annotations

import base64
import binascii
import datetime
import email.utils
import functools
import io
import json
import math
import re
import zlib
from typing import Any, BinaryIO, Callable
from urllib.parse import parse_qsl, unquote
from xml.etree import ElementTree

from botocore.model import OperationModel, Shape

from nuvem.errors import AwsError, InvalidParameterValue, MalformedInput, ValidationError
from nuvem.protocol.quirks import quirks_for
from nuvem.protocol.shape_plans import once
from nuvem.protocol.wire import Headers, HttpRequest

MALFORMED_XML_MESSAGE = ("The XML you provided was not well-formed or did not validate against "
                         "our published schema")
# A gzip body (request compression) may not inflate beyond this: a tiny body must not eat memory.
MAX_INFLATED_BODY = 64 * 1024 * 1024

MISSING: Any = object()
_UTC = datetime.timezone.utc
_INT = re.compile(r"[+-]?[0-9]+")  # ASCII only: \d would take any script's digits
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INDEX = re.compile(r"[0-9]+")
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_INT_RANGE = {"integer": (-2**31, 2**31 - 1), "long": (-2**63, 2**63 - 1)}
# More significant digits than any long has: out of range without converting. int() of text refuses
# more than 4,300 digits (Python's int/str limit), and a request may carry any number of them.
_MAX_INT_DIGITS = 19
# Integers wider than this (about 200 digits) are described, not written out, in error messages.
_SHOWN_INT_BITS = 664
_HTTP_DATE = re.compile(r"[A-Za-z]{3},\s*\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}:\d{2}\s+GMT")
_TYPE_NAMES = {"string": "String", "integer": "Integer", "long": "Long", "float": "Float",
               "double": "Double", "boolean": "Boolean", "timestamp": "Timestamp", "blob": "Blob",
               "structure": "Structure", "list": "List", "map": "Map"}
PROTOCOLS = ("query", "ec2", "json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor")


# --- errors, in each protocol's own words --------------------------------------------------

def malformed(protocol: str, detail: str = "") -> AwsError:
    """The error for a body that cannot be decoded at all."""
    if protocol == "rest-xml":
        return MalformedInput(MALFORMED_XML_MESSAGE, code="MalformedXML")
    if protocol in ("query", "ec2"):
        # AWS's common errors: "MalformedQueryString: The query string contains a syntax error.
        # HTTP Status Code: 404" (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/
        # CommonErrors.html, the same page for every query service).
        return MalformedInput(detail or "The query string contains a syntax error.",
                              code="MalformedQueryString", status=404)
    return MalformedInput(detail, code="SerializationException")


def _show(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "<binary>"
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:200] + "..."
    if isinstance(value, int) and value.bit_length() > _SHOWN_INT_BITS:
        # A CBOR bignum: its digits would not fit the message, and past 4,300 of them Python
        # refuses to write them at all.
        return f"<{'negative ' if value < 0 else ''}integer of {value.bit_length()} bits>"
    try:
        return json.dumps(value, default=str)[:200]
    except (ValueError, TypeError, RecursionError):  # a bignum deep inside, a cycle (CBOR tag 28)
        return f"<{type(value).__name__}>"


def _json_kind(value: Any) -> str:
    # Named like the JSON token a Jackson-based AWS front end reports.
    if isinstance(value, bool):
        return "TRUE_VALUE" if value else "FALSE_VALUE"
    if isinstance(value, (int, float)):
        return "NUMBER_VALUE"
    if isinstance(value, str):
        return "STRING_VALUE"
    return type(value).__name__.upper()


def wrong_type(protocol: str, location: str, path: str, wire_name: str, value: Any,
               shape: Shape) -> AwsError:
    """A value that does not fit its shape (a string where an integer is expected, ...)."""
    type_name = _TYPE_NAMES.get(shape.type_name, shape.type_name)
    if protocol == "query":
        return ValidationError(
            f"1 validation error detected: Value '{_show(value)}' at '{path}' failed to satisfy "
            f"constraint: Member must be a valid {type_name}")
    if protocol == "ec2":
        return InvalidParameterValue(
            f"Value ({_show(value)}) for parameter {wire_name} is invalid. "
            f"Expected: '{type_name}'.")
    if protocol == "rest-xml":
        if location == "body":
            return MalformedInput(MALFORMED_XML_MESSAGE, code="MalformedXML")
        return AwsError(f"Invalid value '{_show(value)}' for {wire_name}: expected {type_name}",
                        code="InvalidArgument", ArgumentName=wire_name,
                        ArgumentValue=_show(value))
    if isinstance(value, dict):
        detail = "Start of structure or map found where not expected."
    elif isinstance(value, list):
        detail = "Start of list found where not expected."
    elif location == "body" and protocol != "smithy-rpc-v2-cbor":
        detail = f"{_json_kind(value)} can not be converted to {type_name}"
    else:
        detail = (f"Value '{_show(value)}' at '{path or wire_name}' can not be converted to "
                  f"{type_name}")
    return MalformedInput(detail, code="SerializationException")


# --- scalars ------------------------------------------------------------------------------

def parse_timestamp(text: str) -> datetime.datetime | None:
    """Epoch seconds, ISO 8601 or an HTTP date, whatever the model's timestampFormat says:
    clients differ, and the value is unambiguous. Returns an aware UTC datetime or None."""
    text = text.strip()
    try:
        if _FLOAT.fullmatch(text):
            return datetime.datetime.fromtimestamp(float(text), _UTC)
        if text[:1] in "0123456789" and text:
            value = datetime.datetime.fromisoformat(text)
        else:
            value = email.utils.parsedate_to_datetime(text)
    except (ValueError, TypeError, OverflowError, OSError, IndexError):
        return None
    if value is None:
        return None
    return value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)


def _epoch(value: float) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromtimestamp(value, _UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _b64(text: str | bytes) -> bytes | None:
    try:
        if isinstance(text, str):
            text = "".join(text.split()).encode("ascii")
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _int_text(text: str) -> int | None:
    """The integer written as ASCII digits in `text` (sign and leading zeros allowed), or None.
    A value of more than `_MAX_INT_DIGITS` significant digits is too big for any integer shape
    and comes back as None unconverted."""
    if not _INT.fullmatch(text):
        return None
    sign, digits = (text[0], text[1:]) if text[0] in "+-" else ("", text)
    digits = digits.lstrip("0") or "0"
    if len(digits) > _MAX_INT_DIGITS:
        return None
    return int(sign + digits)


class _Decoder:
    """Turns wire values into typed params for one part of a request (body, header, query, uri)
    and raises the protocol's own error when a value does not fit."""

    def __init__(self, protocol: str, location: str = "body"):
        self.protocol = protocol
        self.location = location

    def bad(self, path: str, value: Any, shape: Shape, wire_name: str = "") -> AwsError:
        return wrong_type(self.protocol, self.location, path, wire_name or path, value, shape)

    def from_text(self, shape: Shape, text: str, path: str, wire_name: str = "") -> Any:
        """A scalar carried as text: query strings, XML, headers, URI labels."""
        kind = shape.type_name
        value: Any = None
        if kind == "string":
            return text
        stripped = text.strip()
        if kind == "boolean":
            if stripped.lower() in ("true", "false"):
                return stripped.lower() == "true"
        elif kind in _INT_RANGE:
            if (value := _int_text(stripped)) is not None:
                low, high = _INT_RANGE[kind]
                if low <= value <= high:
                    return value
        elif kind in ("float", "double"):
            if stripped in _SPECIAL_FLOATS:
                return _SPECIAL_FLOATS[stripped]
            if _FLOAT.fullmatch(stripped) and math.isfinite(value := float(stripped)):
                return value
        elif kind == "timestamp":
            if (value := parse_timestamp(stripped)) is not None:
                return value
        elif kind == "blob":
            if (value := _b64(stripped)) is not None:
                return value
        raise self.bad(path, text, shape, wire_name)

    def from_native(self, shape: Shape, value: Any, path: str) -> Any:
        """A scalar carried as a JSON or CBOR value."""
        kind = shape.type_name
        if kind == "string":
            if isinstance(value, str):
                return value
        elif kind == "boolean":
            if isinstance(value, bool):
                return value
        elif kind in _INT_RANGE:
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # 5.0 is an integer to Jackson too
            if isinstance(value, int) and not isinstance(value, bool):
                low, high = _INT_RANGE[kind]
                if low <= value <= high:
                    return value
        elif kind in ("float", "double"):
            if isinstance(value, float):
                return value
            if isinstance(value, int) and not isinstance(value, bool):
                try:
                    return float(value)
                except OverflowError:  # a CBOR bignum past 1.8e308
                    pass
            if isinstance(value, str) and value in _SPECIAL_FLOATS:
                return _SPECIAL_FLOATS[value]
        elif kind == "timestamp":
            parsed = None
            if isinstance(value, datetime.datetime):  # CBOR tag 1 or 0, decoded by cbor2
                parsed = (value.replace(tzinfo=_UTC) if value.tzinfo is None
                          else value.astimezone(_UTC))
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                parsed = _epoch(value)
            elif isinstance(value, str):
                parsed = parse_timestamp(value)
            if parsed is not None:
                return parsed
        elif kind == "blob":
            if isinstance(value, (bytes, bytearray)):
                return bytes(value)
            if isinstance(value, str) and (decoded := _b64(value)) is not None:
                return decoded
        raise self.bad(path, value, shape)


# --- the one shape recursion --------------------------------------------------------------

def _path(parent: str, name: str) -> str:
    # AWS validation messages name members in lowerCamelCase: 'maxItems', 'tags.1.member.key'.
    name = name[:1].lower() + name[1:]
    return f"{parent}.{name}" if parent else name


def _decode(reader: Any, shape: Shape, node: Any, path: str) -> Any:
    if node is None:
        return None  # a JSON/CBOR null inside a list or map
    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type:
            return reader.document(node, shape, path)
        return _decode_members(reader, shape, node, path)
    if kind == "list":
        return [_decode(reader, shape.member, item, f"{path}.{i}.member")
                for i, item in enumerate(reader.items(node, shape, path), 1)]
    if kind == "map":
        result = {}
        for key_node, value_node in reader.entries(node, shape, path):
            key = _decode(reader, shape.key, key_node, path)
            if value_node is not MISSING:
                result[key] = _decode(reader, shape.value, value_node, f"{path}.{key}")
        return result
    return reader.scalar(node, shape, path)


def _decode_members(reader: Any, shape: Shape, node: Any, path: str,
                    skip_located: bool = False) -> dict:
    reader.check_structure(node, shape, path)
    result = {}
    for name, member in shape.members.items():
        if skip_located and member.serialization.get("location"):
            continue  # REST: bound to the URI, query string or headers, not the body
        child = reader.child(node, name, member)
        if child is MISSING:
            continue
        value = _decode(reader, member, child, _path(path, name))
        if value is not None:
            result[name] = value
    return result


# --- body readers -------------------------------------------------------------------------

class _JsonReader(_Decoder):
    def check_structure(self, node: Any, shape: Shape, path: str) -> None:
        if not isinstance(node, dict):
            raise self.bad(path, node, shape)

    def child(self, node: dict, name: str, member: Shape) -> Any:
        value = node.get(member.serialization.get("name", name))
        return MISSING if value is None else value

    def items(self, node: Any, shape: Shape, path: str) -> list:
        if not isinstance(node, list):
            raise self.bad(path, node, shape)
        return node

    def entries(self, node: Any, shape: Shape, path: str) -> list:
        if not isinstance(node, dict):
            raise self.bad(path, node, shape)
        return list(node.items())

    def scalar(self, node: Any, shape: Shape, path: str) -> Any:
        return self.from_native(shape, node, path)

    def document(self, node: Any, shape: Shape, path: str) -> Any:
        return node


class _CborReader(_JsonReader):
    # cbor2 is imported where used (about 1 MiB of an idle server's memory): no service Nuvem
    # serves speaks CBOR unless a client picks it
    def child(self, node: dict, name: str, member: Shape) -> Any:
        import cbor2
        # rpcv2Cbor keys are member names; accept a modelled locationName too.
        value = node.get(member.serialization.get("name", name))
        if value is None:
            value = node.get(name)
        return MISSING if value is None or value is cbor2.undefined else value

    def entries(self, node: Any, shape: Shape, path: str) -> list:
        import cbor2
        pairs = super().entries(node, shape, path)
        if not all(isinstance(key, str) for key, _ in pairs):
            raise self.bad(path, node, shape)
        return [(k, None if v is cbor2.undefined else v) for k, v in pairs]


def _local(tag: str) -> str:
    return tag.rpartition("}")[2].rpartition(":")[2]


class _Flat:
    """The sibling elements of a flattened XML list or map."""
    __slots__ = ("elements",)

    def __init__(self, elements: list):
        self.elements = elements


class _Attr:
    """An XML attribute value standing where an element would."""
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class _XmlReader(_Decoder):
    def __init__(self, protocol: str):
        super().__init__(protocol)
        self._index: dict[int, dict[str, list]] = {}

    def _children(self, element: Any) -> dict[str, list]:
        # Namespaces are ignored: AWS matches elements by local name.
        kids = self._index.get(id(element))
        if kids is None:
            kids = {}
            for kid in element:
                if isinstance(kid.tag, str):
                    kids.setdefault(_local(kid.tag), []).append(kid)
            self._index[id(element)] = kids
        return kids

    def check_structure(self, node: Any, shape: Shape, path: str) -> None:
        if isinstance(node, (_Flat, _Attr)):
            raise self.bad(path, "", shape)

    def child(self, node: Any, name: str, member: Shape) -> Any:
        serialization = member.serialization
        wire = serialization.get("name", name)
        if serialization.get("xmlAttribute"):
            wanted = _local(wire)
            for key, value in node.attrib.items():
                if _local(key) == wanted:
                    return _Attr(value)
            return MISSING
        kids = self._children(node)
        if member.type_name in ("list", "map") and serialization.get("flattened"):
            names = [wire]
            if member.type_name == "list" and "name" in member.member.serialization:
                names.append(member.member.serialization["name"])  # botocore's element name
            for candidate in names:
                if kids.get(candidate):
                    return _Flat(kids[candidate])
            return MISSING
        # botocore names an element after its target shape's locationName, Smithy after the member.
        found = kids.get(wire) or kids.get(name)
        return found[0] if found else MISSING

    def items(self, node: Any, shape: Shape, path: str) -> list:
        if isinstance(node, _Flat):
            return node.elements
        return self._children(node).get(shape.member.serialization.get("name", "member"), [])

    def entries(self, node: Any, shape: Shape, path: str) -> list:
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        if isinstance(node, _Flat):
            entries = node.elements
        else:
            entries = self._children(node).get("entry", [])
        pairs = []
        for entry in entries:
            kids = self._children(entry)
            if not kids.get(key_name):
                raise self.bad(path, "", shape)
            values = kids.get(value_name)
            pairs.append((kids[key_name][0], values[0] if values else MISSING))
        return pairs

    def scalar(self, node: Any, shape: Shape, path: str) -> Any:
        if isinstance(node, _Flat):
            raise self.bad(path, "", shape)
        text = node.text if isinstance(node, _Attr) else (node.text or "")
        return self.from_text(shape, text, path)

    def document(self, node: Any, shape: Shape, path: str) -> Any:
        raise self.bad(path, "", shape)  # XML protocols have no document type


class _QueryNode:
    """One dotted key segment of a query form: `A.member.1.B=x` is A → member → 1 → B."""
    __slots__ = ("value", "kids")

    def __init__(self):
        self.value: str | None = None
        self.kids: dict[str, _QueryNode] = {}


def _query_tree(pairs: list[tuple[str, str]]) -> _QueryNode:
    root = _QueryNode()
    for key, value in pairs:
        node = root
        for part in key.split("."):
            node = node.kids.setdefault(part, _QueryNode())
        if node.value is None:
            node.value = value
    return root


def _index_order(index: str) -> tuple[int, str]:
    digits = index.lstrip("0")
    return len(digits), digits


class _QueryReader(_Decoder):
    def names(self, name: str, member: Shape) -> list[str]:
        wire = member.serialization.get("name", name)
        names = [wire]
        if member.type_name == "list" and self.flattened(member):
            inner = member.member.serialization.get("name")
            if inner and inner != wire:
                names.append(inner)  # botocore names a flattened list by its member
        query = member.serialization.get("queryName")
        if query and query not in names:
            names.append(query)  # the legacy query name overlays give (SQS `Attribute.1.Name`)
        return names

    def flattened(self, shape: Shape) -> bool:
        return bool(shape.serialization.get("flattened"))

    def check_structure(self, node: Any, shape: Shape, path: str) -> None:
        pass  # `Nested=x` for a structure is ignored, as AWS ignores keys it does not know

    def child(self, node: _QueryNode, name: str, member: Shape) -> Any:
        for candidate in self.names(name, member):
            kid = node.kids.get(candidate)
            if kid is None:
                continue
            if member.type_name in ("structure", "list", "map") or kid.value is not None:
                return kid
        return MISSING

    @staticmethod
    def _indexed(node: _QueryNode | None) -> list[_QueryNode]:
        if node is None:
            return []
        # In numeric order, compared as text (int() refuses more than 4,300 digits): without
        # leading zeros, a shorter number is the smaller one.
        keys = sorted((k for k in node.kids if _INDEX.fullmatch(k)), key=_index_order)
        return [node.kids[k] for k in keys]

    def items(self, node: _QueryNode, shape: Shape, path: str) -> list:
        if self.flattened(shape):
            return self._indexed(node)
        return self._indexed(node.kids.get(shape.member.serialization.get("name", "member")))

    def entries(self, node: _QueryNode, shape: Shape, path: str) -> list:
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        container = node if self.flattened(shape) else node.kids.get("entry")
        pairs = []
        for entry in self._indexed(container):
            key = entry.kids.get(key_name)
            if key is None or key.value is None:
                raise self.bad(path, "", shape)
            pairs.append((key, entry.kids.get(value_name, MISSING)))
        return pairs

    def scalar(self, node: _QueryNode, shape: Shape, path: str) -> Any:
        if node.value is None:
            raise self.bad(path, "", shape)
        return self.from_text(shape, node.value, path, path)

    def document(self, node: Any, shape: Shape, path: str) -> Any:
        raise self.bad(path, "", shape)


class _Ec2Reader(_QueryReader):
    """EC2: every list is flattened; names are queryName, else the capitalised locationName,
    else the member name (botocore sends it as is, other SDKs capitalise it: accept both)."""

    def names(self, name: str, member: Shape) -> list[str]:
        serialization = member.serialization
        if "queryName" in serialization:
            names = [serialization["queryName"]]
        elif "name" in serialization:
            names = [_capitalize(serialization["name"])]
        else:
            names = [name]
        for alternative in (_capitalize(name), serialization.get("name")):
            if alternative and alternative not in names:
                names.append(alternative)
        return names

    def flattened(self, shape: Shape) -> bool:
        return True


def _capitalize(name: str) -> str:
    return name[:1].upper() + name[1:]


# --- the request as the parsers see it ----------------------------------------------------

class _Message:
    """Headers (with transfer encodings removed) and the decoded body of a request."""

    def __init__(self, request: HttpRequest, operation: OperationModel, protocol: str):
        self.request = request
        self.protocol = protocol
        self.headers = request.headers
        self._inflate: Callable[[bytes], bytes] | None = None   # inflates the body as read
        content_encoding = request.headers.get("content-encoding")
        if content_encoding:
            self._unwrap_encodings(content_encoding, operation)
        self._body: bytes | None = None
        self.operation = operation

    def _unwrap_encodings(self, content_encoding: str, operation: OperationModel) -> None:
        """Content-Encoding without aws-chunked and the gzip of request compression, or the
        codings the service inflates (quirks.py), inflated when the body is read."""
        encodings = [e.strip() for e in content_encoding.split(",") if e.strip()]
        kept = [e for e in encodings if e.lower() != "aws-chunked"]  # a transfer detail, never data
        quirks = quirks_for(operation.service_model.service_name, self.protocol)
        if kept and kept[-1].lower() == "gzip" and operation.request_compression:
            kept.pop()  # request compression: the SDK appended gzip after any modelled encoding
            self._inflate = functools.partial(_gunzip, protocol=self.protocol)
        elif kept and quirks.request_encodings is not None:
            coding = kept.pop().lower()
            if kept or coding not in quirks.request_encodings:
                raise _not_inflated()
            self._inflate = functools.partial(_inflate, coding=coding,
                                              limit=quirks.max_request_bytes or MAX_INFLATED_BODY)
        if kept != encodings:
            items = [(k, v) for k, v in self.request.headers.items()
                     if k.lower() != "content-encoding"]
            if kept:
                items.append(("Content-Encoding", ", ".join(kept)))
            self.headers = Headers(items)

    def body(self) -> bytes:
        if self._body is None:
            data = self.request.body_bytes()
            if self._inflate:
                data = self._inflate(data)
            self._body = data
        return self._body

    def stream(self) -> BinaryIO | None:
        """The request body as a file, unread, or None when it is empty."""
        body = self.request.body
        try:
            body.seek(0, 2)
            size = body.tell()
            body.seek(0)
        except (OSError, AttributeError, ValueError):
            return body  # not seekable: cannot tell, hand it over
        return body if size else None


def _gunzip(data: bytes, protocol: str) -> bytes:
    inflater = zlib.decompressobj(wbits=47)  # gzip or zlib header
    try:
        out = inflater.decompress(data, MAX_INFLATED_BODY)
    except zlib.error as exc:
        raise malformed(protocol, f"Invalid gzip body: {exc}") from None
    if inflater.unconsumed_tail:
        raise malformed(protocol, "The decompressed request body is too large")
    return out


def _inflate(data: bytes, coding: str, limit: int) -> bytes:
    """A gzip body (one member or several; what follows the last is ignored, as DynamoDB does)
    or a deflate one (a single zlib stream), inflated for a service that takes both."""
    out, left = [], limit + 1       # one byte over the limit tells it was passed
    try:
        while left > 0:
            inflater = zlib.decompressobj(wbits=31 if coding == "gzip" else 15)
            out.append(inflater.decompress(data, left))
            left -= len(out[-1])
            if not inflater.eof:
                if left > 0:
                    raise _not_inflated()    # cut short
                break
            data = inflater.unused_data
            if coding != "gzip" or not data.startswith(b"\x1f\x8b"):
                break
    except zlib.error:
        raise _not_inflated() from None
    if left <= 0:
        raise AwsError("", code="RequestEntityTooLarge", status=413)
    if coding == "deflate" and data:
        raise _not_inflated()
    return b"".join(out)


def _not_inflated() -> AwsError:
    return AwsError("", code="InternalServerError", status=500, sender_fault=False)


def _load_json(data: bytes, protocol: str, message: _Message | None = None) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        quiet = message is not None and _json_body_required(message, protocol)
        raise malformed(protocol, "" if quiet else f"Malformed JSON body: {exc}") from None


def _load_xml(data: bytes, protocol: str) -> Any:
    # No DTDs: they serve no AWS API and are how entity-expansion attacks start.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise malformed(protocol)
    try:
        return ElementTree.fromstring(data)
    except (ElementTree.ParseError, ValueError, RecursionError):
        raise malformed(protocol) from None


# --- protocols ----------------------------------------------------------------------------

def _parse_query(message: _Message, shape: Shape, protocol: str) -> dict:
    pairs = list(message.request.query_list())
    body = message.body()
    if body:
        try:
            pairs += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except (UnicodeDecodeError, ValueError):
            raise malformed(protocol, "The request body is not a valid form encoding") from None
    root = _query_tree(pairs)
    for key in ("Action", "Version"):  # protocol keys, never members
        root.kids.pop(key, None)
    reader = _Ec2Reader(protocol) if protocol == "ec2" else _QueryReader(protocol)
    params = _decode_members(reader, shape, root, "")
    request = message.request
    member = quirks_for(message.operation.service_model.service_name, protocol).query_path_member
    if member and member not in params and member in shape.members and request.path not in ("", "/"):
        params[member] = f"{request.scheme}://{request.host}{unquote(request.path)}"
    return params


def _parse_json(message: _Message, shape: Shape, protocol: str) -> dict:
    body = message.body()
    if not body.strip() and not _json_body_required(message, protocol):
        return {}
    document = _load_json(body, protocol, message)
    try:
        return _json_decoder(shape)(document)
    except _Unfit:   # the general decoder finds the same value and words the protocol's error
        return _decode_members(_JsonReader(protocol), shape, document, "")


def _json_body_required(message: _Message, protocol: str) -> bool:
    """Whether the service refuses a JSON body that is empty (quirks.py); asked only of a body
    that is empty or not JSON."""
    return quirks_for(message.operation.service_model.service_name, protocol).json_body_required


# --- JSON bodies, fast -------------------------------------------------------------------------
# The same decoding as `_decode` with a JsonReader, built once per shape as closures (kept on the
# shape) so a body is walked without per-node dispatch or path strings: a DynamoDB item is
# hundreds of nodes. A value that does not fit raises _Unfit, and the general decoder then runs
# to raise the error AWS would, with its path. A node whose decoding changes nothing (no blob,
# timestamp, unknown member or null in it: most of them) is kept as the body's parser made it
# instead of being copied; a changed one is copied from its first change on, so no node is
# decoded twice.

class _Unfit(Exception):
    pass


_NATIVE = _JsonReader("json")
_PLAIN_TYPES = {"string": str, "boolean": bool}


def _json_decoder(shape: Shape) -> Callable[[Any], Any]:
    return once(shape, "_nuvem_json_decoder", _build_json_decoder)


def _build_json_decoder(shape: Shape, recurse) -> Callable[[Any], Any]:
    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type:
            return lambda node: node
        by_wire = {member.serialization.get("name", name): (name, recurse(member))
                   for name, member in shape.members.items()}
        # string and boolean members under their own names decode to themselves when of that
        # type: checked here, not by a call per value (a DynamoDB item's values are mostly so;
        # the same for a list's items)
        plain = {wire: _PLAIN_TYPES[shape.members[name].type_name]
                 for wire, (name, _) in by_wire.items()
                 if wire == name and shape.members[name].type_name in _PLAIN_TYPES}

        def structure(node):
            if type(node) is not dict:
                raise _Unfit
            out = None
            for wire, child in node.items():
                if out is None and type(child) is plain.get(wire):
                    continue
                entry = by_wire.get(wire)
                value = None if entry is None or child is None else entry[1](child)
                if out is None:
                    if value is child and child is not None and entry[0] == wire:
                        continue
                    out = _before(node, wire)
                if value is not None:
                    out[entry[0]] = value
            return node if out is None else out
        return structure
    if kind == "list":
        item = recurse(shape.member)
        plain_item = _PLAIN_TYPES.get(shape.member.type_name)

        def items(node):
            if type(node) is not list:
                raise _Unfit
            out = None
            for i, x in enumerate(node):
                if out is None and type(x) is plain_item:
                    continue
                value = None if x is None else item(x)
                if out is None:
                    if value is x:
                        continue
                    out = node[:i]
                out.append(value)
            return node if out is None else out
        return items
    if kind == "map":
        # a JSON object's keys are strings, which a string key decodes to themselves
        key = None if shape.key.type_name == "string" else recurse(shape.key)
        value = recurse(shape.value)

        def entries(node):
            if type(node) is not dict:
                raise _Unfit
            out = None
            for k, v in node.items():
                decoded_key = k if key is None else key(k)
                decoded = None if v is None else value(v)
                if out is None:
                    if decoded_key is k and decoded is v:
                        continue
                    out = _before(node, k)
                out[decoded_key] = decoded
            return node if out is None else out
        return entries
    if kind == "string":
        def string(node):
            if type(node) is not str:
                raise _Unfit
            return node
        return string
    if kind == "boolean":
        def boolean(node):
            if type(node) is not bool:
                raise _Unfit
            return node
        return boolean

    def scalar(node):
        try:
            return _NATIVE.from_native(shape, node, "")
        except AwsError:
            raise _Unfit from None
    return scalar


def _before(node: dict, stop: str) -> dict:
    """The members of `node` before `stop`, which decoded to themselves."""
    out = {}
    for name, child in node.items():
        if name == stop:
            return out
        out[name] = child
    return out


def _parse_cbor(message: _Message, shape: Shape, protocol: str) -> dict:
    import cbor2
    body = message.body()
    if not body:
        return {}
    stream = io.BytesIO(body)
    try:
        document = cbor2.CBORDecoder(stream).decode()
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise malformed(protocol, f"Malformed CBOR body: {exc}") from None
    if stream.tell() != len(body):
        # application/cbor is one data item (RFC 8949); JSON bodies reject trailing data too.
        raise malformed(protocol, "Malformed CBOR body: unexpected data after the top-level item")
    return _decode_members(_CborReader(protocol), shape, document, "")


def _split_header_list(value: str, item: Shape) -> list[str]:
    """`a, "b,c", "\\"d\\""` → ['a', 'b,c', '"d"']; HTTP dates keep their inner comma."""
    if item.type_name == "timestamp" and _HTTP_DATE.search(value):
        return _HTTP_DATE.findall(value)
    if not value.strip():
        return []
    items, i, n = [], 0, len(value)
    while i < n:
        while i < n and value[i] in " \t":
            i += 1
        if i < n and value[i] == '"':  # a quoted item, with backslash escapes
            chars, i = [], i + 1
            while i < n and value[i] != '"':
                if value[i] == "\\" and i + 1 < n:
                    i += 1
                chars.append(value[i])
                i += 1
            items.append("".join(chars))
            comma = value.find(",", i)
        else:
            comma = value.find(",", i)
            items.append(value[i:n if comma < 0 else comma].strip())
        i = n if comma < 0 else comma + 1
    return items


def _header_value(message: _Message, member: Shape, wire: str, path: str, protocol: str) -> Any:
    value = message.headers.get(wire)
    if value is None:
        return MISSING
    decoder = _Decoder(protocol, "header")
    if member.serialization.get("jsonvalue"):  # base64 of a JSON document
        decoded = _b64(value)
        try:
            if decoded is not None:
                return json.loads(decoded)
        except (ValueError, RecursionError):
            pass
        raise decoder.bad(path, value, member, wire)
    if member.type_name == "list":
        return [decoder.from_text(member.member, item, path, wire)
                for item in _split_header_list(value, member.member)]
    return decoder.from_text(member, value, path, wire)


def _prefix_headers(message: _Message, member: Shape, prefix: str) -> Any:
    prefix = prefix.lower()
    headers = message.headers     # a repeated header: its last value, as in the order sent
    found = {name[len(prefix):]: headers.get_all(name)[-1] for name in headers.keys_lower()
             if name.startswith(prefix)}
    return found or MISSING


@functools.cache
def _literal_query(request_uri: str) -> frozenset[str]:
    """The keys a requestUri template fixes (`/{Bucket}?uploads`): no map member takes them."""
    template_query = request_uri.partition("?")[2]
    return frozenset(key for key, _ in parse_qsl(template_query, keep_blank_values=True))


def _query_value(message: _Message, member: Shape, wire: str | None, path: str,
                 protocol: str) -> Any:
    decoder = _Decoder(protocol, "querystring")
    params = message.request.query_list()
    if member.type_name == "map":
        # A map takes every parameter, also those bound to named members (Smithy's server rule),
        # but not the literal keys of the operation's requestUri (`?mode=import`).
        value_shape = member.value
        result: dict = {}
        for key, value in params:
            if key in _literal_query(message.operation.http.get("requestUri", "")):
                continue
            if value_shape.type_name == "list":
                result.setdefault(key, []).append(
                    decoder.from_text(value_shape.member, value, path, key))
            elif key not in result:
                result[key] = decoder.from_text(value_shape, value, path, key)
        return result or MISSING
    values = [value for key, value in params if key == wire]
    if not values:
        return MISSING
    if values[0] == "" and protocol == "rest-xml" and member.type_name in ("integer", "long"):
        # S3 takes an empty number (`?max-parts=&part-number-marker=`) as one not sent
        # (LocalStack's AWS-validated test_list_parts_empty_part_number_marker)
        return MISSING
    if member.type_name == "list":
        return [decoder.from_text(member.member, value, path, wire) for value in values]
    return decoder.from_text(member, values[0], path, wire)


def _payload(message: _Message, member: Shape, protocol: str, path: str) -> Any:
    kind = member.type_name
    if member.serialization.get("streaming") or member.serialization.get("eventstream"):
        return message.stream() or MISSING  # S3 bodies are never read into memory here
    body = message.body()
    if not body:
        return MISSING
    if kind == "blob":
        return body
    if kind == "string":
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise malformed(protocol, "The request body is not valid UTF-8") from None
    if protocol == "rest-xml":
        root = _load_xml(body, protocol)
        return _decode_members(_XmlReader(protocol), member, root, path)
    document = _load_json(body, protocol)
    if member.is_document_type:
        return document
    if document == {}:
        return MISSING  # clients send `{}` for an unset structure payload
    return _decode_members(_JsonReader(protocol), member, document, path)


_REST_PLANS: dict[int, tuple] = {}


def _rest_plan(shape: Shape) -> tuple:
    """The input members by where a request carries them, computed once per shape (models are
    long-lived): the members looked at on every request (URI labels, query maps, header prefixes),
    those of each lower-case header name and of each query key, and whether any is bound to the
    body. A member is (model order, name, member, location, wire name, path): an S3 PutObject
    has 50 members and a request sends a few, so a parse visits only those it sent."""
    cached = _REST_PLANS.get(id(shape))
    if cached is None or cached[0] is not shape:
        always, by_header, by_query = [], {}, {}
        has_body_members = False
        for i, (name, member) in enumerate(shape.members.items()):
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            entry = (i, name, member, location, wire, _path("", name))
            if location == "header":
                by_header.setdefault(wire.lower(), []).append(entry)
            elif location == "querystring" and member.type_name != "map":
                by_query.setdefault(wire, []).append(entry)
            elif location in ("uri", "querystring", "headers"):
                always.append(entry)
            elif not location:
                has_body_members = True
        cached = _REST_PLANS[id(shape)] = (shape, tuple(always), by_header, by_query,
                                           has_body_members)
    return cached[1:]


def _parse_rest(message: _Message, shape: Shape, protocol: str, uri_params: dict) -> dict:
    result: dict = {}
    always, by_header, by_query, has_body_members = _rest_plan(shape)
    sent = [entry for header in message.headers.keys_lower() if header in by_header
            for entry in by_header[header]]
    if message.request.query:
        sent += [entry for key in dict.fromkeys(key for key, _ in message.request.query_list())
                 if key in by_query for entry in by_query[key]]
    entries = always
    if sent:
        sent += always
        sent.sort()         # in the model's order, as the members were always decoded
        entries = sent
    for _, name, member, location, wire, path in entries:
        if location == "header":
            value = _header_value(message, member, wire, path, protocol)
        elif location == "querystring":
            value = _query_value(message, member, wire, path, protocol)
        elif location == "headers":
            value = _prefix_headers(message, member, wire)
        elif wire in uri_params:
            value = _Decoder(protocol, "uri").from_text(member, uri_params[wire], path, wire)
        else:
            value = MISSING
        if value is not MISSING:
            result[name] = value
    payload_name = shape.serialization.get("payload")
    if payload_name:
        value = _payload(message, shape.members[payload_name], protocol, _path("", payload_name))
        if value is not MISSING:
            result[payload_name] = value
    elif has_body_members and message.body().strip():
        if protocol == "rest-xml":
            node, reader = _load_xml(message.body(), protocol), _XmlReader(protocol)
        else:
            node, reader = _load_json(message.body(), protocol), _JsonReader(protocol)
        result.update(_decode_members(reader, shape, node, "", skip_located=True))
    return result


def params_body_size(request: HttpRequest, protocol: str) -> int | None:
    """The length of the body that all of a request's params are decoded from: for JSON and
    CBOR requests (the other protocols' come from the URL and headers too), unless the body is
    compressed (inflated, it is longer). None when not so."""
    if protocol not in ("json", "smithy-rpc-v2-cbor") or "content-encoding" in request.headers:
        return None
    return len(request.body_bytes())


def parse_request(request: HttpRequest, operation: OperationModel, protocol: str,
                  uri_params: dict[str, str] | None = None) -> dict:
    """The params a botocore client passed to `operation`, read back from `request`.

    `protocol` is how this request is encoded (a service may accept several); `uri_params` are
    the percent-decoded URI labels the `RestRouter` matched (REST protocols only).
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}")
    shape = operation.input_shape
    if shape is None:
        return {}
    message = _Message(request, operation, protocol)
    try:
        if protocol in ("query", "ec2"):
            return _parse_query(message, shape, protocol)
        if protocol == "json":
            return _parse_json(message, shape, protocol)
        if protocol == "smithy-rpc-v2-cbor":
            return _parse_cbor(message, shape, protocol)
        return _parse_rest(message, shape, protocol, uri_params or {})
    except RecursionError:
        raise malformed(protocol, "The request is nested too deeply") from None
