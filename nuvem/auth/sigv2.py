"""AWS Signature Version 2 for S3 (HMAC-SHA1), verify only.

Still sent by botocore's S3 presigned URLs (`?AWSAccessKeyId=&Expires=&Signature=`) and by old
clients (`Authorization: AWS AKID:signature`). Written from Amazon S3's "Signing and
authenticating REST requests (AWS signature version 2)":

    StringToSign = Verb \\n Content-MD5 \\n Content-Type \\n Date \\n
                   CanonicalizedAmzHeaders CanonicalizedResource

Date is the Expires epoch for query auth, and empty when an x-amz-date header is present.
CanonicalizedAmzHeaders: x-amz-* lower-cased, sorted, repeated values comma-joined, one
`name:value\\n` each; in query auth the x-amz-* query parameters count too (botocore moves the
signed headers, the session token among them, into the query). CanonicalizedResource: the path
as sent (with "/bucket" first for virtual-hosted requests) plus the sub-resources, sorted, values
decoded. Only S3 accepts it; errors are S3's (`sigv4.error("rest-xml-s3", ...)`).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import unquote_to_bytes

from nuvem.auth.sigv4 import MAX_SKEW, _bytes, _parse_date, error
from nuvem.errors import AwsError

FAMILY = "rest-xml-s3"
SERVICES = frozenset({"s3"})     # S3 Control never took SigV2
# The doc's list plus what botocore's HmacV1Auth signs (a superset): both sides must agree.
SUB_RESOURCES = frozenset({
    "accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete", "inventory",
    "lifecycle", "location", "logging", "metrics", "notification", "object-lock", "partNumber",
    "policy", "replication", "requestPayment", "restore", "select", "select-type",
    "storageClass", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning",
    "versions", "website", "response-cache-control", "response-content-disposition",
    "response-content-encoding", "response-content-language", "response-content-type",
    "response-expires"})
_V4_QUERY = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature")
_ISO = "%Y-%m-%dT%H:%M:%SZ"
_FOLD = re.compile(r"[ \t]*\r?\n[ \t]*")


@dataclass
class SignedV2Request:
    access_key: str
    signature: str
    presigned: bool
    expires: str | None            # query auth: epoch seconds, as sent (it is signed as text)
    date: datetime | None          # header auth: x-amz-date, else Date
    date_text: str
    security_token: str | None


def _query(request) -> list[tuple[str, str, str]]:
    """Query pairs with values percent-decoded into wire chars (one char per byte, like
    headers), '+' kept: botocore decodes sub-resource values with unquote, not unquote_plus."""
    pairs = []
    for part in request.query.split("&"):
        if part:
            key, eq, value = part.partition("=")
            pairs.append((key, eq, unquote_to_bytes(_bytes(value)).decode("latin-1")))
    return pairs


def parse_auth(request) -> SignedV2Request | None:
    """The SigV2 signature a request carries; None if it carries none (maybe a SigV4 one)."""
    auth = request.headers.get("authorization")
    params: dict[str, str] = {}
    if request.query and any(mark in request.query
                             for mark in ("Signature", "AWSAccessKeyId", "X-Amz-")):
        for key, _, value in _query(request):
            params.setdefault(key, value)
    in_query = "Signature" in params or "AWSAccessKeyId" in params
    in_header = auth is not None and auth.startswith("AWS ")
    if not in_query and not in_header:
        return None
    mechanisms = (auth is not None) + in_query + any(key in params for key in _V4_QUERY)
    if mechanisms > 1:
        raise error(FAMILY, "two_mechanisms")
    if in_header:
        access_key, _, signature = auth[4:].strip().partition(":")
        if not access_key or not signature:
            raise AwsError("AWS authorization header is invalid.  Expected "
                           "AwsAccessKeyId:signature", code="InvalidArgument", status=400,
                           ArgumentName="Authorization", ArgumentValue=auth)
        # A sent x-amz-date is the request's date even when empty (the Date line is then signed
        # empty); S3 takes none before 1970 for a valid date.
        amz_date = request.headers.get("x-amz-date")
        date_text = amz_date if amz_date is not None else request.headers.get("date") or ""
        date = _parse_date(date_text) if date_text else None
        if date is None or date.year < 1970:
            raise error(FAMILY, "no_date")
        return SignedV2Request(access_key, signature, False, None, date, date_text,
                               request.headers.get("x-amz-security-token"))
    if not all(params.get(name) for name in ("AWSAccessKeyId", "Signature", "Expires")):
        raise error(FAMILY, "missing", "Query-string authentication requires the Signature, "
                                       "Expires and AWSAccessKeyId parameters")
    if not params["Expires"].isdigit() or not params["Expires"].isascii():
        raise error(FAMILY, "missing", "Invalid date (should be seconds since epoch): "
                                       f"{params['Expires']}")
    return SignedV2Request(params["AWSAccessKeyId"], params["Signature"], True,
                           params["Expires"], None, "",
                           params.get("x-amz-security-token")
                           or request.headers.get("x-amz-security-token"))


def string_to_sign(request, signed: SignedV2Request, bucket: str | None = None) -> bytes:
    """`bucket`: the bucket a virtual-hosted request names in its Host (path-style: None)."""
    headers = request.headers
    query = _query(request)
    first = {}
    for key, _, value in query:
        first.setdefault(key.lower(), value)

    def positional(name: str) -> bytes:
        value = headers.get(name)
        if value is None and signed.presigned:      # botocore signs these into the query
            value = first.get(name)
        return _bytes((value or "").strip())

    if signed.presigned:
        date = signed.expires or ""
    elif "x-amz-date" in headers:
        date = ""
    else:
        date = (headers.get("date") or "").strip()
    amz: dict[str, list[str]] = {}
    for name in headers.keys_lower():
        if name.startswith("x-amz-"):
            amz.setdefault(name, []).extend(headers.get_all(name))
    if signed.presigned:
        for key, _, value in query:
            if key.lower().startswith("x-amz-") and key.lower() not in headers:
                amz.setdefault(key.lower(), []).append(value)
    lines = [_bytes(request.method.upper()), positional("content-md5"),
             positional("content-type"), _bytes(date)]
    # Folded values unfold to one space; no space around the comma or the colon.
    lines += [_bytes(f"{name}:" + ",".join(_FOLD.sub(" ", v.strip()) for v in amz[name]))
              for name in sorted(amz)]
    resource = _bytes(("/" + bucket if bucket else "") + (request.path or "/"))
    subs = sorted(((key, eq, value) for key, eq, value in query if key in SUB_RESOURCES),
                  key=lambda pair: pair[0])
    if subs:
        resource += b"?" + b"&".join(_bytes(key + eq + value) for key, eq, value in subs)
    return b"\n".join(lines) + b"\n" + resource


def signature(secret_key: str, text: bytes) -> str:
    return base64.b64encode(hmac.new(secret_key.encode("utf-8"), text, hashlib.sha1).digest()
                            ).decode("ascii")


def check_time(signed: SignedV2Request, now: datetime) -> None:
    """A presigned URL must not have expired, a signed request must be within 15 minutes of
    `now`; keys Nuvem did not issue (lenient mode) get this check too."""
    if signed.presigned:
        expires = int(signed.expires or 0)      # no upper bound: SigV2 URLs may outlive 2038
        if now.timestamp() > expires:
            expires_at = datetime.fromtimestamp(expires, timezone.utc)
            raise error(FAMILY, "expired", Expires=expires_at.strftime(_ISO),
                        ServerTime=now.strftime(_ISO))
    elif abs(now - signed.date) > MAX_SKEW:
        raise error(FAMILY, "skewed", RequestTime=signed.date_text,
                    ServerTime=now.strftime(_ISO),
                    MaxAllowedSkewMilliseconds=str(int(MAX_SKEW.total_seconds() * 1000)))


def verify(request, signed: SignedV2Request, secret_key: str, *, now: datetime,
           bucket: str | None = None) -> None:
    """Raise S3's AwsError unless `request` carries a valid, current SigV2 signature."""
    check_time(signed, now)
    text = string_to_sign(request, signed, bucket)
    expected = signature(secret_key, text)
    if not hmac.compare_digest(expected.encode("ascii"), _bytes(signed.signature)):
        raise error(FAMILY, "bad_signature", AWSAccessKeyId=signed.access_key,
                    StringToSign=text.decode("utf-8", "replace"),
                    SignatureProvided=signed.signature,
                    StringToSignBytes=" ".join(f"{b:02x}" for b in text))
