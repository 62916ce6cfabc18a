"""Round-trip property test over every operation of the services Nuvem serves.

Input: random valid params serialized by botocore's own client serializer parse back, through our
router and parser, to the same params. Output: random results serialized by us parse back, with
botocore's own response parser, to the same result. Besides the served services, one service per
protocol family is included so the whole codec is exercised.
"""
from __future__ import annotations

import functools
import io
from types import SimpleNamespace
from datetime import datetime

import pytest
from botocore import handlers
from botocore import parsers as botocore_parsers
from botocore import serialize as botocore_serialize
from botocore.response import StreamingBody
from botocore.awsrequest import HeadersDict, create_request_object, prepare_request_dict
from hypothesis import HealthCheck, given, settings

from nuvem import services
from nuvem.protocol import specs
from nuvem.protocol.parsers import parse_request
from nuvem.protocol.rest_router import RestRouter
from nuvem.protocol.serializers import serialize_response
from nuvem.protocol.wire import Headers, HttpRequest
from tests.protocol import shape_strategies

# Services that exercise the protocols Nuvem serves nothing in yet (besides the served ones).
CODEC_SAMPLES = {"s3": ["rest-xml"], "lambda": ["rest-json"], "dynamodb": ["json"],
                 "sqs": ["json", "query"], "cloudwatch": ["smithy-rpc-v2-cbor", "json", "query"]}
EXAMPLES = 10
# Operations whose requests are identical on the wire to a newer twin's, which is tested instead
# (S3 routes them to the twin, as AWS does); ListDirectoryBuckets differs only by its endpoint host.
WIRE_TWINS = {"s3": {"GetBucketLifecycle", "PutBucketLifecycle", "GetBucketNotification",
                     "PutBucketNotification", "ListDirectoryBuckets"}}
_REST = ("rest-json", "rest-xml")


def _cases():
    for name in sorted(services.implemented() | set(CODEC_SAMPLES)):
        model = specs.service_model(name)
        protocols = CODEC_SAMPLES.get(name) or model.metadata.get("protocols", [model.protocol])
        for protocol in protocols:
            for operation in model.operation_names:
                if operation in WIRE_TWINS.get(name, ()):
                    continue
                yield pytest.param(name, protocol, operation, id=f"{name}-{protocol}-{operation}")


CASES = list(_cases())


def _normal(value):
    """Compare what the wire can carry: empties dropped, timestamps as instants."""
    if isinstance(value, dict):
        out = {k: _normal(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {}, b"")}
    if isinstance(value, list):
        return [v for v in map(_normal, value) if v not in (None, "", [], {}, b"")]
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if hasattr(value, "read"):
        return value.read()
    return value


def _skip_member(name, member):
    # The client fills idempotency tokens itself, and a streaming payload is a raw body.
    return member.metadata.get("idempotencyToken") or member.serialization.get("eventstream")


settings.register_profile("roundtrip", max_examples=EXAMPLES, deadline=None, derandomize=True,
                          suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("service,protocol,operation", CASES)
def test_input_roundtrip(service, protocol, operation):
    operation_model = specs.service_model(service).operation_model(operation)
    shape = operation_model.input_shape
    if shape is None:
        pytest.skip("no input")
    serializer = botocore_serialize.create_serializer(protocol, include_validation=False)

    @settings(settings.get_profile("roundtrip"))
    @given(shape_strategies.structure(shape, skip=_skip_member))
    def check(params):
        request_dict = serializer.serialize_to_request(params, operation_model)
        prepare_request_dict(request_dict, "http://localhost:4566")
        prepared = create_request_object(request_dict).prepare()
        path, _, query = prepared.url.split("localhost:4566", 1)[1].partition("?")
        body = prepared.body or b""
        body = body.encode() if isinstance(body, str) else body
        request = HttpRequest(method=prepared.method, path=path or "/", query=query,
                              headers=Headers(prepared.headers.items()), body=io.BytesIO(body))
        uri_params = None
        if protocol in _REST:
            matched, uri_params = RestRouter(specs.service_model(service)).match(
                request.method, request.path, request.query_list(), request.headers)
            assert matched.name == operation, f"routed to {matched.name}"
        parsed = parse_request(request, operation_model, protocol, uri_params)
        # Filled by the client or by HTTP itself, not by the caller: tokens, Content-Length.
        client_filled = {n for n, m in shape.members.items()
                         if m.metadata.get("idempotencyToken")
                         or m.serialization.get("name", "").lower() == "content-length"}
        parsed = {k: v for k, v in parsed.items() if k not in client_filled or k in params}
        assert _normal(parsed) == _normal(params)

    check()


def _legacy_query_shape(service: str, operation: str):
    """The output shape as a client of the legacy query model sees it: the overlays' `queryName`
    (SQS's `<Attribute>` for `Attributes`) was that model's member locationName."""
    return _legacy_query_model(service).operation_model(operation).output_shape


@functools.cache
def _legacy_query_model(service: str):
    import copy
    from botocore.model import ServiceModel
    model = copy.deepcopy(specs.loader().load_service_model(service, "service-2"))
    for shape in model["shapes"].values():
        for member in shape.get("members", {}).values():
            if "queryName" in member:
                member["locationName"] = member["queryName"]
    return ServiceModel(model, service)


@pytest.mark.parametrize("service,protocol,operation", CASES)
def test_output_roundtrip(service, protocol, operation):
    operation_model = specs.service_model(service).operation_model(operation)
    shape = operation_model.output_shape
    if shape is None or operation_model.has_event_stream_output:
        pytest.skip("no output, or an event stream")
    status_members = {n for n, m in shape.members.items()
                      if m.serialization.get("location") == "statusCode"}

    @settings(settings.get_profile("roundtrip"))
    @given(shape_strategies.structure(shape, skip=lambda n, m: n in status_members))
    def check(result):
        response = serialize_response(result, operation_model, protocol, "req-1")
        body = response.body if isinstance(response.body, bytes) else b"".join(
            [response.body.read()] if hasattr(response.body, "read") else response.body)
        headers = HeadersDict()
        for key, value in response.headers:
            headers[key] = value
        if operation_model.has_streaming_output:   # as botocore's endpoint hands it over
            body = StreamingBody(io.BytesIO(body), len(body))
        parser = botocore_parsers.create_parser(protocol)
        parsed = parser.parse({"status_code": response.status, "headers": headers, "body": body},
                              _legacy_query_shape(service, operation) if protocol == "query" else shape)
        if (service, operation) == ("s3", "GetBucketLocation"):   # botocore parses it in a handler
            handlers.parse_get_bucket_location(parsed, SimpleNamespace(raw=True, content=body))
        for name in ("ResponseMetadata", *status_members):   # botocore fills these from the status
            parsed.pop(name, None)
        for name, member in shape.members.items():   # a payload always goes with a Content-Type
            if member.serialization.get("name", "").lower() == "content-type" and name not in result:
                parsed.pop(name, None)
        assert _normal(parsed) == _normal(result)

    check()
