"""Random requests for every protocol: never a 5xx but AWS-shaped 501s, never a traceback, every
body well-formed in its content type, and the server stays up.

Two fuzzers share one request generator (a third throws junk at POST /_nuvem/clock):

- `test_fuzz_the_running_server` throws requests at the `nuvem` server over real sockets: random
  methods, paths, headers (X-Amz-Target prefixes, Smithy-Protocol, content types, content
  encodings, SigV4 scopes naming real signing names, Hosts) and bodies, both pure junk and
  near-valid bodies shaped after real operations of real services.
- `test_fuzz_every_codec` sends the same kind of requests through the real `Gateway` with a router
  that serves every service (see `served_everything` in test_bad_input.py), so the JSON, CBOR,
  REST-JSON and REST-XML parsers and the validator are reached, not just the 501.

Both are bounded by `max_examples` and a per-example deadline (a few seconds in all). Nothing is
kept out: numbers past Python's 4300-digit int/str limit, lone surrogates and the control characters
XML 1.0 forbids are all generated, and every XML body must parse as it is.
"""
from __future__ import annotations

import base64
import datetime
import json
import os
import time
from urllib.parse import quote
from xml.etree import ElementTree

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nuvem.protocol import specs
from nuvem.protocol.routing import INDEX_PATH
from tests.test_bad_input import (  # noqa: F401  (served_everything is a fixture)
    Reply, assert_alive, auth, error_code, request, served_everything,
)

with open(INDEX_PATH) as _f:
    INDEX: dict[str, dict] = json.load(_f)
SIGNING_NAMES = sorted({entry["signingName"] for entry in INDEX.values()})
TARGET_PREFIXES = sorted({entry["targetPrefix"] for entry in INDEX.values()
                          if "targetPrefix" in entry})
# Services whose real operations the near-valid requests are built from: every protocol, the
# collisions routing settles (s3/s3control, dynamodb/dynamodbstreams), and the served ones.
FUZZ_SERVICES = ["sts", "ec2", "dynamodb", "dynamodbstreams", "sqs", "cloudwatch", "kinesis",
                 "logs", "secretsmanager", "sns", "iam", "lambda", "apigateway", "s3",
                 "s3control", "route53", "cloudfront", "kms", "events"]
# FUZZ_EXAMPLES=20000 pytest tests/test_fuzz.py: a longer run, by hand.
SETTINGS = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 300)), deadline=3000,
                    print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])

# The fuzzers' own account (a 12-digit access key is the account id): whatever they create on
# the shared server stays out of the other tests' way.
FUZZ_ACCOUNT = "999999999999"
CONTENT_TYPES = ["application/x-www-form-urlencoded",
                 "application/x-www-form-urlencoded; charset=utf-8",
                 "application/x-amz-json-1.0", "application/x-amz-json-1.1", "application/json",
                 "application/cbor", "application/xml", "text/xml", "text/plain",
                 "application/octet-stream", "multipart/form-data; boundary=x", "", ";;;",
                 "application/x-amz-json-9.9"]
HOSTS = ["127.0.0.1", "localhost", "s3.amazonaws.com", "bucket.s3.localhost.localstack.cloud",
         "dynamodb.us-east-1.amazonaws.com", "streams.dynamodb.us-east-1.amazonaws.com",
         "sqs.eu-west-1.amazonaws.com", "123456789012.s3-control.us-east-1.amazonaws.com",
         "s3-website-us-east-1.amazonaws.com", "x.y.z.w", ""]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1", "", "x" * 40]
STREAMING = ["STREAMING-UNSIGNED-PAYLOAD-TRAILER", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
             "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
             "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
             "UNSIGNED-PAYLOAD", "STREAMING-NONSENSE", "e3b0c44298fc1c149afbf4c8996fb924" * 2]

# Header values http.client accepts: latin-1, no CR/LF, no leading whitespace.
header_text = st.text(st.characters(min_codepoint=0x21, max_codepoint=0xFF,
                                    blacklist_characters="\x7f"), max_size=40)
token = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", min_size=1,
                max_size=20)
# Any code point, lone surrogates included (a JSON body carries them as "\ud800" escapes).
any_char = st.one_of(st.characters(), st.characters(categories=["Cs"]))
# Mostly short text; sometimes long runs of digits (up to past Python's 4300-digit int/str limit)
# or long text.
any_text = st.one_of(st.text(max_size=30), st.text(max_size=30), st.text(any_char, max_size=30),
                     st.integers(1, 6000).map(lambda n: "9" * n),
                     st.text(min_size=200, max_size=2000))
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                        st.floats(allow_nan=False, allow_infinity=False), any_text)


def model(service: str):
    return specs.service_model(service)


# --- values shaped after a model --------------------------------------------------------------

def draw_value(draw, shape, depth: int = 0):
    """A random value for `shape`, wrong about one time in ten."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_scalar)
    kind = shape.type_name
    if kind == "structure":
        names = sorted(shape.members)
        if depth > 3 or not names:
            return {}
        chosen = draw(st.lists(st.sampled_from(names), max_size=5, unique=True))
        return {name: draw_value(draw, shape.members[name], depth + 1) for name in chosen}
    if kind == "list":
        return [draw_value(draw, shape.member, depth + 1) for _ in range(draw(st.integers(0, 3)))]
    if kind == "map":
        return {draw(st.text(max_size=8)): draw_value(draw, shape.value, depth + 1)
                for _ in range(draw(st.integers(0, 2)))}
    if kind == "string":
        enum = shape.metadata.get("enum")
        return draw(st.sampled_from(enum) if enum and draw(st.booleans()) else any_text)
    if kind in ("integer", "long"):
        return draw(st.integers(-2**64, 2**64))
    if kind in ("float", "double"):
        return draw(st.floats())
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "timestamp":
        return draw(st.one_of(st.integers(-2**40, 2**40), st.datetimes(), any_text))
    if kind == "blob":
        return draw(st.binary(max_size=30))
    return draw(json_scalar)


def _jsonable(value):
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime.datetime):
        return value.timestamp() if value.year > 1 else 0
    return str(value)


def _xml(name: str, value) -> str:
    if isinstance(value, dict):
        inner = "".join(_xml(k or "k", v) for k, v in value.items())
    elif isinstance(value, list):
        inner = "".join(_xml("member", v) for v in value)
    else:
        inner = str(_jsonable(value) if isinstance(value, (bytes, datetime.datetime)) else value)
        inner = inner.replace("&", "&amp;").replace("<", "&lt;")
    tag = "".join(c for c in name if c.isalnum()) or "x"
    return f"<{tag}>{inner}</{tag}>"


def _form_pairs(prefix: str, value, ec2: bool) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [pair for k, v in value.items()
                for pair in _form_pairs(f"{prefix}.{k}" if prefix else str(k), v, ec2)]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value, 1)
                for pair in _form_pairs(f"{prefix}.{i}" if ec2 else f"{prefix}.member.{i}", v, ec2)]
    if isinstance(value, bytes):
        value = base64.b64encode(value).decode()
    elif isinstance(value, bool):
        value = str(value).lower()
    return [(prefix, "" if value is None else str(value))]


def encode(protocol: str, value, root: str) -> bytes:
    if protocol in ("json", "rest-json"):
        return json.dumps(value, default=_jsonable).encode()
    if protocol == "smithy-rpc-v2-cbor":
        try:
            return cbor2.dumps(value)
        except (ValueError, TypeError, OverflowError, cbor2.CBOREncodeError):
            # a naive datetime (CBOREncodeError is no ValueError), a lone surrogate
            text = json.dumps(value, default=_jsonable, ensure_ascii=False)
            # CBOR text is UTF-8 with no escapes: a lone surrogate cannot be written, "?" stands in.
            return cbor2.dumps(json.loads(text.encode("utf-8", "replace")))
    # Lone surrogates go out as the (invalid UTF-8) bytes a careless client would send.
    if protocol == "rest-xml":
        xml = _xml(root, value if isinstance(value, dict) else {"v": value})
        return xml.encode("utf-8", "surrogatepass")
    pairs = _form_pairs("", value if isinstance(value, dict) else {"V": value}, protocol == "ec2")
    return "&".join(f"{quote(k, safe='.', errors='surrogatepass')}="
                    f"{quote(v, safe='', errors='surrogatepass')}" for k, v in pairs).encode()


@st.composite
def corrupted(draw, body: bytes) -> bytes:
    """The body, or the body truncated, with bytes flipped, or with junk inserted."""
    how = draw(st.sampled_from(["keep", "keep", "truncate", "flip", "insert"]))
    if how == "truncate" and body:
        return body[:draw(st.integers(0, len(body) - 1))]
    if how == "flip" and body:
        at = draw(st.integers(0, len(body) - 1))
        return body[:at] + bytes([body[at] ^ draw(st.integers(1, 255))]) + body[at + 1:]
    if how == "insert":
        at = draw(st.integers(0, len(body)))
        return body[:at] + draw(st.binary(min_size=1, max_size=16)) + body[at:]
    return body


def _fill_uri(draw, template: str) -> str:
    path, _, literal_query = template.partition("?")
    out, rest = [], path
    while "{" in rest:
        before, _, tail = rest.partition("{")
        label, _, rest = tail.partition("}")
        out.append(before)
        text = draw(st.text(min_size=0, max_size=12))
        out.append(quote(text, safe="/" if label.endswith("+") else ""))
    out.append(rest)
    return "".join(out) + (("?" + literal_query) if literal_query else "")


# --- requests ---------------------------------------------------------------------------------

@st.composite
def near_valid(draw) -> tuple[str, str, bytes, dict]:
    """A request shaped after a real operation of a real service, in one of its protocols."""
    service = draw(st.sampled_from(FUZZ_SERVICES))
    service_model = model(service)
    entry = INDEX[service]
    protocol = draw(st.sampled_from(entry["protocols"]))
    name = draw(st.sampled_from(sorted(service_model.operation_names)))
    operation = service_model.operation_model(name)
    shape = operation.input_shape
    value = draw_value(draw, shape) if shape is not None else {}
    region = draw(st.sampled_from(REGIONS[:3]))
    headers = {"X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
               "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}
    method, path = "POST", "/"
    if protocol in ("query", "ec2"):
        if isinstance(value, dict):
            value = {"Action": operation.name, "Version": entry["apiVersion"], **value}
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    elif protocol == "json":
        headers["X-Amz-Target"] = f"{entry['targetPrefix']}.{operation.name}"
        headers["Content-Type"] = f"application/x-amz-json-{entry.get('jsonVersion', '1.0')}"
    elif protocol == "smithy-rpc-v2-cbor":
        path = f"/service/{entry['targetPrefix']}/operation/{operation.name}"
        headers.update({"Smithy-Protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"})
    else:
        method = operation.http.get("method", "POST")
        path = _fill_uri(draw, operation.http.get("requestUri", "/"))
        headers["Content-Type"] = ("application/json" if protocol == "rest-json"
                                   else "application/xml")
        if shape is not None and isinstance(value, dict):
            for name, member in shape.members.items():
                location = member.serialization.get("location")
                if location == "header" and draw(st.integers(0, 3)) == 0:
                    headers[member.serialization.get("name", name)] = draw(header_text)
    body = encode(protocol, value, shape.name if shape is not None else "Input")
    body = draw(corrupted(body))
    # Signed as a client signs (an unknown key's date and signed headers are checked).
    names = sorted({"host"} | {k.lower() for k in headers if k.lower().startswith("x-amz-")})
    headers["Authorization"] = auth(entry["signingName"], region, FUZZ_ACCOUNT, ";".join(names))
    if draw(st.integers(0, 4)) == 0:
        headers.update(draw(extra_headers()))
    return method, path, body, headers


@st.composite
def extra_headers(draw) -> dict[str, str]:
    """Routing and framing headers with values that are real, near-real or junk."""
    pool = {
        "X-Amz-Target": st.one_of(st.sampled_from(TARGET_PREFIXES).map(lambda p: p + ".ListThings"),
                                  st.sampled_from(TARGET_PREFIXES), header_text),
        "Smithy-Protocol": st.sampled_from(["rpc-v2-cbor", "rpc-v2-json", ""]),
        "Content-Type": st.sampled_from(CONTENT_TYPES),
        "Authorization": st.one_of(
            st.builds(auth, st.sampled_from(SIGNING_NAMES), st.sampled_from(REGIONS),
                      st.just(FUZZ_ACCOUNT)),
            header_text.map(lambda t: "AWS4-HMAC-SHA256 " + t), header_text),
        "Host": st.sampled_from(HOSTS),
        "Content-Encoding": st.sampled_from(["aws-chunked", "gzip", "aws-chunked, gzip", "br",
                                             "x"]),
        "X-Amz-Content-Sha256": st.sampled_from(STREAMING),
        "X-Amz-Decoded-Content-Length": st.one_of(st.integers(-5, 10**20).map(str), header_text),
        "X-Amz-Trailer": st.sampled_from(["x-amz-checksum-crc32", "x-amz-checksum-sha256",
                                          "x-amz-checksum-nope", "a, b"]),
        "X-Amz-Checksum-Crc32": header_text,
        "x-amzn-query-mode": st.just("true"),
        "Range": header_text,
        "X-Amz-Copy-Source": header_text,
        "Content-MD5": header_text,
    }
    names = draw(st.lists(st.sampled_from(sorted(pool)), max_size=6, unique=True))
    return {name: draw(pool[name]) for name in names}


@st.composite
def junk(draw) -> tuple[str, str, bytes, dict]:
    """Anything at all that http.client can put on the wire."""
    method = draw(st.one_of(st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH",
                                             "OPTIONS"]), token.map(str.upper)))
    path = "/" + quote(draw(st.text(max_size=40)), safe="/?&=%+;:@!$'()*,")
    if draw(st.booleans()):
        path = draw(st.sampled_from(["/", "/bucket", "/bucket/key", "/2015-03-31/functions",
                                     "/service/GraniteServiceVersion20100801/operation/ListMetrics",
                                     "/?Action=GetCallerIdentity&Version=2011-06-15",
                                     "/?Action=DescribeRegions&Version=2016-11-15",
                                     "/v20180820/bucket", "/%", "/%zz", "//", "/?%%&&=="]))
    body = draw(st.one_of(
        st.binary(max_size=200),
        st.sampled_from([b"", b"{}", b"[]", b"null", b"<a/>", b"Action=GetCallerIdentity",
                         b"\xa0", b"\x9f\xff", b"0\r\n\r\n", b"a\r\n0123"]),
        st.recursive(json_scalar, lambda c: st.lists(c, max_size=3) |
                     st.dictionaries(st.text(max_size=5), c, max_size=3)).map(
            lambda v: json.dumps(v).encode())))
    return method, path, body, draw(extra_headers())


requests_strategy = st.one_of(near_valid(), junk())


def parses(reply: Reply) -> None:
    """The body is well-formed in its content type."""
    content_type = reply.headers.get("content-type", "")
    body = reply.body
    if not body or reply.method == "HEAD":
        return
    if "xml" in content_type:
        ElementTree.fromstring(body)
    elif "cbor" in content_type:
        cbor2.loads(body)
    elif "json" in content_type:
        json.loads(body)


# DynamoDB's answer to a body its Content-Encoding does not inflate, a 500 as AWS's is
# (quirks.py, Alternator's test_compressed_request.py)
UNDECODABLE_DYNAMODB_BODY = b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError"}'


def check(reply: Reply) -> None:
    assert b"Traceback" not in reply.body, reply
    assert reply.status < 500 or reply.status == 501 or \
        reply.body == UNDECODABLE_DYNAMODB_BODY, reply
    parses(reply)
    if reply.status >= 400 and reply.method != "HEAD" and reply.body:
        if reply.body == b"Invalid HTTP request received.":
            return   # uvicorn's own answer to unparseable HTTP: nothing to route
        assert error_code(reply.headers, reply.body), reply
    if reply.status == 501 and reply.method != "HEAD":
        assert error_code(reply.headers, reply.body) not in (None, "InternalFailure"), reply
        assert b"Nuvem does not implement" in reply.body, reply


@pytest.mark.slow
def test_fuzz_the_running_server(nuvem):
    @SETTINGS
    @given(requests_strategy)
    def throw(generated):
        method, path, body, headers = generated
        if path.startswith("/_nuvem/") or path.startswith("/_localstack/"):
            path = "/" + path.lstrip("/_")   # never reset the shared server
        check(request(nuvem.endpoint, method, path, body, headers, timeout=10))

    throw()
    assert_alive(nuvem)


@pytest.mark.slow
def test_fuzz_admin_clock():
    """POST /_nuvem/clock with anything: a 200 or a 400, and the clock keeps working."""
    from nuvem.config import Config
    from nuvem.gateway import Gateway
    from nuvem.protocol.wire import HttpRequest
    from nuvem.runtime import Runtime

    runtime = Runtime(Config(ephemeral=True, clock="manual"))
    gateway = Gateway(runtime)
    numbers = st.one_of(st.floats(), st.integers(-2**80, 2**80), any_text, json_scalar)
    dates = st.one_of(st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
                      any_text, json_scalar)
    bodies = st.one_of(st.fixed_dictionaries({"advance": numbers}),
                       st.fixed_dictionaries({"set": dates}),
                       st.dictionaries(st.text(max_size=8), json_scalar, max_size=3))

    @settings(SETTINGS, max_examples=min(SETTINGS.max_examples, 200))
    @given(st.one_of(bodies.map(lambda b: json.dumps(b).encode()), st.binary(max_size=40)))
    def throw(body):
        response = gateway.handle(HttpRequest.build("POST", "/_nuvem/clock", {}, body))
        assert response.status in (200, 400), response.body
        runtime.clock.now()
        runtime.clock.set(datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc))

    try:
        throw()
    finally:
        runtime.store.close()


@pytest.mark.slow
def test_fuzz_every_codec(served_everything):
    @SETTINGS
    @given(requests_strategy)
    def throw(generated):
        method, path, body, headers = generated
        if path.startswith("/_nuvem/") or path.startswith("/_localstack/"):
            path = "/" + path.lstrip("/_")
        check(served_everything(method, path, body, headers))

    throw()

