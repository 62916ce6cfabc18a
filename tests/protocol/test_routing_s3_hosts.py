"""S3 bucket addressing by Host: virtual-host, accelerate and website endpoints, and preflights."""
from __future__ import annotations

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from nuvem.protocol.routing import Router, S3Host, s3_host
from nuvem.protocol.wire import HttpRequest

ALL = frozenset({"sts", "s3", "s3control", "sqs", "dynamodb", "dynamodbstreams", "lambda"})


@pytest.fixture(scope="module")
def router():
    return Router(ALL)


@pytest.mark.parametrize("host,expected", [
    # virtual-host style
    ("b.s3.us-east-1.localhost", S3Host("b", "api", "us-east-1")),
    ("b.s3.localhost:4566", S3Host("b", "api", None)),
    ("b.localhost:4566", S3Host("b", "api", None)),
    ("myap-123456789012.localhost:4566", S3Host("myap-123456789012", "api", None)),
    ("My.Bucket.S3.US-EAST-1.localhost:4566", S3Host("my.bucket", "api", "us-east-1")),
    ("b.s3.amazonaws.com", S3Host("b", "api", None)),
    ("b.s3.eu-west-1.amazonaws.com", S3Host("b", "api", "eu-west-1")),
    ("b.s3-us-gov-west-1.amazonaws.com", S3Host("b", "api", "us-gov-west-1")),
    ("b.s3.dualstack.ap-southeast-2.amazonaws.com", S3Host("b", "api", "ap-southeast-2")),
    ("b.s3.localhost.localstack.cloud:4566", S3Host("b", "api", None)),
    ("a.s3.b.s3.localhost", S3Host("a.s3.b", "api", None)),
    # accelerate
    ("b.s3-accelerate.localhost", S3Host("b", "accelerate", None)),
    ("b.s3-accelerate.amazonaws.com", S3Host("b", "accelerate", None)),
    ("my.b.s3-accelerate.dualstack.amazonaws.com", S3Host("my.b", "accelerate", None)),
    # website
    ("b.s3-website.us-east-1.localhost:4566", S3Host("b", "website", "us-east-1")),
    ("b.s3-website-us-east-1.localhost", S3Host("b", "website", "us-east-1")),
    ("b.s3-website.eu-west-1.amazonaws.com", S3Host("b", "website", "eu-west-1")),
    ("www.example.com.s3-website-eu-west-1.amazonaws.com",
     S3Host("www.example.com", "website", "eu-west-1")),
    # no bucket
    ("localhost", S3Host(None, "api", None)),
    ("localhost:4566", S3Host(None, "api", None)),
    ("127.0.0.1:4566", S3Host(None, "api", None)),
    ("[::1]:4566", S3Host(None, "api", None)),
    ("", S3Host(None, "api", None)),
    ("s3.localhost", S3Host(None, "api", None)),
    ("s3.us-west-2.localhost:4566", S3Host(None, "api", "us-west-2")),
    ("s3.amazonaws.com", S3Host(None, "api", None)),
    ("s3.us-east-1.amazonaws.com", S3Host(None, "api", "us-east-1")),
    ("s3.localhost.localstack.cloud:4566", S3Host(None, "api", None)),
    # not S3 endpoints at all
    ("123456789012.s3-control.us-east-1.amazonaws.com", None),
    ("s3-control.us-east-1.amazonaws.com", None),
    ("sqs.us-east-1.amazonaws.com", None),
    ("example.com", None),
])
def test_s3_host(host, expected):
    assert s3_host(host) == expected


def s3_request(method: str, path: str, host: str, headers: dict | None = None) -> HttpRequest:
    return HttpRequest.build(method, path, {"Host": host, **(headers or {})})


@pytest.mark.parametrize("method,path,host,operation,params", [
    ("GET", "/k/e%20y", "b.localhost:4566", "GetObject", {"Bucket": "b", "Key": "k/e y"}),
    ("PUT", "/k", "my.b.s3.us-east-1.localhost:4566", "PutObject", {"Bucket": "my.b", "Key": "k"}),
    ("GET", "/?list-type=2", "b.s3.localhost", "ListObjectsV2", {"Bucket": "b"}),
    ("HEAD", "/", "b.s3.amazonaws.com", "HeadBucket", {"Bucket": "b"}),
    ("GET", "//k", "b.localhost", "GetObject", {"Bucket": "b", "Key": "/k"}),
    ("GET", "/k", "b.s3-accelerate.localhost", "GetObject", {"Bucket": "b", "Key": "k"}),
    ("PUT", "/k", "b.s3-accelerate.amazonaws.com", "PutObject", {"Bucket": "b", "Key": "k"}),
    # path style
    ("GET", "/b/k", "localhost:4566", "GetObject", {"Bucket": "b", "Key": "k"}),
    ("GET", "/b?list-type=2", "s3.us-east-1.localhost", "ListObjectsV2", {"Bucket": "b"}),
    ("HEAD", "/b", "127.0.0.1:4566", "HeadBucket", {"Bucket": "b"}),
    ("GET", "/", "localhost:4566", "ListBuckets", {}),
    ("GET", "/", "s3.amazonaws.com", "ListBuckets", {}),
])
def test_operations_by_host(router, method, path, host, operation, params):
    request = s3_request(method, path, host)
    route = router.route(request)
    assert route.service == "s3" and route.error is None
    assert (route.operation.name, route.uri_params) == (operation, params)
    assert request.path == path.partition("?")[0]     # as sent: SigV4 signs it
    assert route.website_bucket is None and not route.preflight


def test_unsigned_virtual_hosts_beat_endpoint_prefixes(router):
    for host in ("sqs.data.s3.localhost", "sqs.data.s3-accelerate.amazonaws.com",
                 "dynamodb.s3.us-east-1.amazonaws.com", "lambda.s3-website-us-east-1.localhost"):
        route = router.route(s3_request("GET", "/k", host))
        assert route.service == "s3", host
        assert route.s3_host.bucket == host.split(".s3")[0]
    assert router.route(s3_request("GET", "/", "sqs.us-east-1.localhost")).service == "sqs"


def test_region_from_an_unsigned_host(router):
    assert router.route(s3_request("GET", "/k", "b.s3.eu-west-1.localhost")).region == "eu-west-1"
    assert router.route(s3_request("GET", "/k", "b.localhost")).region is None


def test_website_host(router):
    route = router.route(s3_request("GET", "/docs/index.html", "site.s3-website-us-east-1.localhost"))
    assert (route.service, route.operation, route.error) == ("s3", None, None)
    assert route.website_bucket == "site" and not route.preflight
    assert route.uri_params == {"Bucket": "site", "Key": "docs/index.html"}
    assert route.region == "us-east-1"
    root = router.route(s3_request("GET", "/", "site.s3-website.us-east-1.amazonaws.com"))
    assert (root.website_bucket, root.operation, root.error, root.uri_params) == \
        ("site", None, None, {"Bucket": "site"})


@pytest.mark.parametrize("path,host,params", [
    ("/k", "b.localhost:4566", {"Bucket": "b", "Key": "k"}),
    ("/b/a%2Fb", "localhost:4566", {"Bucket": "b", "Key": "a/b"}),
    ("/", "b.s3.us-east-1.localhost", {"Bucket": "b"}),
])
def test_cors_preflight(router, path, host, params):
    route = router.route(s3_request("OPTIONS", path, host, {
        "Origin": "https://example.com", "Access-Control-Request-Method": "PUT"}))
    assert (route.service, route.operation, route.error, route.preflight) == ("s3", None, None, True)
    assert route.uri_params == params and route.website_bucket is None


def test_s3_control_is_not_a_bucket(router):
    # botocore sends S3 Control to <account>.localhost, signed as "s3"
    signed = _signed("GET", "http://111122223333.localhost:4566/v20180820/accesspoint", "us-east-1")
    route = router.route(signed)
    assert route.service == "s3control" and route.s3_host is None
    assert route.operation.name == "ListAccessPoints"
    unsigned = router.route(s3_request("GET", "/v20180820/accesspoint", "111122223333.localhost"))
    assert unsigned.service == "s3control"
    hosted = router.route(s3_request("GET", "/", "123456789012.s3-control.us-east-1.amazonaws.com"))
    assert hosted.service == "s3control"
    bucket = router.route(_signed("GET", "http://s3-control-logs.s3.localhost:4566/k", "us-east-1"))
    assert bucket.service == "s3" and bucket.uri_params == {"Bucket": "s3-control-logs", "Key": "k"}


def _signed(method: str, url: str, region: str, headers: dict | None = None) -> HttpRequest:
    aws = AWSRequest(method=method, url=url, headers=headers or {})
    S3SigV4Auth(Credentials("AKIDEXAMPLE", "secret"), "s3", region).add_auth(aws)
    aws.prepare()
    after_host = url.split("://", 1)[1]
    host, _, path = after_host.partition("/")
    return HttpRequest.build(method, "/" + path, [("Host", host)] + [
        (k, v.decode() if isinstance(v, bytes) else v) for k, v in aws.headers.items()])


def test_signed_virtual_host_request(router):
    request = _signed("PUT", "http://sqs.data.s3.eu-central-1.localhost:4566/dir/file.txt",
                      "eu-central-1", {"Content-Type": "text/plain"})
    assert request.path == "/dir/file.txt"
    route = router.route(request)
    assert (route.service, route.operation.name) == ("s3", "PutObject")
    assert route.uri_params == {"Bucket": "sqs.data", "Key": "dir/file.txt"}
    assert route.region == "eu-central-1" and route.credential.region == "eu-central-1"
    assert route.credential.signing_name == "s3"
    assert route.s3_host == S3Host("sqs.data", "api", "eu-central-1")
    # the signed region wins over a region the host names
    other = router.route(_signed("GET", "http://b.s3.us-west-2.localhost/k", "ap-south-1"))
    assert (other.operation.name, other.region) == ("GetObject", "ap-south-1")
