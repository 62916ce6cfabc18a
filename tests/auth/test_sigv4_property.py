"""Property tests: requests signed by botocore's signers verify with ours; one changed byte of
the signature, a signed header, the path or the body is rejected with the family's code.

Streaming `aws-chunked` bodies are signed here following AWS's documented chunk-signing scheme
(botocore signs the seed request only); the scheme itself is pinned by AWS's worked example.
"""
from __future__ import annotations

import hashlib
import hmac
import io
from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nuvem.auth import sigv4
from nuvem.errors import AwsError
from nuvem.protocol.chunked import decode_request_body
from nuvem.protocol.wire import Headers, HttpRequest

ACCESS, SECRET = "AKIDPROPERTY", "sEcReT/with+chars"
VERIFIER = sigv4.Verifier()
BAD = {"query": ("SignatureDoesNotMatch", 403), "ec2": ("SignatureDoesNotMatch", 403),
       "json": ("InvalidSignatureException", 400), "rest-json": ("InvalidSignatureException", 403),
       "rest-xml-s3": ("SignatureDoesNotMatch", 403)}
SETTINGS = settings(max_examples=400, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

segment_text = st.text(alphabet=st.sampled_from(
    list("abcXYZ019-_.~ !$&'()*+,;=:@%") + ["é", "ሴ", "😀", "/"]), min_size=0, max_size=8)
non_s3_segment = st.one_of(segment_text, st.sampled_from(["..", ".", ""]))
query_text = st.text(alphabet=st.sampled_from(list("aZ09-_.~ +=&/%?#") + ["é", "ሴ"]),
                     max_size=6)
header_value = st.text(alphabet=st.sampled_from(list("aZ09-_.~ ,;:=\"/")), max_size=12)


def wire(text: str) -> str:
    """What the server hands over: bytes as latin-1 chars."""
    return text.encode("utf-8").decode("latin-1")


def to_http(request) -> HttpRequest:
    parts = urlsplit(request.url)
    headers = Headers((k, wire(v) if isinstance(v, str) else v.decode("latin-1"))
                      for k, v in request.headers.items())
    if "host" not in headers:                  # the HTTP client adds it from the URL
        headers.add("Host", parts.netloc)
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return HttpRequest(method=request.method, path=wire(parts.path), query=wire(parts.query),
                       headers=headers, body=io.BytesIO(body))


def rebuilt(http: HttpRequest, **changes) -> HttpRequest:
    fields = dict(method=http.method, path=http.path, query=http.query,
                  headers=Headers(http.headers.items()), body=io.BytesIO(http.body_bytes()))
    fields.update(changes)
    return HttpRequest(**fields)


@st.composite
def signed_requests(draw):
    kind = draw(st.sampled_from(["header", "s3-header", "presigned", "s3-presigned"]))
    s3 = kind.startswith("s3")
    if s3:
        # S3 signs the path as sent: '.', '..' and empty segments are part of the key.
        segments = draw(st.lists(non_s3_segment, min_size=1, max_size=4))
        path = "/" + "/".join(quote(s, safe="~") for s in segments)
        family = "rest-xml-s3"
    else:
        segments = draw(st.lists(non_s3_segment, max_size=5))
        raw = "/" + "/".join(segments)
        # Some clients send the path encoded, some leave it raw.
        path = quote(raw, safe="/~") if draw(st.booleans()) else raw
        family = draw(st.sampled_from(["query", "ec2", "json", "rest-json"]))
    params = draw(st.lists(st.tuples(query_text, query_text), max_size=4))
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in params)
    headers = {f"X-Test-{i}": draw(header_value) for i in range(draw(st.integers(0, 3)))}
    body = draw(st.binary(max_size=64)) if not kind.endswith("presigned") else b""
    method = "POST" if body else draw(st.sampled_from(["GET", "PUT", "DELETE"]))
    token = draw(st.one_of(st.none(), st.just("FwoGZXIvYXdzEXAMPLE/token+=")))
    scheme = draw(st.sampled_from(["http", "https"]))
    url = f"{scheme}://example.amazonaws.com{path}" + (f"?{query}" if query else "")
    aws_request = AWSRequest(method=method, url=url, headers=headers, data=body)
    credentials = Credentials(ACCESS, SECRET, token)
    service = "s3" if s3 else "service"
    signer = {"header": SigV4Auth, "s3-header": S3SigV4Auth,
              "presigned": SigV4QueryAuth, "s3-presigned": S3SigV4QueryAuth}[kind]
    if kind.endswith("presigned"):
        auth = signer(credentials, service, "eu-west-1", expires=draw(st.integers(1, 604800)))
    else:
        auth = signer(credentials, service, "eu-west-1")
    auth.add_auth(aws_request)
    prepared = aws_request.prepare()
    return kind, family, s3, to_http(prepared)


def check(http: HttpRequest, family: str, s3: bool):
    signed = sigv4.parse_auth(http, family)
    assert signed is not None
    now = signed.amz_date + timedelta(seconds=1)
    VERIFIER.verify(http, signed, SECRET, now=now, s3=s3, family=family)
    return signed


def rejected(http: HttpRequest, family: str, s3: bool) -> AwsError:
    with pytest.raises(AwsError) as info:
        check(http, family, s3)
    return info.value


@SETTINGS
@given(signed_requests(), st.sampled_from(["signature", "header", "path", "body", "query"]),
       st.data())
def test_botocore_signed_requests_verify(case, mutation, data):
    kind, family, s3, http = case
    event(f"{kind}/{mutation}")
    if ".." in http.path or "//" in http.path or any(ord(c) > 127 for c in http.path):
        event("path with '..', '//' or non-ASCII")
    signed = check(http, family, s3)
    assert signed.access_key == ACCESS and signed.region == "eu-west-1"
    assert signed.presigned == kind.endswith("presigned")

    if mutation == "signature":
        sig = signed.signature
        i = data.draw(st.integers(0, len(sig) - 1))
        new = sig[:i] + ("a" if sig[i] != "a" else "b") + sig[i + 1:]
        if signed.presigned:
            bad = rebuilt(http, query=http.query.replace(f"X-Amz-Signature={sig}",
                                                         f"X-Amz-Signature={new}"))
        else:
            bad = rebuilt(http, headers=Headers(
                (n, v.replace(sig, new) if n.lower() == "authorization" else v)
                for n, v in http.headers.items()))
        error = rejected(bad, family, s3)
        assert (error.code, error.status) == BAD[family]
    elif mutation == "header":
        name = data.draw(st.sampled_from(signed.signed_headers))
        if name == "x-amz-content-sha256":
            return   # covered by the body mutation
        headers = Headers((n, v + "x" if n.lower() == name else v) for n, v in http.headers.items())
        error = rejected(rebuilt(http, headers=headers), family, s3)
        if name in ("x-amz-date",):
            assert error.code in (BAD[family][0], "IncompleteSignature",
                                  "IncompleteSignatureException", "AuthorizationHeaderMalformed",
                                  "AccessDenied")
        else:
            assert (error.code, error.status) == BAD[family]
    elif mutation == "path":
        error = rejected(rebuilt(http, path=http.path.rstrip("/") + "/zz"), family, s3)
        assert (error.code, error.status) == BAD[family]
    elif mutation == "query":
        query = http.query + ("&" if http.query else "") + "extra=1"
        error = rejected(rebuilt(http, query=query), family, s3)
        assert (error.code, error.status) == BAD[family]
    elif mutation == "body":
        body = http.body_bytes()
        if signed.presigned and s3 or signed.payload_hash == sigv4.UNSIGNED_PAYLOAD:
            # UNSIGNED-PAYLOAD: the body is not covered, as in AWS.
            check(rebuilt(http, body=io.BytesIO(body + b"x")), family, s3)
            return
        error = rejected(rebuilt(http, body=io.BytesIO(body + b"x")), family, s3)
        if s3:
            assert (error.code, error.status) == ("XAmzContentSHA256Mismatch", 400)
        else:
            assert (error.code, error.status) == BAD[family]


# --- streaming aws-chunked bodies --------------------------------------------------------------

def _hmac_hex(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def test_aws_documented_chunk_example():
    """AWS's worked example ("Signature calculation: transfer payload in multiple chunks")."""
    from datetime import datetime, timezone
    signed = sigv4.SignedRequest(
        access_key="AKIAIOSFODNN7EXAMPLE", date="20130524", region="us-east-1", service="s3",
        signed_headers=["host"], signature="", amz_date=datetime(2013, 5, 24, tzinfo=timezone.utc),
        presigned=False, expires=None, payload_hash=sigv4.STREAMING_SIGNED, security_token=None)
    on_chunk, _ = sigv4.chunk_verifier(
        signed, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
    on_chunk(b"a" * 65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648")
    on_chunk(b"a" * 1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497")
    with pytest.raises(AwsError) as info:   # a chunk replayed out of order
        on_chunk(b"a" * 1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497")
    assert (info.value.code, info.value.status) == ("SignatureDoesNotMatch", 403)
    on_chunk(b"", "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")


def streaming_request(chunks: list[bytes], trailer: bool, tamper: str | None = None):
    mode = sigv4.STREAMING_SIGNED_TRAILER if trailer else sigv4.STREAMING_SIGNED
    payload = b"".join(chunks)
    headers = {"X-Amz-Content-SHA256": mode, "Content-Encoding": "aws-chunked",
               "X-Amz-Decoded-Content-Length": str(len(payload))}
    if trailer:
        headers["X-Amz-Trailer"] = "x-amz-checksum-sha256"
    aws_request = AWSRequest(method="PUT", url="http://bucket.s3.amazonaws.com/object-key",
                             headers=headers, data=b"")
    SigV4Auth(Credentials(ACCESS, SECRET), "s3", "us-east-1").add_auth(aws_request)
    prepared = aws_request.prepare()
    http = to_http(prepared)
    signed = sigv4.parse_auth(http, "rest-xml-s3")
    key = _signing_key(SECRET, signed.date, "us-east-1", "s3")
    head = f"{signed.amz_date_text}\n{signed.scope}\n"
    previous = signed.signature
    body = b""
    for index, chunk in enumerate(list(chunks) + [b""]):
        previous = _hmac_hex(key, f"AWS4-HMAC-SHA256-PAYLOAD\n{head}{previous}\n"
                                  f"{sigv4.EMPTY_SHA256}\n{hashlib.sha256(chunk).hexdigest()}")
        sent = chunk
        if tamper == "data" and index == 0 and chunk:
            sent = bytes([chunk[0] ^ 1]) + chunk[1:]
        body += f"{len(chunk):x};chunk-signature={previous}\r\n".encode()
        if chunk:
            body += sent + b"\r\n"
    if trailer:
        import base64
        value = base64.b64encode(hashlib.sha256(payload).digest()).decode()
        block = f"x-amz-checksum-sha256:{value}\n"
        trailer_sig = _hmac_hex(key, f"AWS4-HMAC-SHA256-TRAILER\n{head}{previous}\n"
                                     f"{hashlib.sha256(block.encode()).hexdigest()}")
        if tamper == "trailer":
            trailer_sig = trailer_sig[:-1] + ("0" if trailer_sig[-1] != "0" else "1")
        body += f"x-amz-checksum-sha256:{value}\r\nx-amz-trailer-signature:{trailer_sig}\r\n".encode()
    body += b"\r\n"
    http.body = io.BytesIO(body)
    return http


def read_streaming(http: HttpRequest) -> bytes:
    decoder = decode_request_body(http)
    signed = sigv4.parse_auth(http, "rest-xml-s3")
    now = signed.amz_date
    VERIFIER.verify(http, signed, SECRET, now=now, s3=True, family="rest-xml-s3")
    decoder.chunk_verifier, decoder.trailer_verifier = VERIFIER.chunk_verifier(
        signed, SECRET, signed.signature)
    return decoder.read()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 3), max_size=3).map(
           lambda ks: [bytes([65 + i]) * (8192 * k) for i, k in enumerate(ks)]),
       st.binary(min_size=0, max_size=100), st.booleans(),
       st.sampled_from([None, "data", "trailer"]))
def test_streaming_chunk_signatures(chunks, last, trailer, tamper):
    chunks = chunks + ([last] if last else [])
    if tamper == "trailer" and not trailer:
        tamper = None
    if tamper == "data" and not chunks:
        tamper = None
    http = streaming_request(chunks, trailer, tamper)
    if tamper is None:
        assert read_streaming(http) == b"".join(chunks)
    else:
        with pytest.raises(AwsError) as info:
            read_streaming(http)
        assert (info.value.code, info.value.status) == ("SignatureDoesNotMatch", 403)


def test_streaming_unsigned_trailer_signs_the_literal():
    """STREAMING-UNSIGNED-PAYLOAD-TRAILER: the seed signs the literal; chunks carry no signature."""
    headers = {"X-Amz-Content-SHA256": sigv4.STREAMING_UNSIGNED_TRAILER,
               "Content-Encoding": "aws-chunked", "X-Amz-Decoded-Content-Length": "3",
               "X-Amz-Trailer": "x-amz-checksum-crc32"}
    aws_request = AWSRequest(method="PUT", url="https://bucket.s3.amazonaws.com/k",
                             headers=headers, data=b"")
    SigV4Auth(Credentials(ACCESS, SECRET), "s3", "us-east-1").add_auth(aws_request)
    http = to_http(aws_request.prepare())
    http.body = io.BytesIO(b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n")
    decoder = decode_request_body(http)
    signed = sigv4.parse_auth(http, "rest-xml-s3")
    assert signed.payload_hash == sigv4.STREAMING_UNSIGNED_TRAILER
    VERIFIER.verify(http, signed, SECRET, now=signed.amz_date, s3=True, family="rest-xml-s3")
    assert decoder.read() == b"abc"
    with pytest.raises(AwsError) as info:
        VERIFIER.verify(http, signed, SECRET + "x", now=signed.amz_date, s3=True,
                        family="rest-xml-s3")
    assert info.value.code == "SignatureDoesNotMatch"
