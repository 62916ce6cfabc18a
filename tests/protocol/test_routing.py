"""Routing: service, protocol and operation of requests as real clients send them."""
from __future__ import annotations

import io

import boto3
import pytest
from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.config import Config as BotoConfig

from nuvem.protocol.routing import Router, credential_scope
from nuvem.protocol.wire import Headers, HttpRequest


class _Raw:
    def stream(self, **kw):
        yield b""


def capture(service: str, operation: str, params: dict, region: str = "us-east-1",
            key: str = "test", **config) -> HttpRequest:
    """The HTTP request a boto3 client sends for this call, as the server would see it."""
    client = boto3.client(service, region_name=region, endpoint_url="http://localhost:4566",
                          aws_access_key_id=key, aws_secret_access_key="x",
                          config=BotoConfig(**config))
    seen = {}

    def grab(request, **kwargs):
        seen["request"] = request
        return AWSResponse(request.url, 500, {}, _Raw())

    client.meta.events.register_first("before-send", grab)
    try:
        getattr(client, xform_name(operation))(**params)
    except Exception:   # the fake 500 response; only the request matters here
        pass
    sent = seen["request"]
    path, _, query = sent.url.split("localhost:4566", 1)[1].partition("?")
    body = sent.body or b""
    if isinstance(body, str):
        body = body.encode()
    elif hasattr(body, "read"):
        body = body.read()
    return HttpRequest(method=sent.method, path=path or "/", query=query,
                       headers=Headers((k, v.decode() if isinstance(v, bytes) else v)
                                       for k, v in sent.headers.items()),
                       body=io.BytesIO(body))


ALL = frozenset({"sts", "ec2", "s3", "s3control", "sqs", "dynamodb", "dynamodbstreams",
                 "elb", "elbv2", "cloudwatch", "lambda", "iam", "sns"})


@pytest.fixture(scope="module")
def router():
    return Router(ALL)


@pytest.mark.parametrize("service,operation,params,protocol", [
    ("sts", "GetCallerIdentity", {}, "query"),
    ("ec2", "DescribeRegions", {}, "ec2"),
    ("sqs", "ListQueues", {}, "json"),
    ("dynamodb", "ListTables", {}, "json"),
    ("dynamodbstreams", "ListStreams", {}, "json"),          # shares the signing name dynamodb
    ("elb", "DescribeLoadBalancers", {}, "query"),            # elb and elbv2 share a signing name
    ("elbv2", "DescribeLoadBalancers", {}, "query"),
    ("s3", "ListBuckets", {}, "rest-xml"),
    ("s3", "ListObjectsV2", {"Bucket": "b"}, "rest-xml"),
    ("s3control", "ListAccessPoints", {"AccountId": "111122223333"}, "rest-xml"),  # signing name s3
    ("lambda", "ListFunctions", {}, "rest-json"),
    ("iam", "ListUsers", {}, "query"),
    ("sns", "ListTopics", {}, "query"),
])
def test_real_client_requests_route(router, service, operation, params, protocol):
    route = router.route(capture(service, operation, params))
    assert (route.service, route.protocol) == (service, protocol)
    assert route.error is None and route.operation.name == operation


def test_region_and_access_key_come_from_the_credential_scope():
    request = capture("sts", "GetCallerIdentity", {}, region="ap-southeast-2", key="123456789012")
    scope = credential_scope(request)
    assert (scope.access_key, scope.region, scope.signing_name) == ("123456789012", "ap-southeast-2", "sts")


def test_cloudwatch_speaks_json_cbor_and_query(router):
    as_json = capture("cloudwatch", "ListMetrics", {})
    assert router.route(as_json).protocol in ("json", "smithy-rpc-v2-cbor")
    cbor = HttpRequest.build("POST", "/service/GraniteServiceVersion20100801/operation/ListMetrics", {
        "Smithy-Protocol": "rpc-v2-cbor", "Content-Type": "application/cbor",
        "Authorization": as_json.headers["authorization"]}, b"\xa0")
    route = router.route(cbor)
    assert (route.service, route.protocol, route.operation.name) == \
        ("cloudwatch", "smithy-rpc-v2-cbor", "ListMetrics")
    query = HttpRequest.build("POST", "/", {
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": as_json.headers["authorization"]}, b"Action=ListMetrics&Version=2010-08-01")
    route = router.route(query)
    assert (route.service, route.protocol, route.operation.name) == ("cloudwatch", "query", "ListMetrics")


def test_sqs_speaks_json_and_query(router):
    json_request = capture("sqs", "ListQueues", {})
    query = HttpRequest.build("POST", "/", {
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": json_request.headers["authorization"]}, b"Action=ListQueues&Version=2012-11-05")
    route = router.route(query)
    assert (route.service, route.protocol, route.operation.name) == ("sqs", "query", "ListQueues")


def test_unsigned_requests(router):
    # an unsigned query request is named by its API version; anything else unsigned is S3
    sts = HttpRequest.build("POST", "/", {"Content-Type": "application/x-www-form-urlencoded"},
                            b"Action=GetCallerIdentity&Version=2011-06-15")
    assert router.route(sts).service == "sts"
    anonymous_get = HttpRequest.build("GET", "/studies-s3/corinthians.jpeg", {"Host": "localhost:4566"})
    assert router.route(anonymous_get).service == "s3"


def test_host_names_the_service(router):
    request = HttpRequest.build("POST", "/", {"Host": "sqs.eu-west-1.amazonaws.com",
                                              "Content-Type": "application/x-www-form-urlencoded"},
                                b"Action=ListQueues")
    assert router.route(request).service == "sqs"


def test_unknown_operations(router):
    request = capture("sts", "GetCallerIdentity", {})
    bogus = HttpRequest.build("POST", "/", {"Content-Type": "application/x-www-form-urlencoded",
                                            "Authorization": request.headers["authorization"]},
                              b"Action=Nope&Version=2011-06-15")
    route = router.route(bogus)
    assert route.error.code == "InvalidAction" and route.error.status == 400
    not_served = Router(frozenset({"sts"})).route(capture("sqs", "ListQueues", {}))
    assert not_served.error.code == "UnknownOperationException" and not_served.error.status == 501
