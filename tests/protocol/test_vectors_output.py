"""botocore's output protocol test vectors, run against our response and error serializers.

Each suite embeds its own model; each case gives an operation and either a `result` or an error
(`errorCode`, `errorMessage`, `error` members), plus the `response` a service sends for it. We
serialize the result (or raise the error) with that model, in strict mode, and check:

 1. read-back: botocore's own parser reads our response back to the case's result (or to its error
    code, message and members, the way botocore's client finds the modelled error shape);
 2. wire: our response agrees with the vector's: the status, our headers, and the body compared
    structurally.

The wire check asks that nothing we send contradicts the vector. Our body must be contained in
the vector's (JSON/CBOR: our object keys are a subset of theirs with equal values; XML: for every
child tag we write, the same sequence of elements under that tag, attributes a subset), and every
header we send must have the vector's value, or be a protocol header the vector leaves out
(Content-Type is compared by media type). Vectors carry extra data that clients must ignore
(unknown members, nulls, `__type` inside a union, headers of another error), which this allows;
check 1 ensures nothing the result holds is missing. Compared by value, not spelling: timestamps
of the same notation, numbers, error codes without the `namespace#` and `:uri` decorations, and
an error document's `message`/`Message` and `__type`/`code` keys, which clients read alike.
Request ids are not compared (the vectors use random ones), nor are the XML roots of the legacy
suites (arbitrary names, which botocore ignores). A suite model without a service namespace still
has `xmlns="https://example.com/"` on its expected root; that namespace is dropped.

Some cases exercise only a client's leniency, or contradict botocore's (and AWS's legacy models')
conventions; they skip one check, listed below with the reason. IGNORED lists the cases where
neither check can apply.
"""
from __future__ import annotations

import base64
import copy
import json
import math
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import cbor2
import pytest
from botocore.awsrequest import HeadersDict
from botocore.eventstream import EventStream, EventStreamBuffer
from botocore.model import ServiceModel
from botocore.parsers import create_parser
from botocore.utils import parse_timestamp

from nuvem.errors import AwsError
from nuvem.protocol.serializers import serialize_error, serialize_response

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / os.environ.get("NUVEM_VECTORS", ".cache/botocore-1.44.8") / "tests/unit/protocols"
REQUEST_ID = "foo-id"

# Neither check can apply (at most 2% of the cases).
IGNORED = {
    "legacy/rest-json.json:tagged-unions-2":
        "result is how a client reports a union member its model lacks (SDK_UNKNOWN_MEMBER); "
        "a server serializing from the model cannot send one",
    "legacy/rest-xml.json:unions-2":
        "result is how a client reports a union member its model lacks (SDK_UNKNOWN_MEMBER); "
        "a server serializing from the model cannot send one",
    # Two flattened members share a list whose member is named "item". botocore names flattened
    # items after the list member (the rule AWS's SimpleDB model needs: <Item>, <Attribute>), so
    # both are written as <item> and botocore reads them merged; Smithy expects the member names.
    "output/query.json:QueryXmlLists": "flattened lists sharing an item name (see above)",
    "output/ec2.json:Ec2XmlLists": "flattened lists sharing an item name (see above)",
    "output/rest-xml.json:XmlLists": "flattened lists sharing an item name (see above)",
    "legacy/json.json:lists-1":
        "the suite's model declares a map as type string; strict serialization rejects the result",
}

# Check 1 only: the vector's wire form is one a server would not (or, by botocore's rules, must not) send.
READ_BACK_ONLY = {
    "output/rest-xml.json:BodyWithXmlName":
        "Smithy uses a structure's own xmlName only for a root; botocore also names member "
        "elements by it (<Hello>, not <nested>), and we follow botocore",
    "legacy/query.json:modeled-exceptions-0": "legacy <Type>SomeType</Type> placeholder; we send Sender",
    "legacy/query.json:modeled-exceptions-1": "legacy <Type>SomeType</Type> placeholder; we send Sender",
    "legacy/query.json:modeled-exceptions-2": "legacy <Type>SomeType</Type> placeholder; we send Sender",
    "legacy/rest-xml.json:modeled-exceptions-0": "legacy <Type>SomeType</Type> placeholder; we send Sender",
    "legacy/rest-xml.json:modeled-exceptions-1": "legacy <Type>SomeType</Type> placeholder; we send Sender",
    "legacy/rest-xml.json:modeled-exceptions-2": "legacy <Type>SomeType</Type> placeholder; we send Sender",
    "legacy/rest-json.json:ignores-undefined-output-0":
        "body 'OK' for an operation without output: tests that clients ignore it",
}

# Check 2 only: botocore cannot read the case back, by its own admission or by construction.
WIRE_ONLY = {
    "output/rest-json.json:RestJsonInputAndOutputWithQuotedStringHeaders":
        "botocore splits header lists on every comma (its protocol-tests-ignore-list)",
    "output/rest-json.json:MediaTypeHeaderOutputBase64":
        "botocore json-decodes a mediaType header (its protocol-tests-ignore-list)",
    "output/rest-json.json:RestJsonInputAndOutputWithTimestampHeaders":
        "botocore splits an HTTP-date list on its commas (its protocol-tests-ignore-list)",
    "output/rest-xml.json:InputAndOutputWithTimestampHeaders":
        "botocore splits an HTTP-date list on its commas (its protocol-tests-ignore-list)",
    "output/rest-json.json:RestJsonHttpPayloadTraitsWithNoBlobBody":
        "botocore reads an absent blob payload as an empty one (its protocol-tests-ignore-list)",
    "output/rest-xml.json:HttpPayloadTraitsWithNoBlobBody":
        "botocore reads an absent blob payload as an empty one (its protocol-tests-ignore-list)",
    "output/rest-json.json:RestJsonHttpPayloadWithUnsetUnion":
        "botocore rejects an absent union payload (its protocol-tests-ignore-list)",
    "output/rest-xml.json:RestXmlHttpPayloadWithUnsetUnion":
        "botocore rejects an absent union payload (its protocol-tests-ignore-list)",
    "output/rest-json.json:HttpPrefixHeadersResponse":
        "a prefix-less header map reads back every response header, our own included",
    "legacy/rest-json.json:supports-header-maps-0":
        "a prefix-less header map reads back every response header, our own included",
}


@dataclass
class Vector:
    id: str
    suite: dict
    case: dict
    legacy: bool

    @property
    def protocol(self) -> str:
        return self.suite["metadata"]["protocol"]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _load() -> list[Vector]:
    vectors = []
    for sub, legacy in (("output", False), ("legacy/output", True)):
        for path in sorted((VECTORS / sub).glob("*.json")):
            prefix = f"{'legacy' if legacy else 'output'}/{path.name}"
            for suite in json.loads(path.read_text()):
                for index, case in enumerate(suite["cases"]):
                    case_id = case.get("id") or f"{_slug(suite['description'])}-{index}"
                    vectors.append(Vector(f"{prefix}:{case_id}", suite, case, legacy))
    ids = [v.id for v in vectors]
    assert len(ids) == len(set(ids)), "vector ids are not unique"
    return vectors


if not VECTORS.is_dir():
    pytest.skip(f"botocore protocol vectors not found at {VECTORS}: run `make vectors` "
                f"(or set NUVEM_VECTORS)", allow_module_level=True)

VECTOR_LIST = _load()


# --- running one case ---------------------------------------------------------------------------

class _RawStream:
    """What botocore's EventStream reads from: an object with .stream()."""

    def __init__(self, data: bytes):
        self._data = data

    def stream(self):
        yield self._data


def _model(vector: Vector):
    given = copy.deepcopy(vector.case["given"])
    if vector.protocol == "query" and "output" in given:
        # botocore's query parser needs resultWrapper, which its real models always carry and the
        # Smithy-generated suites leave implicit (<Op>Result, the serializer's default too).
        given["output"].setdefault("resultWrapper", f"{given['name']}Result")
    service = ServiceModel({"metadata": vector.suite["metadata"], "shapes": vector.suite["shapes"],
                            "operations": {given["name"]: given}})
    return service, service.operation_model(given["name"])


def _body_bytes(body) -> bytes:
    return body if isinstance(body, bytes) else b"".join(body)


def _response_dict(response, operation, event_stream: bool) -> dict:
    body = _body_bytes(response.body)
    return {"status_code": response.status, "headers": HeadersDict(response.headers),
            "body": _RawStream(body) if event_stream else body,
            "context": {"operation_name": operation.name}}


def _has_event_stream(operation) -> bool:
    shape = operation.output_shape
    return shape is not None and any(m.serialization.get("eventstream") for m in shape.members.values())


def run(vector: Vector) -> None:
    case = vector.case
    service, operation = _model(vector)
    protocol = vector.protocol
    if "result" in case:
        result = copy.deepcopy(case["result"])
        response = serialize_response(result, operation, protocol, REQUEST_ID, strict=True)
    else:
        members = copy.deepcopy(case.get("error", {}))
        message = case.get("errorMessage") or members.pop("message", None)  # `message` is AwsError's own
        members.pop("message", None)
        error = AwsError(message, code=case["errorCode"], **members)
        response = serialize_error(error, service, protocol, REQUEST_ID, operation, strict=True)
    if vector.id not in WIRE_ONLY:
        _check_read_back(vector, service, operation, response)
    if vector.id not in READ_BACK_ONLY:
        _check_wire(vector, operation, response)


def _check_read_back(vector, service, operation, response) -> None:
    case, protocol = vector.case, vector.protocol
    parser = create_parser(protocol)
    stream = _has_event_stream(operation)
    if "result" in case:
        parsed = parser.parse(_response_dict(response, operation, stream), operation.output_shape)
        parsed.pop("ResponseMetadata", None)
        assert _normal(parsed) == _normal(case["result"])
        return
    parsed = parser.parse(_response_dict(response, operation, False), operation.output_shape)
    assert parsed["Error"]["Code"] == case["errorCode"]
    if "errorMessage" in case:
        assert parsed["Error"]["Message"] == case["errorMessage"]
    # botocore's client finds the modelled error by its code, then parses the members with it.
    error_shape = service.shape_for_error_code(parsed["Error"]["Code"])
    if error_shape is not None:
        modeled = parser.parse(_response_dict(response, operation, False), error_shape)
        modeled.pop("ResponseMetadata", None)
        assert _normal(modeled) == _normal(case.get("error", {}))


def _normal(value):
    """Results as comparable values: epochs for timestamps, text for blobs, names for non-finite floats."""
    if isinstance(value, EventStream):
        return [_normal(event) for event in value]
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, datetime):
        return round(value.timestamp(), 3)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


# --- the wire check -----------------------------------------------------------------------------

_PROTOCOL_HEADERS = {"content-type", "x-amzn-requestid", "x-amz-request-id", "x-amz-id-2",
                     "x-amzn-errortype", "x-amzn-query-error", "smithy-protocol"}
_UNCOMPARED_HEADERS = {"x-amzn-requestid", "x-amz-request-id", "x-amz-id-2"}  # random ids
_SPELLINGS = {"message": "Message", "Message": "message", "__type": "code"}  # error documents
_REQUEST_ID_TAGS = {"ResponseMetadata", "RequestId", "requestId", "RequestID", "HostId"}


def _code(value: str) -> str:
    return value.split(":", 1)[0].rsplit("#", 1)[-1]


def _check_wire(vector, operation, response) -> None:
    expected = vector.case["response"]
    assert response.status == expected["status_code"]
    ours = HeadersDict()
    for name, value in response.headers:
        ours[name] = f"{ours[name]}, {value}" if name in ours else value
    theirs = HeadersDict(expected.get("headers") or {})
    body = _body_bytes(response.body)
    _check_headers(ours, theirs)
    if "body" in expected:
        _check_body(vector, operation, body, expected["body"], ours.get("content-type", ""))


def _check_headers(ours, theirs) -> None:
    """Headers we send agree with the vector's; what we do not send, check 1 misses if it matters."""
    for name, value in ours.items():
        lname = name.lower()
        if lname in _UNCOMPARED_HEADERS:
            continue
        if name not in theirs:
            assert lname in _PROTOCOL_HEADERS, f"we send header {name}, the vector does not"
        elif lname == "content-type":
            assert value.split(";")[0].strip() == theirs[name].split(";")[0].strip()
        elif lname == "x-amzn-errortype":
            assert _code(value) == _code(theirs[name])
        elif value != theirs[name] and not same_leaf(value, theirs[name]):
            # a client must also read lists spaced oddly
            assert [t.strip() for t in value.split(",")] == [t.strip() for t in theirs[name].split(",")]


def _check_body(vector, operation, body: bytes, expected: str, content_type: str) -> None:
    protocol = vector.protocol
    if _has_event_stream(operation):
        _same_events(body, base64.b64decode(expected), legacy=vector.legacy)
    elif protocol == "smithy-rpc-v2-cbor":
        contained(_cbor(body), _cbor(base64.b64decode(expected)), "$")
    elif content_type.startswith(("text/plain", "application/octet-stream")) or not content_type and body:
        assert body == expected.encode()
    elif protocol in ("json", "rest-json"):
        contained(_json(body), _json(expected.encode()), "$")
    else:
        _same_xml(body, expected.encode(), compare_root=not vector.legacy)


def _json(data: bytes):
    return json.loads(data) if data.strip() else {}


def _cbor(data: bytes):
    return cbor2.loads(data) if data else {}


def _kind(text) -> str | None:
    if not isinstance(text, str):
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return "epoch"
    if re.match(r"\d{4}-\d\d-\d\dT", text):
        return "iso8601"
    if text.endswith("GMT"):
        return "rfc822"
    return None


def _instant(value) -> float:
    if isinstance(value, cbor2.CBORTag):
        value = value.value
    if isinstance(value, (int, float)):
        return float(value)
    return parse_timestamp(value).timestamp()


def same_leaf(ours, theirs) -> bool:
    if ours == theirs:
        return True
    if isinstance(ours, float) and isinstance(theirs, float) and math.isnan(ours) and math.isnan(theirs):
        return True
    if isinstance(ours, cbor2.CBORTag) and isinstance(theirs, cbor2.CBORTag):
        return ours.tag == theirs.tag and abs(_instant(ours) - _instant(theirs)) < 1e-3
    # JSON epoch numbers against date strings, or the same notation written two ways (offsets).
    number = isinstance(ours, (int, float)) and not isinstance(ours, bool)
    if number and _kind(theirs) in ("iso8601", "rfc822"):
        return abs(ours - _instant(theirs)) < 1e-3
    kind = _kind(ours)
    if kind and kind == _kind(theirs):
        return abs(_instant(ours) - _instant(theirs)) < 1e-3
    return False


def contained(ours, theirs, path: str) -> None:
    """Our JSON/CBOR value is contained in theirs (see the module docstring)."""
    if isinstance(ours, dict):
        assert isinstance(theirs, dict), f"{path}: object expected, got {theirs!r}"
        for key, value in ours.items():
            if path == "$" and key not in theirs and key in _SPELLINGS:  # clients read either spelling
                key = _SPELLINGS[key]
            assert key in theirs, f"{path}: we send {key!r}, the vector does not"
            if path == "$" and key in ("__type", "code"):
                assert _code(value) == _code(theirs[key]), path
            else:
                contained(value, theirs[key], f"{path}.{key}")
    elif isinstance(ours, list):
        assert isinstance(theirs, list) and len(ours) == len(theirs), f"{path}: {ours!r} vs {theirs!r}"
        for index, (a, b) in enumerate(zip(ours, theirs)):
            contained(a, b, f"{path}[{index}]")
    else:
        assert same_leaf(ours, theirs), f"{path}: {ours!r} vs {theirs!r}"


def _same_xml(ours: bytes, theirs: bytes, compare_root: bool) -> None:
    if not theirs.strip():
        assert not ours.strip(), f"the vector has no body, we send {ours!r}"
        return
    mine, other = ET.fromstring(ours), ET.fromstring(theirs.strip())
    namespace = _ns(other.tag)
    if namespace and not _ns(mine.tag):  # the suite's model has no service namespace
        for element in other.iter():
            if _ns(element.tag) == namespace:
                element.tag = element.tag.split("}", 1)[1]
    if compare_root:
        assert mine.tag == other.tag, f"root {mine.tag} vs {other.tag}"
    _xml_contained(mine, other, mine.tag)


def _ns(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _local(tag: str) -> str:
    return tag.split("}", 1)[-1]


def _xml_contained(ours, theirs, path: str) -> None:
    for key, value in ours.attrib.items():
        assert theirs.attrib.get(key) == value, f"{path}@{key}"
    children = [c for c in ours if _local(c.tag) not in _REQUEST_ID_TAGS]
    if not len(ours):
        mine, other = ours.text or "", theirs.text or ""
        formatting = not mine.strip() and not other.strip()  # whitespace between tags
        assert same_leaf(mine, other) or formatting, f"{path}: {mine!r} vs {other!r}"
        return
    for tag in dict.fromkeys(c.tag for c in children):
        mine = [c for c in children if c.tag == tag]
        other = [c for c in theirs if c.tag == tag]
        assert len(mine) == len(other), f"{path}/{tag}: {len(mine)} elements vs {len(other)}"
        for index, (a, b) in enumerate(zip(mine, other)):
            _xml_contained(a, b, f"{path}/{_local(tag)}[{index}]")


def _same_events(ours: bytes, theirs: bytes, legacy: bool) -> None:
    def messages(data):
        buffer = EventStreamBuffer()
        buffer.add_data(data)
        return list(buffer)
    mine, other = messages(ours), messages(theirs)
    assert len(mine) == len(other)
    for a, b in zip(mine, other):
        head_a = {k: v for k, v in a.headers.items() if k != ":content-type"}
        head_b = {k: v for k, v in b.headers.items() if k != ":content-type"}
        assert head_a == head_b
        kind = a.headers.get(":content-type", "")
        if "json" in kind:
            contained(_json(a.payload), _json(b.payload), "event")
        elif "xml" in kind:
            _same_xml(a.payload, b.payload, compare_root=not legacy)
        else:
            assert a.payload == b.payload


# --- tests --------------------------------------------------------------------------------------

@pytest.mark.parametrize("vector", VECTOR_LIST, ids=[v.id for v in VECTOR_LIST])
def test_output_vector(vector: Vector) -> None:
    if vector.id in IGNORED:
        pytest.skip(f"ignored: {IGNORED[vector.id]}")
    run(vector)


def test_output_ignore_list_is_small_and_current() -> None:
    assert len(IGNORED) <= 0.02 * len(VECTOR_LIST)
    known = {v.id for v in VECTOR_LIST}
    for listed in (IGNORED, READ_BACK_ONLY, WIRE_ONLY):
        assert set(listed) <= known, f"stale ids: {set(listed) - known}"
