"""Our serializers against REAL models, read back by real botocore clients.

A client's `before-send` hook answers each call with the HttpResponse we serialized, so the whole
client path runs: response parsing, modelled exception classes, error codes and HTTP status.
Other protocols of a service (CloudWatch's json and query) are read with botocore's parser.
"""
from __future__ import annotations

import io
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import cbor2
import pytest
from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.parsers import create_parser

from nuvem.errors import AwsError, InternalFailure
from nuvem.protocol import quirks, specs
from nuvem.protocol.serializers import SerializationError, serialize_error, serialize_response
from nuvem.protocol.serializers_xml import Rows

RID = "req-0123"
UTC = timezone.utc


class _Raw(io.BytesIO):
    """The raw body botocore reads: .stream() for content, .read() for streaming payloads."""

    def stream(self, **_):
        yield self.getvalue()


def _bytes(body) -> bytes:
    return body if isinstance(body, bytes) else b"".join(body)


def client_for(service: str, response):
    """A real botocore client whose every call is answered with `response` (an HttpResponse)."""
    client = boto3.session.Session().client(
        service, region_name="us-east-1", endpoint_url="http://nuvem.test",
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}))

    def send(request, **_):
        return AWSResponse(request.url, response.status, HeadersDict(response.headers),
                           _Raw(_bytes(response.body)))
    client.meta.events.register("before-send", send)
    return client


def ok(service: str, operation: str, result: dict, protocol: str | None = None):
    model = specs.service_model(service)
    return serialize_response(result, model.operation_model(operation), protocol or model.protocol,
                              RID, strict=True)


def fail(service: str, error: AwsError, protocol: str | None = None, **kw):
    model = specs.service_model(service)
    return serialize_error(error, model, protocol or model.protocol, RID, strict=True, **kw)


def parse(service: str, operation: str, response, protocol: str) -> dict:
    shape = specs.service_model(service).operation_model(operation).output_shape
    return create_parser(protocol).parse(
        {"status_code": response.status, "headers": HeadersDict(response.headers),
         "body": _bytes(response.body)}, shape)


# --- query and ec2 ------------------------------------------------------------------------------

def test_sts_get_caller_identity_query():
    result = {"UserId": "AIDAEXAMPLE", "Account": "123456789012",
              "Arn": "arn:aws:iam::123456789012:user/alice"}
    response = ok("sts", "GetCallerIdentity", result)
    assert response.header("Content-Type") == "text/xml"
    assert response.body.startswith(
        b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">')
    got = client_for("sts", response).get_caller_identity()
    assert got["ResponseMetadata"]["RequestId"] == RID
    assert {k: got[k] for k in result} == result


def test_sts_error_query():
    response = fail("sts", AwsError("Role is not assumable", code="AccessDenied", status=403))
    assert b"<Type>Sender</Type><Code>AccessDenied</Code>" in response.body
    with pytest.raises(ClientError) as caught:
        client_for("sts", response).get_caller_identity()
    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    assert error["ResponseMetadata"]["RequestId"] == RID


def test_ec2_describe_regions():
    regions = [{"RegionName": "us-east-1", "Endpoint": "ec2.us-east-1.amazonaws.com",
                "OptInStatus": "opt-in-not-required"},
               {"RegionName": "eu-west-1", "Endpoint": "ec2.eu-west-1.amazonaws.com",
                "OptInStatus": "opt-in-not-required"}]
    response = ok("ec2", "DescribeRegions", {"Regions": regions})
    assert re.match(rb'<\?xml[^>]*\?>'
                    rb'<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15">'
                    rb"<requestId>req-0123</requestId><regionInfo><item><optInStatus>opt-in-not-required<",
                    response.body)
    got = client_for("ec2", response).describe_regions()
    assert got["Regions"] == regions
    assert got["ResponseMetadata"]["RequestId"] == RID


def test_ec2_timestamps_always_carry_milliseconds():
    """The EC2 quirk: <createTime>2024-05-01T12:00:00.000Z</createTime>."""
    created = datetime(2024, 5, 1, 12, 0, 0)
    response = ok("ec2", "DescribeKeyPairs", {"KeyPairs": [{"KeyName": "k", "CreateTime": created}]})
    assert b"<createTime>2024-05-01T12:00:00.000Z</createTime>" in response.body
    got = client_for("ec2", response).describe_key_pairs()
    assert got["KeyPairs"][0]["CreateTime"] == created.replace(tzinfo=UTC)


def test_ec2_error():
    response = fail("ec2", AwsError("The key pair 'k' does not exist", code="InvalidKeyPair.NotFound"))
    assert b"<Response><Errors><Error><Code>InvalidKeyPair.NotFound</Code>" in response.body
    assert b"<RequestID>req-0123</RequestID>" in response.body
    with pytest.raises(ClientError) as caught:
        client_for("ec2", response).describe_key_pairs()
    assert caught.value.response["Error"]["Code"] == "InvalidKeyPair.NotFound"
    assert caught.value.response["ResponseMetadata"]["RequestId"] == RID


def test_iso8601_fraction_only_when_not_zero():
    model = specs.service_model("sts")
    operation = model.operation_model("GetSessionToken")
    creds = {"AccessKeyId": "AKID", "SecretAccessKey": "s", "SessionToken": "t"}
    whole = serialize_response({"Credentials": {**creds, "Expiration": datetime(2030, 1, 2, 3, 4, 5)}},
                               operation, "query", RID)
    assert b"<Expiration>2030-01-02T03:04:05Z</Expiration>" in whole.body
    aware = datetime(2030, 1, 2, 4, 4, 5, 359000, tzinfo=timezone(timedelta(hours=1)))
    fraction = serialize_response({"Credentials": {**creds, "Expiration": aware}}, operation, "query", RID)
    assert b"<Expiration>2030-01-02T03:04:05.359Z</Expiration>" in fraction.body
    epoch = serialize_response({"Credentials": {**creds, "Expiration": 1893553445}}, operation, "query", RID)
    assert b"<Expiration>2030-01-02T03:04:05Z</Expiration>" in epoch.body
    # under a millisecond is no fraction; years below 1000 keep four digits
    for value, text in ((datetime(2030, 1, 2, 3, 4, 5, 999), b"2030-01-02T03:04:05Z"),
                        (datetime(2030, 1, 2, 3, 4, 5, 7000), b"2030-01-02T03:04:05.007Z"),
                        (datetime(987, 6, 5, 4, 3, 2), b"0987-06-05T04:03:02Z")):
        got = serialize_response({"Credentials": {**creds, "Expiration": value}}, operation, "query", RID)
        assert b"<Expiration>" + text + b"</Expiration>" in got.body


def test_a_timestamp_given_as_iso_text_is_written_as_its_datetime():
    """A stored timestamp's `isoformat()` text passed on as it is (S3 listings) reads exactly as
    the datetime would, with and without the always-milliseconds quirk; other ISO text is parsed;
    text that is no time is a mismatch."""
    sts = specs.service_model("sts").operation_model("GetSessionToken")
    ec2 = specs.service_model("ec2").operation_model("DescribeKeyPairs")
    creds = {"AccessKeyId": "AKID", "SecretAccessKey": "s", "SessionToken": "t"}
    for value in (datetime(2030, 1, 2, 3, 4, 5, 359123, tzinfo=UTC),
                  datetime(2030, 1, 2, 3, 4, 5, 999, tzinfo=UTC),
                  datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
                  datetime(987, 6, 5, 4, 3, 2, 7000, tzinfo=UTC),
                  datetime(2030, 1, 2, 4, 4, 5, 359000, tzinfo=timezone(timedelta(hours=1))),
                  datetime(2030, 1, 2, 3, 4, 5, 1000)):
        for operation, protocol, result in (
                (sts, "query", lambda v: {"Credentials": {**creds, "Expiration": v}}),
                (ec2, "ec2", lambda v: {"KeyPairs": [{"KeyName": "k", "CreateTime": v}]})):
            as_text = serialize_response(result(value.isoformat()), operation, protocol, RID,
                                         strict=True)
            assert as_text.body == serialize_response(result(value), operation, protocol,
                                                      RID).body, (value, protocol)
    with pytest.raises(SerializationError, match="expected datetime, ISO 8601 text"):
        ok("sts", "GetSessionToken", {"Credentials": {**creds, "Expiration": "soon"}})


def test_rows_write_what_their_dicts_would():
    """`Rows`: a list of structures as tuples of some members' values, in any order, None for a
    member not set, positions named None skipped; written as the same items given as dicts (also
    a structure with attribute members, and values of another type, which take the writers'
    usual coercions)."""
    s3 = specs.service_model("s3")
    names = ("Size", "Key", None, "LastModified", "ChecksumAlgorithm", "Owner", "StorageClass")
    rows = Rows(names, [(1, "a&b", "x", "2030-01-02T03:04:05.359123+00:00", ["CRC32"], None,
                         "STANDARD"),
                        (2, "c", 7, datetime(2030, 1, 2, tzinfo=UTC), None, {"ID": "o"},
                         "GLACIER"),
                        (None, "d", None, None, ["SHA1", "CRC32"], None, "not-a-class"),
                        (3, "e", None, "2030-01-02T03:04:05+00:00", None, None, "GLACIER")])
    listing = s3.operation_model("ListObjectsV2")
    got = serialize_response({"Name": "b", "Contents": rows}, listing, "rest-xml", RID, strict=True)
    assert got.body == serialize_response({"Name": "b", "Contents": rows.dicts()}, listing,
                                          "rest-xml", RID, strict=True).body
    assert b"<Contents><Key>a&amp;b</Key><LastModified>2030-01-02T03:04:05.359Z</LastModified>" \
           b"<ChecksumAlgorithm>CRC32</ChecksumAlgorithm><Size>1</Size>" in got.body
    parsed = client_for("s3", got).list_objects_v2(Bucket="b")["Contents"]
    assert [(c["Key"], c.get("Size")) for c in parsed] == [("a&b", 1), ("c", 2), ("d", None),
                                                          ("e", 3)]
    acl = s3.operation_model("GetObjectAcl")
    grants = Rows(("Permission", "Grantee"), [("READ", {"Type": "CanonicalUser", "ID": "x"})])
    assert serialize_response({"Grants": grants}, acl, "rest-xml", RID).body == \
        serialize_response({"Grants": grants.dicts()}, acl, "rest-xml", RID).body
    with pytest.raises(SerializationError, match="no member 'Bogus'"):
        serialize_response({"Contents": Rows(("Key", "Bogus"), [("k", 1)])}, listing, "rest-xml",
                           RID, strict=True)


def test_rows_pages_checked_whole_write_what_their_dicts_would():
    """A page whose keys need no escaping and whose timestamps are all stored UTC times with
    microseconds is written without a call per value; a page where one does not is written value
    by value. Either way as the dicts would be, a time with milliseconds .000 without them."""
    s3 = specs.service_model("s3")
    listing = s3.operation_model("ListObjectsV2")
    names = ("Key", "LastModified", "ETag", "Size")
    stamps = ["2030-01-02T03:04:05.359123+00:00", "2030-01-02T03:04:06.000123+00:00",
              "2030-01-02T03:04:07.100000+00:00"]
    pages = {"plain": [(f"k{i}", stamp, '"e"', i) for i, stamp in enumerate(stamps)]}
    pages["escaped key"] = pages["plain"] + [("a<b", stamps[0], '"e"', 9)]
    pages["other time"] = pages["plain"] + [("k", "2030-01-02T03:04:05+00:00", '"e"', 9)]
    # two values that would line up as whole times once joined with line ends
    pages["line end"] = [("x", stamps[0] + "\n" + stamps[1][:5], '"e"', 7),
                         ("y", stamps[1][6:], '"e"', 8)] + pages["plain"]
    for name, page in pages.items():
        rows = Rows(names, page)
        got = serialize_response({"Contents": rows}, listing, "rest-xml", RID)
        assert got.body == serialize_response({"Contents": rows.dicts()}, listing, "rest-xml",
                                              RID).body, name
        assert b"<LastModified>2030-01-02T03:04:05.359Z</LastModified>" in got.body
        assert b"<LastModified>2030-01-02T03:04:06Z</LastModified>" in got.body
    assert b"<Key>a&lt;b</Key>" in serialize_response(
        {"Contents": Rows(names, pages["escaped key"])}, listing, "rest-xml", RID).body


# --- json: SQS (query-compatible) and DynamoDB --------------------------------------------------

def test_sqs_get_queue_url_json():
    url = "http://sqs.us-east-1.nuvem.test/123456789012/jobs"
    response = ok("sqs", "GetQueueUrl", {"QueueUrl": url})
    assert response.header("Content-Type") == "application/x-amz-json-1.0"
    assert response.header("x-amzn-RequestId") == RID
    assert response.body == b'{"QueueUrl":"' + url.encode() + b'"}'
    assert client_for("sqs", response).get_queue_url(QueueName="jobs")["QueueUrl"] == url


def test_sqs_queue_does_not_exist_is_query_compatible():
    error = AwsError("The specified queue does not exist.", code="QueueDoesNotExist")
    response = fail("sqs", error)
    assert response.status == 400
    assert response.header("x-amzn-query-error") == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    assert response.body == b'{"__type":"QueueDoesNotExist","message":"The specified queue does not exist."}'
    with pytest.raises(ClientError) as caught:
        client_for("sqs", response).get_queue_url(QueueName="nope")
    got = caught.value.response
    assert got["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert got["Error"]["Message"] == "The specified queue does not exist."
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_sqs_query_protocol_uses_overlay_wrapper_namespace_and_query_code():
    url = "http://sqs.us-east-1.nuvem.test/123456789012/jobs"
    response = ok("sqs", "GetQueueUrl", {"QueueUrl": url}, protocol="query")
    assert response.body.startswith(
        b'<GetQueueUrlResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">'
        b"<GetQueueUrlResult><QueueUrl>")
    assert parse("sqs", "GetQueueUrl", response, "query")["QueueUrl"] == url
    error = fail("sqs", AwsError("gone", code="QueueDoesNotExist"), protocol="query")
    parsed = create_parser("query").parse({"status_code": error.status, "headers": HeadersDict(error.headers),
                                           "body": error.body}, None)
    assert parsed["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert error.status == 400


def test_handler_may_raise_with_the_query_code():
    response = fail("sqs", AwsError("gone", code="AWS.SimpleQueueService.NonExistentQueue"))
    assert response.header("x-amzn-ErrorType") == "QueueDoesNotExist"
    assert response.header("x-amzn-query-error") == "AWS.SimpleQueueService.NonExistentQueue;Sender"


def test_dynamodb_describe_table_and_get_item():
    created = datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=UTC)
    table = {"TableName": "t", "TableStatus": "ACTIVE", "CreationDateTime": created, "ItemCount": 2,
             "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}
    response = ok("dynamodb", "DescribeTable", {"Table": table})
    assert b'"CreationDateTime":1704164645.25' in response.body  # epoch seconds in JSON bodies
    got = client_for("dynamodb", response).describe_table(TableName="t")["Table"]
    assert got == table
    item = {"pk": {"S": "a"}, "n": {"N": "1.5"}, "b": {"B": b"\x00\xff"}, "l": {"L": [{"BOOL": True}]}}
    response = ok("dynamodb", "GetItem", {"Item": item})
    assert client_for("dynamodb", response).get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"] == item


def test_dynamodb_modelled_error_raises_its_exception_class():
    response = fail("dynamodb", AwsError("Requested resource not found", code="ResourceNotFoundException"))
    client = client_for("dynamodb", response)
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.describe_table(TableName="t")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert caught.value.response["Error"]["Message"] == "Requested resource not found"


def test_dynamodb_responses_carry_the_crc32_of_their_body():
    import zlib
    for response in (ok("dynamodb", "ListTables", {"TableNames": ["a", "b"]}),
                     fail("dynamodb", AwsError("Requested resource not found",
                                               code="ResourceNotFoundException"))):
        assert response.header("x-amz-crc32") == str(zlib.crc32(response.body))
    assert ok("sqs", "GetQueueUrl", {"QueueUrl": "u"}).header("x-amz-crc32") is None


# --- rest-xml: S3 ---------------------------------------------------------------------------------

def test_s3_list_objects_v2():
    modified = datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC)
    result = {"IsTruncated": False, "Name": "bucket", "Prefix": "", "KeyCount": 2, "MaxKeys": 1000,
              "Contents": [{"Key": "a.txt", "LastModified": modified, "ETag": '"abc"', "Size": 3,
                            "StorageClass": "STANDARD"},
                           {"Key": "b & <c>.txt", "LastModified": modified, "ETag": '"def"', "Size": 0,
                            "StorageClass": "STANDARD"}]}
    response = ok("s3", "ListObjectsV2", result)
    # S3's declaration ends its line (LocalStack's AWS-validated test_response_structure); the
    # bucket's name comes first and the objects after every scalar, as S3 writes them (an S3
    # listing quoted in botocore's tests): Java SDK v1 names each object's bucket as it reads it
    assert response.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n'
                                    b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                                    b'<Name>bucket</Name><Prefix></Prefix><KeyCount>2</KeyCount>'
                                    b'<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>'
                                    b'<Contents>')
    assert response.header("x-amz-request-id") == RID and response.header("x-amz-id-2")
    got = client_for("s3", response).list_objects_v2(Bucket="bucket")
    assert {k: got[k] for k in result} == result
    assert got["ResponseMetadata"]["RequestId"] == RID
    assert got["ResponseMetadata"]["HostId"] == quirks.host_id(RID)


@pytest.mark.parametrize("operation,result,root", [
    ("ListObjectsV2", {"Name": "b"}, "ListBucketResult"),
    ("CreateMultipartUpload", {"Bucket": "b", "Key": "k", "UploadId": "u"}, "InitiateMultipartUploadResult"),
    ("CompleteMultipartUpload", {"Bucket": "b", "Key": "k", "ETag": '"e"'}, "CompleteMultipartUploadResult"),
    ("ListBuckets", {"Buckets": [{"Name": "b"}]}, "ListAllMyBucketsResult"),
    ("DeleteObjects", {"Deleted": [{"Key": "k"}]}, "DeleteResult"),
    ("GetObjectTagging", {"TagSet": [{"Key": "a", "Value": "b"}]}, "Tagging"),
    ("GetObjectRetention", {"Retention": {"Mode": "GOVERNANCE"}}, "Retention"),  # a payload
])
def test_s3_root_elements_come_from_the_overlay(operation, result, root):
    response = ok("s3", operation, result)
    namespace = b' xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    assert re.match(rb"<\?xml[^>]*\?>\n<" + root.encode() + namespace, response.body), response.body
    assert response.body.endswith(f"</{root}>".encode())


def test_s3_list_buckets_gives_the_owner_before_the_buckets():
    # LocalStack's AWS-validated test_response_structure (Java SDK v1 gives each bucket the owner
    # read before it)
    response = ok("s3", "ListBuckets", {"Buckets": [{"Name": "b"}], "Owner": {"ID": "abc"}})
    assert b'<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner>' \
        in response.body


def test_s3_acl_grantee_declares_its_xsi_prefix():
    grant = {"Grantee": {"ID": "abc", "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}
    response = ok("s3", "GetBucketAcl", {"Owner": {"ID": "abc"}, "Grants": [grant]})
    assert (b'<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">'
            in response.body)
    assert client_for("s3", response).get_bucket_acl(Bucket="b")["Grants"] == [grant]


def test_s3_no_such_key_error():
    error = AwsError("The specified key does not exist.", code="NoSuchKey", Key="a/b.txt")
    response = fail("s3", error)
    assert response.status == 404
    assert response.body == (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
                             b"<Message>The specified key does not exist.</Message><Key>a/b.txt</Key>"
                             b"<RequestId>req-0123</RequestId><HostId>" + quirks.host_id(RID).encode()
                             + b"</HostId></Error>")
    client = client_for("s3", response)
    with pytest.raises(client.exceptions.NoSuchKey) as caught:
        client.get_object(Bucket="b", Key="a/b.txt")
    got = caught.value.response
    assert got["Error"]["Key"] == "a/b.txt"
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert got["ResponseMetadata"]["RequestId"] == RID


def test_s3control_error_has_s3_ids_and_no_type():
    error = AwsError("The specified accesspoint does not exist", code="NoSuchAccessPoint",
                     status=404, AccessPointName="ap")
    response = fail("s3control", error)
    assert response.body == (b'<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error>'
                             b"<Code>NoSuchAccessPoint</Code>"
                             b"<Message>The specified accesspoint does not exist</Message>"
                             b"<AccessPointName>ap</AccessPointName></Error>"
                             b"<RequestId>req-0123</RequestId><HostId>"
                             + quirks.host_id(RID).encode() + b"</HostId></ErrorResponse>")
    assert response.header("x-amz-request-id") == RID and response.header("x-amz-id-2")


def test_s3_get_bucket_location_is_a_text_root():
    response = ok("s3", "GetBucketLocation", {"LocationConstraint": "eu-west-1"})
    assert response.body.endswith(b'<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                                  b"eu-west-1</LocationConstraint>")
    got = client_for("s3", response).get_bucket_location(Bucket="b")
    assert got["LocationConstraint"] == "eu-west-1"


def test_s3_get_object_headers_and_streamed_body():
    chunks_sent = []

    def chunks():
        for chunk in (b"hello ", b"world"):
            chunks_sent.append(chunk)
            yield chunk
    modified = datetime(2024, 3, 4, 5, 6, 7)
    result = {"Body": chunks(), "ContentType": "text/plain", "ContentLength": 11, "ETag": '"e"',
              "LastModified": modified, "Metadata": {"owner": "alice"}, "TagCount": 2}
    response = ok("s3", "GetObject", result)
    assert chunks_sent == [], "a streamed payload is not read while serializing"
    headers = dict(response.headers)
    assert headers["Content-Type"] == "text/plain"  # the member, not the default octet-stream
    assert headers["Last-Modified"] == "Mon, 04 Mar 2024 05:06:07 GMT"
    assert headers["x-amz-meta-owner"] == "alice" and headers["x-amz-tagging-count"] == "2"
    got = client_for("s3", response).get_object(Bucket="b", Key="k")
    assert got["Body"].read() == b"hello world"
    assert got["Metadata"] == {"owner": "alice"}
    assert got["LastModified"] == modified.replace(tzinfo=UTC)


def test_s3_file_like_body_is_read_in_chunks_and_closed():
    stream = io.BytesIO(b"x" * 200_000)
    response = ok("s3", "GetObject", {"Body": stream})
    assert not stream.closed
    pieces = list(response.body)
    assert len(pieces) > 1 and b"".join(pieces) == b"x" * 200_000
    assert stream.closed


def test_s3_select_event_stream_is_encoded_lazily():
    produced = []

    def events():
        produced.append("records")
        yield {"Records": {"Payload": b"a,b\n"}}
        yield {"Stats": {"Details": {"BytesScanned": 10, "BytesProcessed": 10, "BytesReturned": 4}}}
        yield {"End": {}}
    response = ok("s3", "SelectObjectContent", {"Payload": events()})
    assert produced == [] and response.header("Content-Type") == "application/vnd.amazon.eventstream"
    got = client_for("s3", response).select_object_content(
        Bucket="b", Key="k", Expression="select * from s3object", ExpressionType="SQL",
        InputSerialization={"CSV": {}}, OutputSerialization={"CSV": {}})
    assert list(got["Payload"]) == [
        {"Records": {"Payload": b"a,b\n"}},
        {"Stats": {"Details": {"BytesScanned": 10, "BytesProcessed": 10, "BytesReturned": 4}}},
        {"End": {}},
    ]


# --- smithy-rpc-v2-cbor, json and query: CloudWatch -------------------------------------------------

METRIC_RESULT = {"MetricDataResults": [{"Id": "m1", "Label": "CPU", "StatusCode": "Complete",
                                         "Timestamps": [datetime(2024, 1, 1, 0, 5, tzinfo=UTC)],
                                         "Values": [42.5]}],
                 "Messages": []}


@pytest.mark.parametrize("protocol", ["smithy-rpc-v2-cbor", "json", "query"])
def test_cloudwatch_get_metric_data_in_each_protocol(protocol):
    response = ok("cloudwatch", "GetMetricData", METRIC_RESULT, protocol=protocol)
    parsed = parse("cloudwatch", "GetMetricData", response, protocol)
    assert parsed["MetricDataResults"] == METRIC_RESULT["MetricDataResults"]
    if protocol == "smithy-rpc-v2-cbor":
        assert response.header("Smithy-Protocol") == "rpc-v2-cbor"
        stamp = cbor2.loads(response.body)["MetricDataResults"][0]["Timestamps"][0]
        assert stamp == datetime(2024, 1, 1, 0, 5, tzinfo=UTC)  # tag 1, decoded by cbor2


def test_cloudwatch_client_reads_the_protocol_it_speaks():
    protocol = client_for("cloudwatch", None).meta.service_model.resolved_protocol
    response = ok("cloudwatch", "GetMetricData", METRIC_RESULT, protocol=protocol)
    got = client_for("cloudwatch", response).get_metric_data(
        MetricDataQueries=[{"Id": "m1", "Expression": "1"}], StartTime=datetime(2024, 1, 1),
        EndTime=datetime(2024, 1, 2))
    assert got["MetricDataResults"] == METRIC_RESULT["MetricDataResults"]


def test_cloudwatch_query_code_and_status_follow_query_mode():
    error = AwsError("Dashboard does not exist", code="DashboardNotFoundError")
    cbor = fail("cloudwatch", error, protocol="smithy-rpc-v2-cbor")
    assert cbor.header("x-amzn-query-error") == "ResourceNotFound;Sender"
    assert cbor2.loads(cbor.body)["__type"] == "DashboardNotFoundError"
    assert cbor.status == 400  # the awsQueryError's 404 belongs to the query protocol...
    queried = fail("cloudwatch", error, protocol="smithy-rpc-v2-cbor", query_mode=True)
    assert queried.status == 404  # ...which a client in query mode expects
    query = fail("cloudwatch", error, protocol="query")
    assert (query.status, b"<Code>ResourceNotFound</Code>" in query.body) == (404, True)
    # The client (which sends x-amzn-query-mode) reports the query code, in whichever protocol it speaks.
    protocol = client_for("cloudwatch", None).meta.service_model.resolved_protocol
    with pytest.raises(ClientError) as caught:
        client_for("cloudwatch", fail("cloudwatch", error, protocol=protocol, query_mode=True)).get_dashboard(
            DashboardName="d")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFound"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# --- error rules, strictness, leniency ------------------------------------------------------------

def test_error_status_comes_from_the_shape_unless_the_error_sets_one():
    assert fail("s3", AwsError("x", code="NoSuchBucket")).status == 404

    class Conflict(AwsError):
        code, status = "NoSuchBucket", 409
    assert fail("s3", Conflict("x")).status == 409
    assert fail("s3", AwsError("x", code="NoSuchBucket", status=410)).status == 410


def test_unknown_error_codes_still_serialize():
    for protocol in ("query", "ec2", "json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor"):
        response = fail("dynamodb", AwsError("slow down", code="ThrottlingException", status=429),
                        protocol=protocol)
        assert response.status == 429
        parsed = create_parser(protocol).parse({"status_code": 429, "headers": HeadersDict(response.headers),
                                                "body": response.body}, None)
        assert (parsed["Error"]["Code"], parsed["Error"]["Message"]) == ("ThrottlingException", "slow down")


def test_internal_failure_is_a_receiver_fault():
    response = fail("sts", InternalFailure())
    assert response.status == 500 and b"<Type>Receiver</Type><Code>InternalFailure</Code>" in response.body


def test_strict_mode_catches_handler_drift():
    with pytest.raises(SerializationError, match="no member 'QueueURL'"):
        ok("sqs", "GetQueueUrl", {"QueueURL": "x"})
    with pytest.raises(SerializationError, match="expected int"):
        ok("dynamodb", "DescribeTable", {"Table": {"ItemCount": "2"}})
    with pytest.raises(SerializationError, match="expected datetime"):
        ok("sts", "GetSessionToken", {"Credentials": {"Expiration": object()}})


def test_lenient_mode_drops_and_coerces_and_never_raises():
    operation = specs.service_model("dynamodb").operation_model("DescribeTable")
    response = serialize_response({"Table": {"ItemCount": "2", "Bogus": 1}}, operation, "json", RID)
    assert response.status == 200 and response.body == b'{"Table":{"ItemCount":2}}'
    broken = serialize_response({"Table": {"ItemCount": "many"}}, operation, "json", RID)
    assert broken.status == 500 and b"InternalFailure" in broken.body
    odd = serialize_error(AwsError("x", code="ValidationException", Detail=object()),
                          specs.service_model("dynamodb"), "json", RID)
    assert odd.status == 400 and b"ValidationException" in odd.body


def test_no_service_names_in_the_generic_code():
    """Quirks come from the table in quirks.py, never from `if service == ...` in the codec."""
    protocol_dir = Path(specs.__file__).parent
    for name in ("serializers.py", "serializers_values.py", "serializers_xml.py", "serializers_events.py"):
        source = (protocol_dir / name).read_text()
        # ("ec2" is also a protocol name, so it is the one service name allowed to appear.)
        assert not re.search(r"""["'](s3|sqs|sts|iam|sns|cloudwatch|dynamodb|lambda)["']""", source), name


def test_a_simple_response_serializes_in_well_under_100_microseconds():
    operation = specs.service_model("sqs").operation_model("GetQueueUrl")
    serialize_response({"QueueUrl": "u"}, operation, "json", RID)  # warm the model caches
    runs = 2000
    started = time.perf_counter()
    for _ in range(runs):
        serialize_response({"QueueUrl": "http://sqs.test/123456789012/q"}, operation, "json", RID)
    per_call = (time.perf_counter() - started) / runs
    assert per_call < 100e-6, f"{per_call * 1e6:.1f} µs per response"


def test_rest_json_204_carries_no_body():
    response = ok("lambda", "DeleteCodeSigningConfig", {})
    assert (response.status, response.body, response.header("Content-Type")) == (204, b"", None)
    assert ok("lambda", "GetAccountSettings", {}).body == b"{}"


def test_json_event_stream_with_initial_response_and_an_exception_event():
    from botocore.exceptions import EventStreamError
    record = {"Data": b"payload", "PartitionKey": "p", "SequenceNumber": "1",
              "ApproximateArrivalTimestamp": datetime(2024, 1, 1, tzinfo=UTC)}
    events = [{"SubscribeToShardEvent": {"Records": [record], "ContinuationSequenceNumber": "1",
                                         "MillisBehindLatest": 0}},
              {"ResourceNotFoundException": {"message": "stream deleted"}}]
    response = ok("kinesis", "SubscribeToShard", {"EventStream": events})
    got = client_for("kinesis", response).subscribe_to_shard(
        ConsumerARN="arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1", ShardId="shard-0",
        StartingPosition={"Type": "LATEST"})
    stream = iter(got["EventStream"])
    first = next(stream)["SubscribeToShardEvent"]
    assert first["Records"] == [record] and first["MillisBehindLatest"] == 0
    with pytest.raises(EventStreamError, match="stream deleted"):
        next(stream)


def test_strict_mode_rejects_a_structured_unmodelled_error_field():
    with pytest.raises(SerializationError, match="unmodelled error field 'Detail'"):
        fail("dynamodb", AwsError("x", code="ValidationException", Detail={"a": 1}))
