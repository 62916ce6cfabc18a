"""S3 Signature Version 2: requests signed by botocore's own HmacV1 signers verify; tampered,
expired or skewed ones fail with S3's errors; the Authenticator takes SigV2 for S3 only."""
from __future__ import annotations

import io
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from unittest import mock
from urllib.parse import urlsplit

import pytest
from botocore.auth import HmacV1Auth, HmacV1QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from nuvem.auth import sigv2
from nuvem.auth.credentials import Authenticator, KeyOwner
from nuvem.context import Call, Principal
from nuvem.errors import AwsError
from nuvem.protocol.routing import Route
from nuvem.protocol.wire import HttpRequest

ACCESS, SECRET, TOKEN = "AKIDV2TEST", "v2secret/+key", "session-token/+="
NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=timezone.utc)
EXPIRES = int(NOW.timestamp()) + 600
URL = "http://127.0.0.1:4566/bucket/photos/puppy%20one.jpg"


def sign(url=URL, *, method="GET", headers=None, query_auth=False, token=None, data=b"",
         auth_path=None, access=ACCESS) -> HttpRequest:
    request = AWSRequest(method=method, url=url, headers=headers or {}, data=data)
    request.auth_path = auth_path
    credentials = Credentials(access, SECRET, token)
    if query_auth:
        signer = HmacV1QueryAuth(credentials)
        signer._get_date = lambda: str(EXPIRES)          # a fixed Expires instead of time()
    else:
        signer = HmacV1Auth(credentials)
        signer._get_date = lambda: format_datetime(NOW, usegmt=True)
    signer.add_auth(request)
    parts = urlsplit(request.url)
    items = [(k, v) for k, v in request.headers.items()]
    if not query_auth or "Host" not in dict(items):
        items.append(("Host", parts.netloc))
    if query_auth:      # what a client fetching the URL sends: none of the signed headers
        items = [(k, v) for k, v in items if k.lower() in ("host", "content-type")]
    target = parts.path + ("?" + parts.query if parts.query else "")
    return HttpRequest.build(method, target, items, body=data)


def verify(http: HttpRequest, now=NOW, secret=SECRET, bucket=None) -> sigv2.SignedV2Request:
    signed = sigv2.parse_auth(http)
    assert signed is not None
    sigv2.verify(http, signed, secret, now=now, bucket=bucket)
    return signed


def rejected(http: HttpRequest, **kw) -> AwsError:
    with pytest.raises(AwsError) as info:
        verify(http, **kw)
    return info.value


def flip(text: str, index: int = 3) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1:]


def tamper_header_signature(http: HttpRequest) -> HttpRequest:
    items = [(k, flip(v, len("AWS " + ACCESS + ":") + 2) if k.lower() == "authorization" else v)
             for k, v in http.headers.items()]
    return HttpRequest.build(http.method, http.path + "?" + http.query, items)


# --- header form -------------------------------------------------------------------------------

HEADERS = {"Content-Type": "image/jpeg", "Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg==",
           "x-amz-meta-Owner": "  ana  ", "X-Amz-Acl": "public-read"}


@pytest.mark.parametrize("query", [
    "", "?acl", "?versionId=3%2B4&response-content-type=text%2Fplain&prefix=ignored",
    "?uploads&tagging=", "?partNumber=2&uploadId=abc%3D%3D&max-parts=5",
])
def test_header_signature_from_botocore_verifies(query):
    http = sign(URL + query, method="PUT", headers=HEADERS, data=b"hello")
    signed = verify(http)
    assert (signed.access_key, signed.presigned) == (ACCESS, False)


def test_non_ascii_header_and_sub_resource_values():
    """On the wire headers are bytes (the server hands them over one char per byte); botocore
    signs the UTF-8 of both the header value and the decoded sub-resource value."""
    http = sign(URL + "?versionId=caf%C3%A9", headers={"x-amz-meta-name": "café"})
    items = [(k, v.encode("utf-8").decode("latin-1")) for k, v in http.headers.items()]
    verify(HttpRequest.build("GET", http.path + "?" + http.query, items))


def test_header_signature_with_session_token():
    http = sign(token=TOKEN)
    assert verify(http).security_token == TOKEN


def test_one_flipped_byte_is_signature_does_not_match():
    http = sign(URL + "?acl", headers=HEADERS)
    error = rejected(tamper_header_signature(http))
    assert (error.code, error.status) == ("SignatureDoesNotMatch", 403)
    assert error.message == ("The request signature we calculated does not match the signature "
                             "you provided. Check your key and signing method.")
    text = error.fields["StringToSign"]
    assert text.endswith("x-amz-acl:public-read\nx-amz-meta-owner:ana\n"
                         "/bucket/photos/puppy%20one.jpg?acl")
    assert error.fields["AWSAccessKeyId"] == ACCESS
    assert error.fields["StringToSignBytes"].split()[:3] == ["47", "45", "54"]    # "GET"
    assert rejected(http, secret="other").code == "SignatureDoesNotMatch"


def test_tampered_request_parts_are_rejected():
    http = sign(URL + "?acl", headers=HEADERS)
    for name, value in (("x-amz-acl", "private"), ("content-type", "text/html")):
        items = [(k, value if k.lower() == name else v) for k, v in http.headers.items()]
        assert rejected(HttpRequest.build("GET", http.path + "?acl", items)).code == \
            "SignatureDoesNotMatch"
    items = http.headers.items()
    for target in (http.path + "?policy", "/bucket/other.jpg?acl"):
        assert rejected(HttpRequest.build("GET", target, items)).code == "SignatureDoesNotMatch"
    assert rejected(HttpRequest.build("DELETE", http.path + "?acl", items)).code == \
        "SignatureDoesNotMatch"


def test_clock_skew_is_request_time_too_skewed():
    http = sign()
    verify(http, now=NOW + timedelta(minutes=14))
    error = rejected(http, now=NOW + timedelta(minutes=16))
    assert (error.code, error.status) == ("RequestTimeTooSkewed", 403)
    assert error.fields["RequestTime"] == format_datetime(NOW, usegmt=True)
    assert error.fields["MaxAllowedSkewMilliseconds"] == "900000"
    assert rejected(http, now=NOW - timedelta(minutes=16)).code == "RequestTimeTooSkewed"


def test_doc_example_virtual_hosted():
    """The example of S3's SigV2 page: virtual-hosted, so the resource starts with the bucket."""
    http = HttpRequest.build("GET", "/photos/puppy.jpg", {
        "Host": "awsexamplebucket1.us-west-1.s3.amazonaws.com",
        "Date": "Tue, 27 Mar 2007 19:36:42 +0000",
        "Authorization": "AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g="})
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    now = datetime(2007, 3, 27, 19, 40, tzinfo=timezone.utc)
    verify(http, now=now, secret=secret, bucket="awsexamplebucket1")
    assert rejected(http, now=now, secret=secret).code == "SignatureDoesNotMatch"


def test_botocore_virtual_hosted_auth_path():
    http = sign("http://bucket.s3.amazonaws.com/key?acl", auth_path="/bucket/key")
    verify(http, bucket="bucket")


def test_x_amz_date_empties_the_date_line():
    amz_date = format_datetime(NOW, usegmt=True)
    text = f"GET\n\n\n\nx-amz-date:{amz_date}\n/bucket/key".encode()
    http = HttpRequest.build("GET", "/bucket/key", {
        "Host": "h", "x-amz-date": amz_date, "Date": "Mon, 01 Jan 2001 00:00:00 GMT",
        "Authorization": f"AWS {ACCESS}:{sigv2.signature(SECRET, text)}"})
    assert sigv2.string_to_sign(http, verify(http)) == text   # the old Date: not checked, not signed


# --- query form (botocore's default for S3 presigned URLs) -------------------------------------

def test_presigned_url_from_botocore_verifies():
    http = sign(URL + "?response-content-disposition=attachment%3B%20filename%3Da.jpg",
                query_auth=True, token=TOKEN,
                headers={"x-amz-acl": "public-read", "Content-Type": "image/jpeg"})
    assert "x-amz-security-token=" in http.query and "x-amz-acl=" in http.query
    signed = verify(http, now=NOW + timedelta(seconds=599))
    assert (signed.presigned, signed.expires, signed.security_token) == \
        (True, str(EXPIRES), TOKEN)


def test_presigned_url_flipped_signature_and_expiry():
    http = sign(query_auth=True)
    start = http.query.index("Signature=") + len("Signature=")
    bad = HttpRequest.build("GET", http.path + "?" + flip(http.query, start + 2),
                            http.headers.items())
    assert bad.query != http.query
    assert rejected(bad).code == "SignatureDoesNotMatch"
    later = HttpRequest.build("GET", http.path + "?" + http.query.replace(
        f"Expires={EXPIRES}", f"Expires={EXPIRES + 1}"), http.headers.items())
    assert rejected(later).code == "SignatureDoesNotMatch"        # Expires is signed
    error = rejected(http, now=NOW + timedelta(seconds=601))
    assert (error.code, error.status, error.message) == ("AccessDenied", 403,
                                                         "Request has expired")
    assert error.fields == {"Expires": "2026-11-26T12:10:00Z",
                            "ServerTime": "2026-11-26T12:10:01Z"}


# --- parsing ------------------------------------------------------------------------------------

def test_not_sigv2():
    assert sigv2.parse_auth(HttpRequest.build("GET", "/b/k?Expires=1")) is None
    assert sigv2.parse_auth(HttpRequest.build("GET", "/b/k", {
        "Authorization": "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request"})) is None


@pytest.mark.parametrize("target,headers,code,status", [
    ("/b/k?AWSAccessKeyId=a&Signature=s", {}, "AccessDenied", 403),
    ("/b/k?AWSAccessKeyId=a&Signature=s&Expires=soon", {}, "AccessDenied", 403),
    ("/b/k", {"Authorization": "AWS nocolon"}, "InvalidArgument", 400),
    ("/b/k", {"Authorization": "AWS a:b"}, "AccessDenied", 403),                  # no date
    ("/b/k", {"Authorization": "AWS a:b", "x-amz-date": "",                      # an empty one
              "Date": "Tue, 07 Jul 2026 21:53:04 GMT"}, "AccessDenied", 403),    # is the date
    ("/b/k", {"Authorization": "AWS a:b", "x-amz-date": "Tue, 07 Jul 1950 21:53:04 GMT"},
     "AccessDenied", 403),                                                        # before 1970
    ("/b/k?AWSAccessKeyId=a&Signature=s&Expires=1", {"Authorization": "AWS a:b"},
     "InvalidArgument", 400),                                                     # two mechanisms
    ("/b/k?X-Amz-Credential=x", {"Authorization": "AWS a:b", "Date": "x"}, "InvalidArgument", 400),
])
def test_malformed(target, headers, code, status):
    with pytest.raises(AwsError) as info:
        sigv2.parse_auth(HttpRequest.build("GET", target, headers))
    assert (info.value.code, info.value.status) == (code, status)


# --- the authenticator ---------------------------------------------------------------------------

class Clock:
    def now(self):
        return NOW


USER = Principal("user", "111122223333", "arn:aws:iam::111122223333:user/ana", "AIDAANA")
KEYS = {ACCESS: KeyOwner(USER, SECRET, True),
        "ASIAV2": KeyOwner(USER, SECRET, True, session_token=TOKEN,
                           expiration=NOW + timedelta(hours=1))}


def authenticate(http: HttpRequest, mode="lenient", service="s3") -> Call:
    call = Call(request=http, runtime=None, request_id="r", received_at=NOW)
    # a request's own date is checked against the real clock: here, the one these were signed at
    with mock.patch("nuvem.auth.credentials._real_now", return_value=NOW):
        Authenticator(mode, Clock(), KEYS.get).authenticate(
            call, Route(service=service, protocol="rest-xml"), "eu-west-1")
    return call


def test_authenticator_known_key():
    for http in (sign(), sign(query_auth=True)):
        call = authenticate(http, mode="enforce")
        assert (call.principal, call.account, call.region) == (USER, "111122223333", "eu-west-1")
    with pytest.raises(AwsError) as info:
        authenticate(tamper_header_signature(sign()))
    assert info.value.code == "SignatureDoesNotMatch"


def test_authenticator_unknown_key_by_mode(monkeypatch):
    monkeypatch.setattr(sigv2, "verify", None)      # unknown keys' signatures are never verified
    later = int(time.time()) + 600
    http = HttpRequest.build("GET", f"/b/k?AWSAccessKeyId=444455556666&Signature=x&Expires={later}")
    call = authenticate(http)
    assert call.principal == Principal.root("444455556666")
    assert authenticate(http, mode="off").principal == Principal.root("444455556666")
    with pytest.raises(AwsError) as info:
        authenticate(http, mode="enforce")
    assert (info.value.code, info.value.status) == ("InvalidAccessKeyId", 403)
    # ... but their time is checked (against the real clock) in lenient mode, not in off mode
    expired = HttpRequest.build("GET", "/b/k?AWSAccessKeyId=444455556666&Signature=x&Expires=1")
    with pytest.raises(AwsError) as info:
        authenticate(expired)
    assert (info.value.code, info.value.status, info.value.message) == (
        "AccessDenied", 403, "Request has expired")
    assert authenticate(expired, mode="off").principal == Principal.root("444455556666")


def test_authenticator_session_token():
    assert authenticate(sign(query_auth=True, token=TOKEN, access="ASIAV2")).principal == USER
    assert authenticate(sign(token=TOKEN, access="ASIAV2")).principal == USER
    for http in (sign(query_auth=True, access="ASIAV2"), sign(token="wrong", access="ASIAV2"),
                 sign(token=TOKEN)):                 # a long-term key sent with a token
        with pytest.raises(AwsError) as info:
            authenticate(http)
        assert info.value.code == "InvalidAccessKeyId"


def test_other_services_do_not_take_sigv2():
    with pytest.raises(AwsError) as info:
        authenticate(sign(), service="sqs")
    assert info.value.code == "IncompleteSignature"
    with pytest.raises(AwsError) as info:
        authenticate(sign(), service="s3control")
    assert info.value.code == "AuthorizationHeaderMalformed"
