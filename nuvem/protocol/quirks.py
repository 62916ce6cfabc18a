"""The one table of per-(service, protocol) wire behaviours that the models do not describe.

The serializers (and the parsers, the gateway) look an entry up by botocore service name and
protocol and read its fields; the generic code never names a service. Spec gaps that are plain
data (S3 root element names, SQS's query error codes) are not quirks: they live in the `extras/`
model overlays. Each entry links the
AWS behaviour it copies and is exercised by tests/protocol/test_serializers.py.
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from nuvem.protocol.serializers_xml import XML_DECLARATION

try:
    # CPython's own SHA-256: for a request id, setting up an OpenSSL 3 hash costs more than the
    # hashing (x-amz-id-2 on every S3 response: about 10 us of server CPU in place).
    from _sha256 import sha256 as _short_sha256
except ImportError:
    _short_sha256 = hashlib.sha256


@dataclass(frozen=True)
class Quirks:
    # Header carrying the request id on every response. AWS's common one:
    # https://docs.aws.amazon.com/general/latest/gr/api-retries.html (x-amzn-RequestId).
    request_id_header: str = "x-amzn-RequestId"
    # A second id header (S3's "host id"), also written as <HostId> in error bodies.
    host_id_header: str | None = None
    # Error body is a bare <Error> holding <RequestId> (and <HostId>) instead of
    # <ErrorResponse><Error/><RequestId/></ErrorResponse>; also no <Type>.
    bare_error_root: bool = False
    # <Type>Sender</Type> in an <ErrorResponse> error body.
    error_type: bool = True
    # iso8601 timestamps always carry milliseconds (".000Z"), not only when non-zero.
    iso8601_millis: bool = False
    # Operations whose XML body is a single element holding one output member as its text.
    text_root_members: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # Every response carries `x-amz-crc32`: the CRC32 of its body, which clients check.
    body_crc32: bool = False
    # Validation messages quote the value that failed ("Value 'x' at 'name' failed to ...").
    validation_values: bool = True
    # An operation without an output shape answers with an empty body, not "{}".
    empty_body_without_output: bool = False
    # JSON errors' `__type` as "<namespace>#<code>": the namespaces of the model's error shapes,
    # of ValidationException, and of the front end's other errors; None: the code alone.
    error_namespaces: tuple[str, str, str] | None = None
    # Content-Encodings the service inflates for any operation (otherwise only the model's
    # request compression is); any other coding, or a body that does not inflate, is a 500.
    request_encodings: frozenset[str] | None = None
    # A request body longer than this is refused with 413 and no body, unread and unrouted.
    max_request_bytes: int | None = None
    # The Server header every answer carries, if any.
    server_header: str | None = None
    # Request ids are this many characters of [0-9A-V] (`Ids.base32_request_id`), not UUIDs.
    base32_request_id: int = 0
    # A JSON request body must be a JSON document: an empty one is refused too, and either
    # refusal is a SerializationException without a message.
    json_body_required: bool = False
    # A query request sent to a resource's own URL (any path but "/") names the resource in this
    # input member when its form does not (read by the parser).
    query_path_member: str | None = None
    # A missing required member is MissingParameter "The request must contain the parameter X."
    # (the first one), not a ValidationError listing every problem.
    missing_parameter: bool = False
    # What opens an XML body: the XML declaration, with a line break after it for some services.
    xml_declaration: str = XML_DECLARATION


DEFAULT = Quirks()

_TABLE: Mapping[tuple[str, str], Quirks] = MappingProxyType({
    ("s3", "rest-xml"): Quirks(
        # x-amz-request-id / x-amz-id-2 on every response:
        # https://docs.aws.amazon.com/AmazonS3/latest/API/RESTCommonResponseHeaders.html
        request_id_header="x-amz-request-id",
        host_id_header="x-amz-id-2",
        # "x-amz-request-id: KBVNBFV16VFPH1D0" (an S3 answer quoted in versitygw issue 1814)
        base32_request_id=16,
        # <Error><Code/><Message/>...<RequestId/><HostId/></Error>:
        # https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#RESTErrorResponses
        bare_error_root=True,
        # <LocationConstraint xmlns="...">eu-west-1</LocationConstraint>, empty for us-east-1:
        # https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html
        text_root_members=MappingProxyType({"GetBucketLocation": "LocationConstraint"}),
        # '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult ...': LocalStack's
        # AWS-validated test_response_structure, and S3 answers quoted in botocore's own tests
        xml_declaration=XML_DECLARATION + "\n",
        # "server: AmazonS3" on every answer (LocalStack's AWS-validated
        # test_get_object_content_length_with_virtual_host records the header; S3's common
        # response headers name the value)
        server_header="AmazonS3",
    ),
    ("s3control", "rest-xml"): Quirks(
        # S3's id headers, and errors as <ErrorResponse><Error><Code/><Message/>...</Error>
        # <RequestId/><HostId/></ErrorResponse> with no <Type>, as recorded from AWS in
        # LocalStack's tests/aws/services/s3control/test_s3control.snapshot.json.
        request_id_header="x-amz-request-id",
        host_id_header="x-amz-id-2",
        error_type=False,
    ),
    ("dynamodb", "json"): Quirks(
        # "DynamoDB ... responses include an x-amz-crc32 header", which the SDKs verify and
        # retry on mismatch: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html
        body_crc32=True,
        # TagResource and UntagResource answer with an empty body (AWS's answers recorded by
        # ScyllaDB's Alternator suite, test_manual_requests.py::test_tags_return_empty_body).
        empty_body_without_output=True,
        # {"__type":"com.amazon.coral.service#SerializationException"} and nothing else, for a
        # body that is empty or not JSON (AWS's answers recorded by dynalite's listTables.js
        # 'should return 400 if no body' and connection.js 'body is ... but not JSON').
        json_body_required=True,
        # "x-amzn-requestid" matching /^[0-9A-Z]{52}$/ in every answer dynalite's connection.js
        # recorded; quoted ids are base32hex ("Request ID: NVCM3BFHQ8J8GBT6P6SG7G2KJJVV4KQNSO5AEMV
        # JF66Q9ASUAAJG", aws-dynamodb-session-tomcat issue 4).
        base32_request_id=52,
        # "server: Server" in the headers boto3 shows of DynamoDB's answers (quoted in many
        # projects' logs); Alternator's test_http_headers.py checks AWS sends one, errors too.
        server_header="Server",
        # "The total request size exceeds 16 MB" (BatchWriteItem's reference): 413, with a
        # Content-Length or chunked (Alternator's test_too_large_request_content_length and
        # _chunked, which pass against AWS; dynalite's connection.js '413 if request too large').
        max_request_bytes=16 * 1024 * 1024,
        # gzip (concatenated members too, anything after them ignored) and deflate bodies of
        # any operation; a broken one, or another coding, is InternalServerError (Alternator's
        # test_compressed_request.py, run against DynamoDB).
        request_encodings=frozenset({"gzip", "deflate"}),
        # "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException" (the error
        # example of the developer guide's Programming.Errors page);
        # "com.amazon.coral.validate#ValidationException" and "com.amazon.coral.service#" for
        # SerializationException, UnknownOperationException, the signature errors (dynalite's
        # AWS-recorded connection.js and helpers.js).
        error_namespaces=("com.amazonaws.dynamodb.v20120810", "com.amazon.coral.validate",
                          "com.amazon.coral.service"),
    ),
    ("dynamodbstreams", "json"): Quirks(
        # DynamoDB's ids ("Request ID: LDJJKB4G38BFRI1T6PO7R5R8GNVV4KQNSO5AEMVJF66Q9ASUAAJG" from
        # DynamoDBStreamsClient, aws-sdk-java-v2 issue 470).
        base32_request_id=52,
    ),
    ("iam", "query"): Quirks(
        # "Value at 'versionId' failed to satisfy constraint: ...": IAM names the member, never
        # the value (AWS's answers recorded in 2026 by LocalStack's IAM snapshot tests).
        validation_values=False,
    ),
    ("sqs", "query"): Quirks(
        # Old clients send GET/POST to the queue URL with no QueueUrl parameter ("the queue URL
        # is the endpoint"): https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-xml.html
        # and LocalStack's AWS-validated TestSqsQueryApi tests.
        query_path_member="QueueUrl",
        # "<Code>MissingParameter</Code> ... The request must contain the parameter MessageBody."
        # (LocalStack's AWS-validated test_valid_action_with_missing_parameter_raises_exception)
        missing_parameter=True,
    ),
    ("ec2", "ec2"): Quirks(
        # <launchTime>2016-09-26T10:35:00.000Z</launchTime>: EC2 always writes milliseconds.
        # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html (examples)
        iso8601_millis=True,
    ),
})


def quirks_for(service_name: str, protocol: str) -> Quirks:
    return _TABLE.get((service_name, protocol), DEFAULT)


def host_id(request_id: str) -> str:
    """A stable S3-style host id for a request id: 56 bytes in base64, 76 characters, as S3's
    opaque x-amz-id-2 tokens are ("Slr9EA2w4QCFWoRRN3Bez7qhnUCRr8Ecc4wI/qVESTkFJhmj8+BYkBZ0PcvGgj
    34NwxesxnYRQk=", versitygw issue 1814)."""
    first = _short_sha256(request_id.encode()).digest()
    return base64.b64encode(first + _short_sha256(first).digest()[:24]).decode("ascii")
