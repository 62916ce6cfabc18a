"""DynamoDB's HTTP front end: what it answers before any operation runs (targets, bodies, sizes,
compressed requests), and the headers, error types and compression of every answer. Raw HTTP,
since an SDK never sends most of these requests.

The facts come from AWS's answers recorded by dynalite (test/connection.js, test/listTables.js)
and ScyllaDB's Alternator suite (test/alternator/test_manual_requests.py,
test_compressed_request.py, test_compressed_response.py, test_http_headers.py), which run
against DynamoDB itself.
"""
from __future__ import annotations

import gzip
import http.client
import json
import re
import zlib

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import make_table
from tests.test_bad_input import JSON10, request, signed


def call(nuvem, target: str, body: bytes, **headers: str):
    return request(nuvem.endpoint, "POST", "/", body, signed("dynamodb", **{
        "Content-Type": JSON10, "X-Amz-Target": target, **headers}))


@pytest.mark.parametrize("target", [
    "DynamoDB_20120810.ListTable",          # no such operation
    "DynamoDB_20120810ListTables",          # no dot
    "whatever",
    "DynamoDB_20120810.",
    "Foo_20120810.ListTables",              # another prefix, DynamoDB's signing name
    "DynamoDB_20111205.ListTables",         # the 2011 API, which Nuvem does not serve
])
def test_a_target_naming_no_operation_is_unknown_operation(nuvem, target):
    # dynalite's connection.js 'incorrect target', 'incorrect target operation'; Alternator's
    # test_unknown_operation: 400 and a body that is the type alone.
    reply = call(nuvem, target, b"{}")
    assert reply.status == 400
    assert json.loads(reply.body) == {
        "__type": "com.amazon.coral.service#UnknownOperationException"}


@pytest.mark.parametrize("body", [b"", b"  \n", b"hi", b"{", b'{"Limit": 1'])
def test_a_body_that_is_empty_or_not_json_is_a_serialization_exception(nuvem, body):
    # dynalite's listTables.js 'should return 400 if no body' and connection.js 'body is
    # application/x-amz-json-1.0 but not JSON': the type alone, no message.
    reply = call(nuvem, "DynamoDB_20120810.ListTables", body)
    assert reply.status == 400
    assert json.loads(reply.body) == {"__type": "com.amazon.coral.service#SerializationException"}


@pytest.mark.parametrize("target,body,status", [
    ("DynamoDB_20120810.ListTables", b"{}", 200),
    ("DynamoDB_20120810.DescribeTable", b'{"TableName": "no-such-table"}', 400),
    ("DynamoDB_20120810.NoSuchOperation", b"{}", 400),
    ("DynamoDB_20120810.ListTables", b"", 400),
    ("DynamoDBStreams_20120810.ListStreams", b"{}", 200),
])
def test_every_answer_has_dynamodbs_request_id_and_crc32(nuvem, target, body, status):
    # dynalite's connection.js: x-amzn-requestid matches /^[0-9A-Z]{52}$/ and x-amz-crc32 is
    # the CRC32 of the body, on errors too; DynamoDB Streams' ids have the same form.
    # Alternator's test_http_headers.py: DynamoDB's answers carry a Server header ("Server").
    reply = call(nuvem, target, body)
    assert reply.status == status
    assert re.fullmatch(r"[0-9A-V]{51}[0G]", reply.headers["x-amzn-requestid"])
    if target.startswith("DynamoDB_"):
        assert reply.headers["x-amz-crc32"] == str(zlib.crc32(reply.body))
        assert reply.headers["server"] == "Server"


def test_boto3_sees_the_request_id(ddb):
    metadata = ddb.list_tables()["ResponseMetadata"]
    assert metadata["RequestId"] == metadata["HTTPHeaders"]["x-amzn-requestid"]
    assert len(metadata["RequestId"]) == 52


SIXTEEN_MB = 16 * 1024 * 1024


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_16_mb_is_413_with_no_body(nuvem, chunked):
    # Alternator's test_too_large_request_content_length and _chunked (which pass against AWS);
    # dynalite's connection.js '413 if request too large' (no body). 16 MB exactly is served.
    head, tail = b'{"TableName": "no-such-table",', b'"Item": {"p": {"S": "x"}}}'
    exact = head + b" " * (SIXTEEN_MB - len(head) - len(tail)) + tail
    for body, status in ((exact, 400), (exact + b" ", 413)):
        headers = signed("dynamodb", **{"Content-Type": JSON10,
                                        "X-Amz-Target": "DynamoDB_20120810.PutItem"})
        connection = http.client.HTTPConnection("127.0.0.1", nuvem.port, timeout=30)
        try:
            connection.request("POST", "/", body=iter([body]) if chunked else body,
                               headers=headers, encode_chunked=chunked)
            response = connection.getresponse()
            reply = response.status, response.read()
        finally:
            connection.close()
        assert reply[0] == status
        if status == 413:
            assert reply[1] == b""
        else:
            assert json.loads(reply[1])["__type"] == (
                "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException")


def test_boto3_sees_413_for_an_item_over_16_mb(ddb):
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="no-such-table", Item={"p": {"S": "x" * SIXTEEN_MB}})
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


@pytest.mark.parametrize("depth, envelope", [(33, "1 validation error detected: "), (400, ""),
                                             (2000, "")])
def test_an_item_nested_past_32_levels_is_refused_however_deep(nuvem, depth, envelope):
    # nubo-db/dynamodb-conformance's nesting cases (40 and 100 levels, against AWS): the
    # nesting limit's own words, whichever request the server saw first (the recursion limit
    # that lets the body parse is raised when DynamoDB loads, not by its first expression)
    body = (b'{"TableName": "no-such-table", "Item": {"k": ' + b'{"L": [' * depth +
            b'{"S": "x"}' + b"]}" * depth + b"}}")
    reply = call(nuvem, "DynamoDB_20120810.PutItem", body)
    assert reply.status == 400
    assert json.loads(reply.body) == {
        "__type": "com.amazon.coral.validate#ValidationException",
        "message": f"{envelope}Nesting Levels have exceeded supported limits: Attributes in the "
                   "item have nested levels beyond supported limit"}


@pytest.mark.parametrize("target,body,error_type", [
    ("DynamoDB_20120810.DescribeTable", b'{"TableName": "no-such-table"}',
     "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"),
    ("DynamoDB_20120810.ListTables", b'{"Limit": 0}', "com.amazon.coral.validate#ValidationException"),
    ("DynamoDB_20120810.ListTables", b'{"Limit": "x"}',
     "com.amazon.coral.service#SerializationException"),
])
def test_error_types_carry_their_namespace(nuvem, target, body, error_type):
    # The developer guide's error example ("com.amazonaws.dynamodb.v20120810#Provisioned
    # ThroughputExceededException"); dynalite's helpers.js and connection.js for coral's.
    reply = call(nuvem, target, body)
    assert reply.status == 400
    assert json.loads(reply.body)["__type"] == error_type


@pytest.mark.parametrize("authorization", [None, "AWS4", "  AWS4 ", "Bearer x"])
def test_a_request_without_a_signature_is_missing_its_token(nuvem, authorization):
    # dynalite's connection.js 'if no Authorization header' and 'if incomplete Authorization
    # header' ('AWS4'): 400, not the 403 of REST-JSON services, in DynamoDB's words.
    headers = {"Content-Type": JSON10, "X-Amz-Target": "DynamoDB_20120810.ListTables"}
    if authorization is not None:
        headers["Authorization"] = authorization
    reply = request(nuvem.endpoint, "POST", "/", b"{}", headers)
    assert reply.status == 400
    assert json.loads(reply.body) == {
        "__type": "com.amazon.coral.service#MissingAuthenticationTokenException",
        "message": "Request is missing Authentication Token"}


def test_an_aws4_header_names_its_missing_parameters_before_its_algorithm(nuvem):
    # dynalite's connection.js 'if Authorization header is "AWS4-"'
    reply = request(nuvem.endpoint, "POST", "/", b"{}", {
        "Content-Type": JSON10, "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Authorization": "AWS4-"})
    assert reply.status == 400
    assert json.loads(reply.body) == {
        "__type": "com.amazon.coral.service#IncompleteSignatureException",
        "message": "Authorization header requires 'Credential' parameter. Authorization header "
                   "requires 'Signature' parameter. Authorization header requires "
                   "'SignedHeaders' parameter. Authorization header requires existence of "
                   "either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-"}


def test_sdks_read_the_error_code_after_the_namespace(ddb):
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName="no-such-table")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def _put(table: str, key: str) -> bytes:
    return json.dumps({"TableName": table, "Item": {"pk": {"S": key}}}).encode()


@pytest.mark.parametrize("name,coding,compress,written", [
    ("gzip", "gzip", gzip.compress, True),
    ("two-gzips", "gzip", lambda b: gzip.compress(b[:10]) + gzip.compress(b[10:]), True),
    ("gzip-then-junk", "gzip", lambda b: gzip.compress(b) + b"junk", True),
    ("deflate", "deflate", zlib.compress, True),
    ("not-gzip", "gzip", lambda b: b, False),
    ("gzip-cut-short", "gzip", lambda b: gzip.compress(b)[:-1], False),
    ("empty-gzip", "gzip", lambda b: b"", False),
    ("empty-deflate", "deflate", lambda b: b"", False),
    ("not-deflate", "deflate", lambda b: b, False),
    ("two-deflates", "deflate", lambda b: zlib.compress(b[:10]) + zlib.compress(b[10:]), False),
    ("unknown-coding", "garbage", lambda b: b, False),
])
def test_compressed_request_bodies(nuvem, ddb, tname, name, coding, compress, written):
    # Alternator's test_compressed_request.py, run against DynamoDB: gzip (members may follow
    # one another, junk after them is ignored) and deflate bodies of any operation are
    # inflated; a body that does not inflate, or another coding, is InternalServerError (500).
    make_table(ddb, tname)
    reply = call(nuvem, "DynamoDB_20120810.PutItem", compress(_put(tname, name)),
                 **{"Content-Encoding": coding})
    assert reply.status == (200 if written else 500)
    if not written:
        assert json.loads(reply.body) == {
            "__type": "com.amazonaws.dynamodb.v20120810#InternalServerError"}
    assert ("Item" in ddb.get_item(TableName=tname, Key={"pk": {"S": name}})) == written


def test_a_compressed_body_over_16_mb_inflated_is_413(nuvem, ddb, tname):
    # DynamoDB refuses it since early 2026 (Alternator's pull request 28820, which lets
    # test_gzip_request_oversized run against AWS with another error code than Alternator's 413)
    make_table(ddb, tname)
    body = _put(tname, "big")
    body = body[:-1] + b" " * SIXTEEN_MB + body[-1:]
    reply = call(nuvem, "DynamoDB_20120810.PutItem", gzip.compress(body),
                 **{"Content-Encoding": "gzip"})
    assert reply.status == 413
    assert "Item" not in ddb.get_item(TableName=tname, Key={"pk": {"S": "big"}})


@pytest.mark.parametrize("accept,coding", [
    ("gzip", "gzip"), ("deflate", "deflate"), ("gzip, deflate", "gzip"),
    ("br, identity, deflate, gzip", "deflate"), ("*, deflate", "deflate"),
    ("*, gzip;q=0.5", "deflate"), ("deflate;q=0.5, gzip;q=0.x", "gzip"),
    ("identity", None), ("br", None), ("gzip;q=0", None), ("*;q=0", None), ('"gzip"', None),
])
def test_answers_of_4_kb_are_compressed_as_the_client_accepts(nuvem, ddb, tname, accept, coding):
    # Alternator's test_compressed_response.py, run against DynamoDB: 4 KiB or more, gzip or
    # deflate as Accept-Encoding chooses; the CRC32 is the compressed body's (smithy-rs issue
    # 129). An answer under 4 KiB goes as it is.
    make_table(ddb, tname)
    ddb.put_item(TableName=tname, Item={"pk": {"S": "k"}, "x": {"S": "x" * 4096}})
    get = json.dumps({"TableName": tname, "Key": {"pk": {"S": "k"}}}).encode()
    reply = call(nuvem, "DynamoDB_20120810.GetItem", get, **{"Accept-Encoding": accept})
    assert reply.status == 200
    assert reply.headers.get("content-encoding") == coding
    assert reply.headers["x-amz-crc32"] == str(zlib.crc32(reply.body))
    inflate = {"gzip": gzip.decompress, "deflate": zlib.decompress, None: bytes}[coding]
    assert json.loads(inflate(reply.body))["Item"]["x"] == {"S": "x" * 4096}
    small = json.dumps({"TableName": tname, "Key": {"pk": {"S": "k"}},
                        "ProjectionExpression": "pk"}).encode()
    reply = call(nuvem, "DynamoDB_20120810.GetItem", small, **{"Accept-Encoding": accept})
    assert "content-encoding" not in reply.headers
