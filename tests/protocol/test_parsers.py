"""Parsers, router and validation against real service models and real botocore requests.

Requests are built by botocore itself: a real client whose `before-send` hook stops the call and
hands us the prepared request, or botocore's serializer for a protocol the client would not pick
(CloudWatch speaks CBOR, JSON and query).
"""
from __future__ import annotations

import base64
import datetime
import gzip
import io
import json
import sys
from urllib.parse import urlencode, urlsplit

import botocore.session
import pytest
from botocore.config import Config
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nuvem.errors import AwsError
from nuvem.protocol import specs
from nuvem.protocol.parsers import MAX_INFLATED_BODY, parse_request, parse_timestamp
from nuvem.protocol.rest_router import NoMatchingOperation, RestRouter
from nuvem.protocol.validate import validate
from nuvem.protocol.wire import Headers, HttpRequest

UTC = datetime.timezone.utc
WHEN = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


class _Stop(Exception):
    """Raised from before-send: the request is prepared, nothing goes on the wire."""


def _to_text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def send(service: str, operation: str, **params) -> HttpRequest:
    """What a real botocore client sends for `client.<operation>(**params)`."""
    client = botocore.session.get_session().create_client(
        service, region_name="us-east-1", endpoint_url="http://nuvem.test",
        aws_access_key_id="a", aws_secret_access_key="b",
        config=Config(retries={"max_attempts": 1}))
    captured = []

    def before_send(request, **kwargs):
        captured.append(request)
        raise _Stop()

    client.meta.events.register("before-send", before_send)
    method = client.meta.method_to_api_mapping
    python_name = next(name for name, api in method.items() if api == operation)
    with pytest.raises(_Stop):
        getattr(client, python_name)(**params)
    prepared = captured[0]
    body = prepared.body
    if hasattr(body, "read"):
        body = body.read()
    url = urlsplit(prepared.url)
    return HttpRequest(method=prepared.method, path=url.path, query=url.query,
                       headers=Headers((k, _to_text(v)) for k, v in prepared.headers.items()),
                       body=io.BytesIO(_to_text(body or b"").encode()
                                       if isinstance(body, str) else body or b""))


def serialize(service: str, operation: str, protocol: str, params: dict) -> HttpRequest:
    """What botocore's serializer for `protocol` produces (a protocol the client would not pick)."""
    model = specs.operation_model(service, operation)
    serialized = create_serializer(protocol).serialize_to_request(params, model)
    body = serialized["body"]
    if isinstance(body, dict):
        body = urlencode(body, doseq=True).encode()
    path, _, literal = serialized["url_path"].partition("?")
    query = serialized["query_string"]
    query = urlencode(query, doseq=True) if isinstance(query, dict) else query
    query = "&".join(part for part in (literal, query) if part)
    return HttpRequest.build(serialized["method"], f"{path}?{query}" if query else path,
                             list(serialized["headers"].items()),
                             body.encode() if isinstance(body, str) else body or b"")


def parse(service: str, request: HttpRequest, protocol: str | None = None,
          operation: str | None = None) -> tuple[str, dict]:
    """Route (REST) and parse a request the way the gateway will."""
    model = specs.service_model(service)
    protocol = protocol or model.protocol
    if protocol in ("rest-json", "rest-xml"):
        op, labels = RestRouter(model).match(request.method, request.path, request.query_list(),
                                             request.headers)
        return op.name, parse_request(request, op, protocol, labels)
    op = model.operation_model(operation)
    return op.name, parse_request(request, op, protocol)


def roundtrip(service: str, operation: str, **params) -> dict:
    name, parsed = parse(service, send(service, operation, **params), operation=operation)
    assert name == operation
    return parsed


# --- real clients, one protocol each --------------------------------------------------------

def test_sts_query():
    params = dict(RoleArn="arn:aws:iam::123456789012:role/r", RoleSessionName="session",
                  DurationSeconds=3600, PolicyArns=[{"arn": "arn:aws:iam::aws:policy/ReadOnly"}],
                  Tags=[{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": ""}],
                  TransitiveTagKeys=["k1"], Policy='{"Version":"2012-10-17"}')
    assert roundtrip("sts", "AssumeRole", **params) == params


def test_ec2_query():
    params = dict(ImageId="ami-1", MinCount=1, MaxCount=2, SecurityGroupIds=["sg-1", "sg-2"],
                  BlockDeviceMappings=[{"DeviceName": "/dev/xvda",
                                        "Ebs": {"VolumeSize": 8, "DeleteOnTermination": False}}],
                  TagSpecifications=[{"ResourceType": "instance",
                                      "Tags": [{"Key": "Name", "Value": "web"}]}],
                  UserData="#!/bin/sh", DryRun=True, ClientToken="token-1")
    # botocore base64-encodes UserData before sending it
    assert roundtrip("ec2", "RunInstances", **params) == {**params, "UserData": "IyEvYmluL3No"}
    filters = dict(Filters=[{"Name": "tag:Name", "Values": ["a", "b"]}], InstanceIds=["i-1"])
    assert roundtrip("ec2", "DescribeInstances", **filters) == filters


def test_sqs_json():
    params = dict(QueueUrl="http://nuvem.test/123456789012/q", MessageBody="hi",
                  DelaySeconds=5, MessageAttributes={
                      "s": {"DataType": "String", "StringValue": "v"},
                      "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"}})
    assert roundtrip("sqs", "SendMessage", **params) == params


def test_sqs_query_maps():
    # SQS still accepts the query protocol (query-compatible JSON service).
    params = dict(QueueName="q", Attributes={"DelaySeconds": "5", "FifoQueue": "true"},
                  tags={"team": "a"})
    request = serialize("sqs", "CreateQueue", "query", params)
    assert parse("sqs", request, "query", "CreateQueue")[1] == params


def test_dynamodb_json_1_0():
    item = {"pk": {"S": "a"}, "n": {"N": "1.5"}, "b": {"B": b"\x01"}, "ok": {"BOOL": False},
            "nil": {"NULL": True}, "l": {"L": [{"S": "x"}, {"N": "2"}]},
            "m": {"M": {"inner": {"SS": ["p", "q"]}}}, "bs": {"BS": [b"1", b"2"]}}
    params = dict(TableName="t", Item=item, ConditionExpression="attribute_not_exists(pk)",
                  ReturnValues="ALL_OLD")
    assert roundtrip("dynamodb", "PutItem", **params) == params


def test_json_body_nodes_are_copied_only_where_decoding_changes_them():
    # a blob deep in a list, an unknown member and a null: everything else is kept as parsed
    deep = {"L": [{"M": {"n": {"N": "1"}, "b": {"B": base64.b64encode(b"\x01").decode()}}},
                  {"S": "y", "Unknown": 1}, {"S": None, "NULL": True}, {"SS": ["p"]}]}
    body = {"TableName": "t", "Item": {"a": {"S": "x"}, "deep": deep, "z": {"N": "2"}},
            "Expected": None}
    request = HttpRequest.build("POST", "/", {"X-Amz-Target": "DynamoDB_20120810.PutItem"},
                                json.dumps(body).encode())
    assert parse("dynamodb", request, operation="PutItem")[1] == {
        "TableName": "t", "Item": {"a": {"S": "x"}, "deep": {"L": [
            {"M": {"n": {"N": "1"}, "b": {"B": b"\x01"}}}, {"S": "y"}, {"NULL": True},
            {"SS": ["p"]}]}, "z": {"N": "2"}}}


def test_lambda_rest_json():
    create = dict(FunctionName="f", Runtime="python3.12", Role="arn:aws:iam::1:role/r",
                  Handler="app.handler", Code={"ZipFile": b"PK\x03\x04"}, Timeout=30,
                  Environment={"Variables": {"A": "1"}}, Tags={"t": "v"}, Publish=True)
    assert roundtrip("lambda", "CreateFunction", **create) == create
    invoke = dict(FunctionName="arn:aws:lambda:us-east-1:123456789012:function:f",
                  InvocationType="Event", Payload=b'{"x": 1}', Qualifier="live",
                  ClientContext="eyJ9")
    assert roundtrip("lambda", "Invoke", **invoke) == invoke
    assert roundtrip("lambda", "ListFunctions", MaxItems=5, Marker="m") == {
        "MaxItems": 5, "Marker": "m"}
    assert roundtrip("lambda", "GetFunction", FunctionName="f") == {"FunctionName": "f"}


def test_s3_put_object_streams_body_and_metadata():
    request = send("s3", "PutObject", Bucket="b", Key="dir/a b+c%.txt", Body=b"hello",
                   Metadata={"Owner": "me", "x": "1"}, ContentType="text/plain",
                   StorageClass="STANDARD_IA")
    name, parsed = parse("s3", request)
    assert name == "PutObject"
    body = parsed.pop("Body")
    assert body is request.body and body.read() == b"hello"  # the file object, not a copy
    assert parsed.pop("ChecksumCRC32")  # botocore adds a checksum header
    parsed.pop("ChecksumAlgorithm", None)
    assert parsed == {"Bucket": "b", "Key": "dir/a b+c%.txt", "ContentType": "text/plain",
                      "Metadata": {"owner": "me", "x": "1"}, "StorageClass": "STANDARD_IA",
                      "ContentLength": 5}


def test_s3_list_objects_v2_and_v1():
    params = dict(Bucket="b", Prefix="logs/", Delimiter="/", MaxKeys=10, StartAfter="a")
    url = {"EncodingType": "url"}  # botocore asks for url-encoded keys unless told otherwise
    assert roundtrip("s3", "ListObjectsV2", **params) == {**params, **url}
    assert roundtrip("s3", "ListObjects", Bucket="b", Marker="m") == {"Bucket": "b", "Marker": "m",
                                                                       **url}


def test_s3_delete_objects():
    delete = {"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "v1"}], "Quiet": True}
    parsed = roundtrip("s3", "DeleteObjects", Bucket="b", Delete=delete)
    parsed.pop("ChecksumAlgorithm", None)
    assert parsed == {"Bucket": "b", "Delete": delete}


def test_s3_complete_multipart_upload():
    parts = {"Parts": [{"ETag": '"e1"', "PartNumber": 1}, {"ETag": '"e2"', "PartNumber": 2}]}
    parsed = roundtrip("s3", "CompleteMultipartUpload", Bucket="b", Key="k", UploadId="u",
                       MultipartUpload=parts)
    assert parsed == {"Bucket": "b", "Key": "k", "UploadId": "u", "MultipartUpload": parts}


def test_s3_copy_object_routes_on_copy_source_header():
    parsed = roundtrip("s3", "CopyObject", Bucket="b", Key="k", CopySource="src/key",
                       MetadataDirective="REPLACE")
    assert parsed == {"Bucket": "b", "Key": "k", "CopySource": "src/key",
                      "MetadataDirective": "REPLACE"}


@pytest.mark.parametrize("protocol", ["smithy-rpc-v2-cbor", "json", "query"])
def test_cloudwatch_every_protocol(protocol):
    params = dict(Namespace="App", MetricData=[{
        "MetricName": "Latency", "Timestamp": WHEN, "Value": 1.5, "Unit": "Milliseconds",
        "Dimensions": [{"Name": "Host", "Value": "a"}], "StorageResolution": 1,
        "Values": [1.0, 2.5], "Counts": [1.0, 2.0]}])
    request = serialize("cloudwatch", "PutMetricData", protocol, params)
    assert parse("cloudwatch", request, protocol, "PutMetricData")[1] == params


def test_cloudwatch_real_client():
    # The client picks one of the model's protocols; tell which from the request, as the gateway
    # does.
    params = dict(MetricName="Latency", Namespace="App", StartTime=WHEN, EndTime=WHEN,
                  Period=60, Statistics=["Average", "Maximum"],
                  Dimensions=[{"Name": "Host", "Value": "a"}])
    request = send("cloudwatch", "GetMetricStatistics", **params)
    protocol = ("smithy-rpc-v2-cbor" if request.headers.get("smithy-protocol") else "json")
    assert parse("cloudwatch", request, protocol, "GetMetricStatistics")[1] == params


def test_cloudwatch_gzip_request_compression():
    request = serialize("cloudwatch", "PutMetricData", "json", {
        "Namespace": "App", "MetricData": [{"MetricName": "m", "Value": 1.0}]})
    request = HttpRequest.build("POST", "/", list(request.headers.items()) + [
        ("Content-Encoding", "gzip")], gzip.compress(request.body_bytes()))
    assert parse("cloudwatch", request, "json", "PutMetricData")[1] == {
        "Namespace": "App", "MetricData": [{"MetricName": "m", "Value": 1.0}]}


# --- every operation of every service: botocore's serializer in, the same params out -------

class _TooDeep(Exception):
    pass


def minimal_params(shape, depth=0):
    """The smallest valid input: required members only, one item per list."""
    if depth > 30:
        raise _TooDeep()
    kind, metadata = shape.type_name, shape.metadata
    if kind == "structure":
        if shape.is_document_type:
            return {"a": [1, "b"]}
        required = shape.required_members
        if shape.is_tagged_union and not required:
            name, member = next(iter(shape.members.items()))
            return {name: minimal_params(member, depth + 1)}
        return {n: minimal_params(m, depth + 1) for n, m in shape.members.items() if n in required}
    if kind == "list":
        return [minimal_params(shape.member, depth + 1)] * max(metadata.get("min", 1), 1)
    if kind == "map":
        key = minimal_params(shape.key, depth + 1)
        keys = (shape.key.metadata.get("enum") or [key + "k" * i for i in range(10)])
        return {k: minimal_params(shape.value, depth + 1)
                for k in keys[:max(metadata.get("min", 1), 1)]}
    if kind == "string":
        return metadata["enum"][0] if metadata.get("enum") else "x" * max(metadata.get("min", 1), 1)
    return {"integer": int(metadata.get("min", 1)), "long": int(metadata.get("min", 1)),
            "float": 1.5, "double": 1.5, "boolean": True, "timestamp": WHEN,
            "blob": b"x"}[kind]


def _comparable(value):
    # Query protocols cannot carry an empty structure; streams compare by content.
    if hasattr(value, "read"):
        return value.read()
    if isinstance(value, dict):
        return {k: v for k, item in value.items()
                if (v := _comparable(item)) not in ({}, [], [{}])}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


# Operations that share method, path and query with another and cannot be told apart.
S3_ALIASES = {"GetBucketLifecycle": "GetBucketLifecycleConfiguration",
              "PutBucketLifecycle": "PutBucketLifecycleConfiguration",
              "GetBucketNotification": "GetBucketNotificationConfiguration",
              "PutBucketNotification": "PutBucketNotificationConfiguration",
              "ListDirectoryBuckets": "ListBuckets"}


@pytest.mark.parametrize("service", specs.available_services())
def test_every_operation_roundtrips(service):
    model = specs.service_model(service)
    protocols = model.metadata.get("protocols") or [model.protocol]
    router = RestRouter(model) if model.protocol.startswith("rest") else None
    for name in model.operation_names:
        operation = model.operation_model(name)
        try:
            params = minimal_params(operation.input_shape) if operation.input_shape else {}
        except _TooDeep:
            continue
        for protocol in protocols:
            request = serialize(service, name, protocol, params)
            labels = None
            if router is not None:
                routed, labels = router.match(request.method, request.path,
                                              request.query_list(), request.headers)
                assert routed.name == S3_ALIASES.get(name, name) if service == "s3" else name
            parsed = parse_request(request, operation, protocol, labels)
            for extra, member in operation.input_shape.members.items() if params else ():
                if member.serialization.get("eventstream"):  # handed over raw, unparsed
                    parsed.pop(extra, None)
                    params.pop(extra, None)
                elif extra not in params and member.serialization.get("location") in (
                        "header", "querystring"):
                    # a default header the client added (Content-Type); a query-string map
                    # also holds the parameters bound to named members
                    parsed.pop(extra, None)
            assert _comparable(parsed) == _comparable(params), (service, name, protocol)


# --- router -------------------------------------------------------------------------------

@pytest.mark.parametrize("method, url, headers, expected, labels", [
    ("GET", "/b?list-type=2", {}, "ListObjectsV2", {"Bucket": "b"}),
    ("GET", "/b", {}, "ListObjects", {"Bucket": "b"}),
    ("GET", "/b/", {}, "ListObjects", {"Bucket": "b"}),
    ("GET", "/b/dir/key%20x", {}, "GetObject", {"Bucket": "b", "Key": "dir/key x"}),
    ("GET", "/b/key/", {}, "GetObject", {"Bucket": "b", "Key": "key/"}),
    ("PUT", "/b/k", {"x-amz-copy-source": "s/k"}, "CopyObject", {"Bucket": "b", "Key": "k"}),
    ("PUT", "/b/k", {}, "PutObject", {"Bucket": "b", "Key": "k"}),
    ("PUT", "/b/k?partNumber=1&uploadId=u", {}, "UploadPart", {"Bucket": "b", "Key": "k"}),
    ("PUT", "/b/k?partNumber=1&uploadId=u", {"X-Amz-Copy-Source": "s/k"}, "UploadPartCopy",
     {"Bucket": "b", "Key": "k"}),
    ("GET", "/b/k?uploadId=u", {}, "ListParts", {"Bucket": "b", "Key": "k"}),
    ("GET", "/b/k?acl", {}, "GetObjectAcl", {"Bucket": "b", "Key": "k"}),
    ("GET", "/b/k?x-id=GetObject", {}, "GetObject", {"Bucket": "b", "Key": "k"}),
    ("POST", "/b?delete", {}, "DeleteObjects", {"Bucket": "b"}),
    ("DELETE", "/b/k?uploadId=u", {}, "AbortMultipartUpload", {"Bucket": "b", "Key": "k"}),
    ("GET", "/", {}, "ListBuckets", {}),
    ("HEAD", "/b", {}, "HeadBucket", {"Bucket": "b"}),
])
def test_s3_routes(method, url, headers, expected, labels):
    request = HttpRequest.build(method, url, headers)
    operation, found = RestRouter(specs.service_model("s3")).match(
        method, request.path, request.query_list(), request.headers)
    assert (operation.name, found) == (expected, labels)


def test_router_unknown_path_and_method():
    router = RestRouter(specs.service_model("lambda"))
    with pytest.raises(NoMatchingOperation) as info:
        router.match("PATCH", "/2015-03-31/functions/f", [])
    assert "GET" in info.value.methods
    with pytest.raises(NoMatchingOperation) as info:
        router.match("GET", "/nowhere", [])
    assert info.value.methods == []


def test_route53_and_cloudfront_routes():
    route53 = RestRouter(specs.service_model("route53"))
    assert route53.match("GET", "/2013-04-01/hostedzone/Z1/rrset", [])[0].name == \
        "ListResourceRecordSets"
    assert route53.match("POST", "/2013-04-01/hostedzone/Z1/rrset/", [])[0].name == \
        "ChangeResourceRecordSets"
    cloudfront = RestRouter(specs.service_model("cloudfront"))
    operation, labels = cloudfront.match("GET", "/2020-05-31/distribution/E1/config", [])
    assert (operation.name, labels) == ("GetDistributionConfig", {"Id": "E1"})


# --- malformed input: only AwsError, with each protocol's code ---------------------------

def _raw(service, operation, protocol, body, method="POST", url="/", headers=()):
    op = specs.operation_model(service, operation)
    request = HttpRequest.build(method, url, list(headers), body)
    labels = None
    if protocol.startswith("rest"):
        op, labels = RestRouter(specs.service_model(service)).match(
            method, request.path, request.query_list(), request.headers)
    return parse_request(request, op, protocol, labels)


@pytest.mark.parametrize("service, operation, protocol, body, code", [
    ("sqs", "SendMessage", "json", b"{not json", "SerializationException"),
    ("sqs", "SendMessage", "json", b"[1, 2]", "SerializationException"),
    ("sqs", "SendMessage", "json", b'{"DelaySeconds": "five"}', "SerializationException"),
    ("sqs", "SendMessage", "json", b'{"MessageBody": 5}', "SerializationException"),
    ("sqs", "SendMessage", "json", b'{"MessageBody": {"a": 1}}', "SerializationException"),
    ("dynamodb", "PutItem", "json", b'{"Item": {"k": {"B": "!!notbase64"}}}',
     "SerializationException"),
    ("dynamodb", "Query", "json", b'{"Limit": 99999999999}', "SerializationException"),
    ("dynamodb", "Scan", "json", b"\xff\xfe", "SerializationException"),
    ("cloudwatch", "ListMetrics", "smithy-rpc-v2-cbor", b"\xbf\x61", "SerializationException"),
    ("cloudwatch", "ListMetrics", "smithy-rpc-v2-cbor", b"\x82\x01\x02", "SerializationException"),
    ("cloudwatch", "GetMetricData", "smithy-rpc-v2-cbor", b"\xa1\x69StartTime\x63abc",
     "SerializationException"),
    ("iam", "ListUsers", "query", b"Action=ListUsers&MaxItems=abc", "ValidationError"),
    ("sts", "GetSessionToken", "query", b"DurationSeconds=1.5", "ValidationError"),
    ("sqs", "ReceiveMessage", "query", b"QueueUrl=q&WaitTimeSeconds=x", "ValidationError"),
    ("iam", "ListUsers", "query", b"MaxItems=\xff", "MalformedQueryString"),
    ("ec2", "DescribeInstances", "ec2", b"MaxResults=many", "InvalidParameterValue"),
    ("ec2", "DescribeInstances", "ec2", b"DryRun=maybe", "InvalidParameterValue"),
])
def test_malformed_rpc_bodies(service, operation, protocol, body, code):
    with pytest.raises(AwsError) as info:
        _raw(service, operation, protocol, body)
    assert info.value.code == code


def test_query_validation_error_wording():
    with pytest.raises(AwsError) as info:
        _raw("iam", "ListUsers", "query", b"MaxItems=abc")
    assert info.value.message == ("1 validation error detected: Value 'abc' at 'maxItems' failed "
                                  "to satisfy constraint: Member must be a valid Integer")


@pytest.mark.parametrize("body", [b"<Delete><Object>", b"not xml", b"<a></b>",
                                  b'<!DOCTYPE x [<!ENTITY e "e">]><Delete/>',
                                  b"<Delete><Quiet>sometimes</Quiet></Delete>"])
def test_malformed_xml(body):
    with pytest.raises(AwsError) as info:
        _raw("s3", "DeleteObjects", "rest-xml", body, url="/b?delete")
    assert info.value.code == "MalformedXML"
    assert info.value.message == ("The XML you provided was not well-formed or did not validate "
                                  "against our published schema")


def test_rest_xml_bad_query_and_header_values():
    with pytest.raises(AwsError) as info:
        _raw("s3", "ListObjectsV2", "rest-xml", b"", method="GET", url="/b?list-type=2&max-keys=x")
    assert info.value.code == "InvalidArgument"
    with pytest.raises(AwsError) as info:
        _raw("s3", "GetObject", "rest-xml", b"", method="GET", url="/b/k",
             headers=[("If-Modified-Since", "yesterday")])
    assert info.value.code == "InvalidArgument"


def test_rest_json_bad_values():
    with pytest.raises(AwsError) as info:
        _raw("lambda", "ListFunctions", "rest-json", b"", method="GET",
             url="/2015-03-31/functions/?MaxItems=lots")
    assert info.value.code == "SerializationException"
    with pytest.raises(AwsError) as info:
        _raw("lambda", "CreateFunction", "rest-json", b'{"Timeout": true}',
             url="/2015-03-31/functions")
    assert info.value.code == "SerializationException"


def test_bad_jsonvalue_header():
    # Lex runtime carries session attributes as base64 JSON in a header.
    url = "/bot/b/alias/a/user/u/content"
    for value in ("!!!", base64.b64encode(b"{not json").decode()):
        with pytest.raises(AwsError) as info:
            _raw("lex-runtime", "PostContent", "rest-json", b"", url=url,
                 headers=[("x-amz-lex-session-attributes", value),
                          ("Content-Type", "audio/l16")])
        assert info.value.code == "SerializationException"
    good = base64.b64encode(b'{"a": "1"}').decode()
    parsed = _raw("lex-runtime", "PostContent", "rest-json", b"audio", url=url,
                  headers=[("x-amz-lex-session-attributes", good), ("Content-Type", "audio/l16")])
    assert parsed["sessionAttributes"] == {"a": "1"}


def test_gzip_bomb_and_garbage():
    bomb = gzip.compress(b"{" + b" " * (MAX_INFLATED_BODY + 10) + b"}")
    for body in (bomb, b"not gzip"):
        with pytest.raises(AwsError) as info:
            _raw("cloudwatch", "PutMetricData", "json", body,
                 headers=[("Content-Encoding", "gzip")])
        assert info.value.code == "SerializationException"


def test_deep_nesting_is_a_client_error():
    # a body nested past the interpreter's recursion limit; the limit is pinned, as DynamoDB
    # raises it when it loads (its own answer is tests/services/dynamodb/test_wire.py's)
    deep = b'{"Item": {"k": {"L": [' + b'{"L": [' * 2000 + b"]}" * 2000 + b"]}}}"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        with pytest.raises(AwsError):
            _raw("dynamodb", "PutItem", "json", deep)
    finally:
        sys.setrecursionlimit(limit)


PROTOCOL_SAMPLES = [("sqs", "SendMessage", "json"), ("dynamodb", "PutItem", "json"),
                    ("cloudwatch", "PutMetricData", "smithy-rpc-v2-cbor"),
                    ("cloudwatch", "PutMetricData", "query"), ("sts", "AssumeRole", "query"),
                    ("ec2", "RunInstances", "ec2"), ("s3", "DeleteObjects", "rest-xml"),
                    ("s3", "PutBucketTagging", "rest-xml"),
                    ("lambda", "CreateFunction", "rest-json")]
_URLS = {"DeleteObjects": ("POST", "/b?delete"), "PutBucketTagging": ("PUT", "/b?tagging"),
         "CreateFunction": ("POST", "/2015-03-31/functions")}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode),
                      st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                                   lambda kids: st.lists(kids, max_size=3) | st.dictionaries(
                                       st.sampled_from(["Item", "MetricData", "Tags", "Key", "L",
                                                        "Namespace", "Value", "Code"]),
                                       kids, max_size=3), max_leaves=12).map(
                          lambda v: json.dumps(v).encode())),
       sample=st.sampled_from(PROTOCOL_SAMPLES))
def test_fuzzed_bodies_raise_only_aws_errors(body, sample):
    service, operation, protocol = sample
    try:
        method, url = _URLS.get(operation, ("POST", "/"))
        _raw(service, operation, protocol, body, method=method, url=url)
    except AwsError:
        pass


# --- helpers with edge cases ----------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1576540098", datetime.datetime(2019, 12, 16, 23, 48, 18, tzinfo=UTC)),
    ("1576540098.5", datetime.datetime(2019, 12, 16, 23, 48, 18, 500000, tzinfo=UTC)),
    ("2019-12-16T23:48:18Z", datetime.datetime(2019, 12, 16, 23, 48, 18, tzinfo=UTC)),
    ("2019-12-16T23:48:18.250+01:00",
     datetime.datetime(2019, 12, 16, 22, 48, 18, 250000, tzinfo=UTC)),
    ("Mon, 16 Dec 2019 23:48:18 GMT", datetime.datetime(2019, 12, 16, 23, 48, 18, tzinfo=UTC)),
    ("yesterday", None), ("", None), ("1e400", None),
])
def test_parse_timestamp(text, expected):
    assert parse_timestamp(text) == expected


def test_header_lists_with_quotes_and_dates():
    request = HttpRequest.build("POST", "/", {"X-StringList": '"b,c", "\\"def\\"", a',
                                              "X-TimestampList": "Mon, 16 Dec 2019 23:48:18 GMT, "
                                                                 "Tue, 17 Dec 2019 23:48:18 GMT"})
    from botocore.model import ServiceModel
    model = ServiceModel({"metadata": {"protocol": "rest-json", "apiVersion": "1"}, "shapes": {
        "In": {"type": "structure", "members": {
            "s": {"shape": "L", "location": "header", "locationName": "X-StringList"},
            "t": {"shape": "T", "location": "header", "locationName": "X-TimestampList"}}},
        "L": {"type": "list", "member": {"shape": "S"}}, "S": {"type": "string"},
        "T": {"type": "list", "member": {"shape": "D"}}, "D": {"type": "timestamp"}},
        "operations": {"Op": {"name": "Op", "http": {"method": "POST", "requestUri": "/"},
                              "input": {"shape": "In"}}}})
    parsed = parse_request(request, model.operation_model("Op"), "rest-json", {})
    assert parsed["s"] == ["b,c", '"def"', "a"]
    assert [d.day for d in parsed["t"]] == [16, 17]


# --- validation ---------------------------------------------------------------------------

def _validate(service, operation, protocol, params):
    validate(params, specs.operation_model(service, operation), protocol)


def test_validate_reports_a_list_of_strings_on_the_list():
    # a member breaking its constraints: the list, with the whole set (test_role_tag_errors);
    # once however many members break them; a map of strings likewise (Map keys / Map value)
    with pytest.raises(AwsError) as info:
        _validate("sns", "UntagResource", "query",
                  {"ResourceArn": "arn", "TagKeys": ["", "k" * 129]})
    assert info.value.message == (
        "1 validation error detected: Value '[, " + "k" * 129 + "]' at 'tagKeys' failed to "
        "satisfy constraint: Member must satisfy constraint: [Member must have length less than "
        "or equal to 128, Member must have length greater than or equal to 1]")
    with pytest.raises(AwsError) as info:
        _validate("iam", "PutAccountProperties", "query", {"Properties": {"k": ""}})
    assert info.value.message.endswith(
        "at 'properties' failed to satisfy constraint: Map value must satisfy constraint: "
        "[Member must have length less than or equal to 1024, Member must have length greater "
        "than or equal to 1]")
    # EC2 names the one value and its parameter, as before
    with pytest.raises(AwsError) as info:
        _validate("ec2", "DescribeAccountAttributes", "ec2", {"AttributeNames": ["nope"]})
    assert info.value.message == ("Value (nope) for parameter AttributeName is invalid. It must "
                                  "satisfy enum value set: [supported-platforms, default-vpc].")


def test_validate_query_and_json_wording():
    with pytest.raises(AwsError) as info:
        _validate("iam", "CreateRole", "query", {"RoleName": "r", "MaxSessionDuration": 10})
    assert info.value.code == "ValidationError"
    # IAM names the members but quotes no value (quirks.py)
    assert info.value.message == (
        "2 validation errors detected: Value at 'assumeRolePolicyDocument' failed to satisfy "
        "constraint: Member must not be null; Value at 'maxSessionDuration' failed to "
        "satisfy constraint: Member must have value greater than or equal to 3600")
    with pytest.raises(AwsError) as info:
        _validate("dynamodb", "Scan", "json", {"TableName": "t", "Limit": 0, "Select": "SOME"})
    assert info.value.code == "ValidationException"
    assert "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater " \
           "than or equal to 1" in info.value.message
    # the enum in the order AWS lists it (the DynamoDB model overlay), not the model's
    assert "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, " in info.value.message
    with pytest.raises(AwsError) as info:
        _validate("sqs", "SendMessage", "json", {"MessageBody": "x"})
    assert info.value.message == ("1 validation error detected: Value null at 'queueUrl' failed "
                                  "to satisfy constraint: Member must not be null")


def test_validate_nested_lists_and_lengths():
    with pytest.raises(AwsError) as info:
        _validate("sts", "AssumeRole", "query", {"RoleArn": "arn:aws:iam::1:role/role-name",
                                                 "RoleSessionName": "session",
                                                 "Tags": [{"Value": "v"}]})
    assert info.value.message == ("1 validation error detected: Value null at 'tags.1.member.key' "
                                  "failed to satisfy constraint: Member must not be null")
    with pytest.raises(AwsError) as info:
        _validate("lambda", "GetFunction", "rest-json", {"FunctionName": ""})
    assert "Member must have length greater than or equal to 1" in info.value.message


def test_validate_short_body_skips_bounds_it_cannot_break():
    # A recursive shape whose only bound is a long one is not walked for a short body; a
    # bound reached through the recursion (B -> A -> C) still is.
    from botocore.model import ServiceModel
    model = ServiceModel({
        "metadata": {"protocol": "json", "apiVersion": "1", "endpointPrefix": "x"},
        "operations": {"Op": {"name": "Op", "http": {"method": "POST", "requestUri": "/"},
                              "input": {"shape": "In"}}},
        "shapes": {
            "In": {"type": "structure", "members": {"a": {"shape": "A"}, "v": {"shape": "V"}}},
            "A": {"type": "structure", "members": {"b": {"shape": "B"}, "c": {"shape": "C"}}},
            "B": {"type": "structure", "members": {"a": {"shape": "A"}}},
            "C": {"type": "string", "max": 2},
            "V": {"type": "structure", "members": {"m": {"shape": "M"}}},
            "M": {"type": "map", "key": {"shape": "Name"}, "value": {"shape": "V"}},
            "Name": {"type": "string", "max": 65535}}})
    operation = model.operation_model("Op")
    deep = {"a": {"b": {"a": {"c": "long"}}}}
    for body_size in (None, 100):
        with pytest.raises(AwsError) as info:
            validate(deep, operation, "json", body_size)
        assert "at 'a.b.a.c' failed to satisfy constraint: Member must have length less than " \
               "or equal to 2" in info.value.message
    long_name = {"v": {"m": {"x": {"m": {"n" * 65536: {}}}}}}
    with pytest.raises(AwsError) as info:
        validate(long_name, operation, "json", None)
    assert "at 'v.m.x.member.m' failed" in info.value.message
    validate(long_name, operation, "json", 100)     # a body of 100 bytes cannot hold that name


def test_validate_sensitive_values_are_not_echoed():
    with pytest.raises(AwsError) as info:
        _validate("iam", "CreateLoginProfile", "query", {"Password": ""})
    assert "Value at 'password'" in info.value.message


def test_validate_ec2_style():
    with pytest.raises(AwsError) as info:
        _validate("ec2", "RunInstances", "ec2", {"MinCount": 1})
    assert (info.value.code, info.value.message) == (
        "MissingParameter", "The request must contain the parameter MaxCount")


def test_validate_rest_xml_style():
    with pytest.raises(AwsError) as info:
        _validate("s3", "DeleteObjects", "rest-xml", {"Bucket": "b"})
    assert info.value.code == "MalformedXML"
    with pytest.raises(AwsError) as info:
        _validate("s3", "DeleteObjects", "rest-xml", {"Bucket": "b", "Delete": {"Quiet": True}})
    assert info.value.code == "MalformedXML"
    with pytest.raises(AwsError) as info:
        _validate("s3", "UploadPart", "rest-xml", {"Bucket": "b", "Key": "k", "PartNumber": 1})
    assert (info.value.code, info.value.message) == (
        "InvalidRequest", "Missing required parameter for this request: uploadId")
    _validate("s3", "PutObject", "rest-xml", {"Bucket": "b", "Key": "k", "Body": io.BytesIO()})


def test_validate_accepts_valid_params():
    _validate("sqs", "SendMessage", "json", {"QueueUrl": "q", "MessageBody": "m"})
    _validate("dynamodb", "Query", "json", {"TableName": "tab", "Limit": 5})
