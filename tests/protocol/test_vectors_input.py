"""botocore's protocol test vectors, input side, run against our server-side parsers.

Each case gives an operation model, the params a client was called with, and the HTTP request the
client sent. We rebuild that request, route it with `RestRouter` (REST protocols), parse it with
`parse_request`, and compare with the params. A server sees only the wire, so the comparison
normalizes what the wire cannot carry, each rule a fact about clients rather than a loophole:

- timestamps in params (epoch numbers or ISO strings) compare as instants; blobs given as str
  compare as their UTF-8 bytes; "NaN"/"Infinity"/"-Infinity" compare as floats; a streaming
  payload (a file object) compares by its content;
- params set to None were never sent; empty lists and maps are not sent either by most protocols
  (`ListArg: []` on EC2, an empty prefix-header map), so an absent member equals an empty one;
- idempotency tokens the client filled in are on the wire but not in params: extra token ok;
- a Content-Type header member may hold a default the client added (the server cannot tell);
- a query-string map (`httpQueryParams`) holds every query parameter on a server, including those
  bound to named members (Smithy's server rule, which the rest-json vectors themselves expect);
  client-only vectors list only what the caller put in the map, so map entries bound to a named
  member are compared only when the expected map has them;
- requests to an endpoint with a base path (`host: example.com/custom`) are routed without it;
- request-compression cases carry no body in the vector: we build it with botocore's serializer
  and gzip it, as the SDK does.

Set NUVEM_VECTORS to the extracted botocore sdist (`make vectors` fetches it).
"""
from __future__ import annotations

import base64
import datetime
import gzip
import json
import math
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.serialize import create_serializer

from nuvem.protocol.parsers import parse_request
from nuvem.protocol.rest_router import RestRouter
from nuvem.protocol.wire import HttpRequest

ROOT = Path(__file__).resolve().parents[2]
VECTORS = Path(os.environ.get("NUVEM_VECTORS", ROOT / ".cache/botocore-1.44.8"))
if not VECTORS.is_absolute():
    VECTORS = ROOT / VECTORS
PROTOCOLS_DIR = VECTORS / "tests/unit/protocols"
BOTOCORE_IGNORE_LIST = PROTOCOLS_DIR / "protocol-tests-ignore-list.json"

# Cases botocore's own protocol-tests-ignore-list.json marks as client-only, that a server cannot
# pass either: the wire lacks what the params say.
BOTOCORE_IGNORED = {
    "input/rest-json.json:MediaTypeHeaderInputBase64":
        "a @mediaType header is base64 of the raw string, but botocore models it as a jsonvalue "
        "header (base64 of JSON); the two cannot both hold, and real AWS models use jsonvalue",
    "input/rest-json.json:RestJsonQueryPrecedence":
        "the client drops the map's 'bar' entry in favour of the named member; the wire no longer "
        "carries 'fromMap', so no server can return it",
    "input/rest-xml.json:RestXmlQueryPrecedence":
        "same as RestJsonQueryPrecedence, for rest-xml",
}
# Our own ignores (at most 1% of the cases), each with its reason.
IGNORED: dict[str, str] = {}

_UTC = datetime.timezone.utc
_REST = ("rest-json", "rest-xml")
_CLIENT_CONTENT_TYPES = {"application/octet-stream", "application/json", "application/xml",
                         "text/plain", "binary/octet-stream"}


def _load_cases() -> list:
    params = []
    for file in sorted(PROTOCOLS_DIR.glob("input/*.json")) + sorted(
            PROTOCOLS_DIR.glob("legacy/input/*.json")):
        rel = file.relative_to(PROTOCOLS_DIR).as_posix()
        seen = set()
        for s_index, suite in enumerate(json.loads(file.read_text())):
            for c_index, case in enumerate(suite["cases"]):
                case_id = case.get("id") or f"{suite['description']}#{c_index}"
                if case_id in seen:
                    case_id = f"{case_id}@{s_index}"
                seen.add(case_id)
                params.append(pytest.param(suite, case, id=f"{rel}:{case_id}"))
    return params


if not PROTOCOLS_DIR.is_dir():
    pytest.skip(f"botocore protocol vectors not found in {PROTOCOLS_DIR}: run `make vectors` "
                f"or set NUVEM_VECTORS", allow_module_level=True)
CASES = _load_cases()


# --- building the request -----------------------------------------------------------------

def _operation(suite: dict, case: dict) -> OperationModel:
    given = case["given"]
    service = ServiceModel({"metadata": suite["metadata"], "shapes": suite.get("shapes", {}),
                            "operations": {given["name"]: given}}, service_name="vectors")
    return service.operation_model(given["name"])


def _client_body(protocol: str, params: dict, operation: OperationModel) -> bytes:
    body = create_serializer(protocol).serialize_to_request(params, operation)["body"]
    if isinstance(body, dict):
        return urlencode(body).encode()
    return body.encode() if isinstance(body, str) else body


def _request(protocol: str, case: dict, operation: OperationModel) -> HttpRequest:
    serialized = case["serialized"]
    method = serialized.get("method") or operation.http.get("method") or "POST"
    uri = serialized.get("uri", "/")
    host = serialized.get("host", "")
    if "/" in host:  # an endpoint with a base path: the server is mounted below it
        base = "/" + host.split("/", 1)[1].strip("/")
        if uri.startswith(base):
            uri = uri[len(base):] or "/"
    headers = serialized.get("headers") or {}
    body = serialized.get("body")
    if body is None and "gzip" in headers.get("Content-Encoding", ""):
        data = gzip.compress(_client_body(protocol, case.get("params") or {}, operation))
    elif body is None:
        data = b""
    elif protocol == "smithy-rpc-v2-cbor":
        data = base64.b64decode(body)
    else:
        data = body.encode("utf-8")
    return HttpRequest.build(method, uri, headers, data)


# --- comparing ----------------------------------------------------------------------------

def _expected(shape: Shape, value: Any) -> Any:
    """Params as given by the vector → the typed values the parser returns."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure" and not shape.is_document_type:
        return {name: _expected(shape.members[name], v) for name, v in value.items()
                if v is not None and name in shape.members}
    if kind == "list":
        return [_expected(shape.member, v) for v in value]
    if kind == "map":
        return {k: _expected(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        if isinstance(value, str):
            parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=_UTC)
        return datetime.datetime.fromtimestamp(value, _UTC)
    if kind == "blob" and isinstance(value, str):
        return value.encode("utf-8")
    if kind in ("float", "double") and isinstance(value, str):
        return float({"Infinity": "inf", "-Infinity": "-inf"}.get(value, value))
    return value


def _same_scalar(expected: Any, actual: Any) -> bool:
    if hasattr(actual, "read"):  # a streaming payload
        actual = actual.read()
    if isinstance(actual, float) and isinstance(expected, (int, float)) \
            and not isinstance(expected, bool):  # params may give a double as 6 or "NaN"
        return expected == actual or (math.isnan(expected) and math.isnan(actual))
    return type(expected) is type(actual) and expected == actual


def _diff(shape: Shape, expected: Any, actual: Any, path: str) -> list[str]:
    kind = shape.type_name
    if kind == "structure" and not shape.is_document_type:
        if not isinstance(actual, dict):
            return [f"{path}: expected a structure, got {actual!r}"]
        return _diff_members(shape, expected, actual, path)
    if kind == "list":
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual))
                for d in _diff(shape.member, e, a, f"{path}[{i}]")]
    if kind == "map":
        if not isinstance(actual, dict) or set(actual) != set(expected):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        return [d for k in expected for d in _diff(shape.value, expected[k], actual[k],
                                                   f"{path}[{k!r}]")]
    # what is left is a scalar or a document (plain JSON values)
    same = expected == actual if kind == "structure" else _same_scalar(expected, actual)
    return [] if same else [f"{path}: expected {expected!r}, got {actual!r}"]


def _diff_members(shape: Shape, expected: dict, actual: dict, path: str) -> list[str]:
    diffs = [f"{path}.{name}: not a member" for name in actual if name not in shape.members]
    bound_query = {m.serialization.get("name", n) for n, m in shape.members.items()
                   if m.serialization.get("location") == "querystring" and m.type_name != "map"}
    for name, member in shape.members.items():
        here = f"{path}.{name}"
        want, got = expected.get(name), actual.get(name)
        if member.serialization.get("location") == "querystring" and member.type_name == "map" \
                and isinstance(got, dict):
            got = {k: v for k, v in got.items() if k not in bound_query or k in (want or {})}
            got = got or None
        if got is None:
            if want not in (None, [], {}):
                diffs.append(f"{here}: missing, expected {want!r}")
        elif want is None:
            if not _tolerated_extra(member, got):
                diffs.append(f"{here}: unexpected {got!r}")
        else:
            diffs += _diff(member, want, got, here)
    return diffs


def _tolerated_extra(member: Shape, value: Any) -> bool:
    if member.metadata.get("idempotencyToken"):
        return True  # filled in by the client
    serialization = member.serialization
    return (serialization.get("location") == "header"
            and serialization.get("name", "").lower() == "content-type"
            and value in _CLIENT_CONTENT_TYPES)


def check_case(suite: dict, case: dict) -> list[str]:
    """The differences between what the parser returns and the case's params (empty: pass)."""
    protocol = suite["metadata"]["protocol"]
    operation = _operation(suite, case)
    request = _request(protocol, case, operation)
    uri_params = None
    if protocol in _REST:
        routed, uri_params = RestRouter(operation.service_model).match(
            request.method, request.path, request.query_list(), request.headers)
        if routed.name != operation.name:
            return [f"routed to {routed.name}, expected {operation.name}"]
    parsed = parse_request(request, operation, protocol, uri_params)
    shape = operation.input_shape
    if shape is None:
        return [] if parsed == {} else [f"expected no params, got {parsed!r}"]
    return _diff(shape, _expected(shape, case.get("params") or {}), parsed, "params")


def _ignored(case_id: str) -> str | None:
    return IGNORED.get(case_id) or BOTOCORE_IGNORED.get(case_id)


@pytest.mark.parametrize("suite, case", CASES)
def test_input_vector(suite: dict, case: dict, request: pytest.FixtureRequest) -> None:
    case_id = request.node.callspec.id
    if reason := _ignored(case_id):
        pytest.skip(f"ignored: {reason}")
    diffs = check_case(suite, case)
    assert not diffs, "\n".join(diffs)


def test_ignore_lists_are_small_and_real() -> None:
    ids = {param.id for param in CASES}
    assert set(IGNORED) <= ids and set(BOTOCORE_IGNORED) <= ids
    assert len(IGNORED) <= len(CASES) // 100
    botocore_list = json.loads(BOTOCORE_IGNORE_LIST.read_text())
    listed = {case for protocol in botocore_list["protocols"].values()
              for case in protocol.get("input", {}).get("cases", [])}
    assert {case_id.split(":", 1)[1] for case_id in BOTOCORE_IGNORED} <= listed
