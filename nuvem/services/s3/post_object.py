"""Browser-based uploads: `POST /<bucket>` with a `multipart/form-data` body (POST Object).

Written from the Amazon S3 API Reference ("Browser-Based Uploads Using POST (AWS Signature
Version 4)", "Creating a POST Policy", "POST Policy" conditions) and the SigV2 variant ("Browser-
Based Uploads Using POST", HTML Forms). No API operation models it, so the gateway hands it here
(`Route.post_object`); the object itself is written by PutObject's own handler.

- The form: field names are case-insensitive; repeated fields join with ","; `${filename}` in any
  field becomes the file's name (after its last '/' or '\\'); the `file` part must come last and
  anything after it is ignored. The fields before it may not exceed 20 KB. The file streams from
  the spooled request body into the object's storage, never whole in memory.
- Authentication: a form with a `policy` is signed, SigV4 (`x-amz-algorithm`, `x-amz-credential`,
  `x-amz-date`, `x-amz-signature`: hex HMAC-SHA256 of the base64 policy with the derived signing
  key) or SigV2 (`AWSAccessKeyId`, `signature`: base64 HMAC-SHA1 of it); the key is resolved like
  any other (`auth/credentials.py`), so lenient mode lets unknown keys act as their account's
  root. A form without a policy is anonymous.
- The policy: `expiration`, then every condition (`{"f": v}`, `["eq", "$f", v]`,
  `["starts-with", "$f", prefix]`, `["content-length-range", min, max]`, `bucket` is the bucket
  posted to), then every field but file, policy, x-amz-signature, signature, AWSAccessKeyId and
  x-ignore-* must be named by a condition, and so must the bucket.
- Authorization: the caller (signer or anonymous) needs s3:PutObject on the key, decided by the
  authorizer with the bucket policy and ACLs, as for PutObject.
- The answer: `success_action_redirect` (or `redirect`): 303 to it with bucket, key and etag in its
  query; else `success_action_status` 200, 201 (a PostResponse document) or 204 (the default).
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime, timezone
from email.parser import HeaderParser
from typing import BinaryIO
from urllib.parse import quote, urlencode, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from nuvem.context import Call
from nuvem.errors import ReadBodyFirst
from nuvem.protocol import checksums
from nuvem.protocol.quirks import host_id
from nuvem.protocol.routing import Route
from nuvem.protocol.wire import HttpResponse
from nuvem.services.s3.errors import (AccessDenied, EntityTooLarge, EntityTooSmall,
                                      InvalidArgument, MalformedXML, S3Error)

MAX_PRE_DATA = 20 * 1024          # "The form data and boundaries (excluding the file) ≤ 20 KB"
READ_SIZE = 1 << 20
# Fields no condition needs to name (SigV4 and SigV2 lists combined).
EXEMPT = frozenset({"file", "policy", "x-amz-signature", "signature", "awsaccesskeyid"})
V4_FIELDS = ("x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")
V2_FIELDS = ("awsaccesskeyid", "signature")
_ARGUMENT_NAMES = {"x-amz-algorithm": "X-Amz-Algorithm", "x-amz-credential": "X-Amz-Credential",
                   "x-amz-date": "X-Amz-Date", "x-amz-signature": "X-Amz-Signature",
                   "awsaccesskeyid": "AWSAccessKeyId", "signature": "Signature",
                   "policy": "Policy"}
# Form fields → PutObject request members (headers of PutObject, as form fields).
_MEMBERS = {
    "acl": "ACL", "content-type": "ContentType", "cache-control": "CacheControl",
    "content-disposition": "ContentDisposition", "content-encoding": "ContentEncoding",
    "content-language": "ContentLanguage", "expires": "Expires", "content-md5": "ContentMD5",
    "x-amz-storage-class": "StorageClass",
    "x-amz-server-side-encryption": "ServerSideEncryption",
    "x-amz-server-side-encryption-aws-kms-key-id": "SSEKMSKeyId",
    "x-amz-server-side-encryption-customer-algorithm": "SSECustomerAlgorithm",
    "x-amz-server-side-encryption-customer-key": "SSECustomerKey",
    "x-amz-server-side-encryption-customer-key-md5": "SSECustomerKeyMD5",
    "x-amz-website-redirect-location": "WebsiteRedirectLocation",
    "x-amz-checksum-algorithm": "ChecksumAlgorithm",
    "x-amz-object-lock-mode": "ObjectLockMode",
    "x-amz-object-lock-retain-until-date": "ObjectLockRetainUntilDate",
    "x-amz-object-lock-legal-hold": "ObjectLockLegalHoldStatus",
    "x-amz-grant-read": "GrantRead", "x-amz-grant-read-acp": "GrantReadACP",
    "x-amz-grant-write-acp": "GrantWriteACP", "x-amz-grant-full-control": "GrantFullControl",
    **{f"x-amz-checksum-{a.lower()}": f"Checksum{a}" for a in checksums.ALGORITHMS},
}
# PutObject result members → the answer's headers.
_RESULT_HEADERS = {
    "ServerSideEncryption": "x-amz-server-side-encryption",
    "SSEKMSKeyId": "x-amz-server-side-encryption-aws-kms-key-id",
    "SSECustomerAlgorithm": "x-amz-server-side-encryption-customer-algorithm",
    "SSECustomerKeyMD5": "x-amz-server-side-encryption-customer-key-MD5",
    "VersionId": "x-amz-version-id",
    **{f"Checksum{a}": f"x-amz-checksum-{a.lower()}" for a in checksums.ALGORITHMS},
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def _policy_error(detail: str) -> S3Error:
    return S3Error(f"Invalid Policy: {detail}", code="InvalidPolicyDocument", status=400)


def _violation(detail: str) -> S3Error:
    return AccessDenied(f"Invalid according to Policy: {detail}")


def _malformed() -> S3Error:
    return S3Error("The body of your POST request is not well-formed multipart/form-data.",
                   code="MalformedPOSTRequest", status=400)


def _missing(name: str) -> S3Error:
    argument = _ARGUMENT_NAMES.get(name, name)
    return InvalidArgument(f"Bucket POST must contain a field named '{argument}'.  If it is "
                           "specified, please check the order of the fields.",
                           ArgumentName=argument, ArgumentValue="")


# -- multipart/form-data, streamed --------------------------------------------------------------
def boundary_of(content_type: str) -> str | None:
    header = HeaderParser().parsestr(f"Content-Type: {content_type}\r\n\r\n")
    boundary = header.get_param("boundary")
    return boundary if isinstance(boundary, str) and boundary else None


class _Stream:
    """A buffered reader over the spooled request body."""

    def __init__(self, body: BinaryIO):
        self.body = body
        self.buffer = bytearray()
        self.eof = False
        self.consumed = 0

    def fill(self, at_least: int) -> bool:
        while len(self.buffer) < at_least and not self.eof:
            piece = self.body.read(READ_SIZE)
            if not piece:
                self.eof = True
            else:
                self.buffer += piece
        return len(self.buffer) >= at_least

    def take(self, n: int) -> bytes:
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        self.consumed += n
        return data

    def find(self, needle: bytes, limit: int | None = None) -> int:
        """Index of `needle` in the stream from here, reading on as needed; -1 if absent
        (within `limit` bytes, when given)."""
        start = 0
        while True:
            index = self.buffer.find(needle, start)
            if index >= 0:
                return index
            if self.eof or (limit is not None and len(self.buffer) > limit):
                return -1
            start = max(0, len(self.buffer) - len(needle) + 1)
            self.fill(len(self.buffer) + READ_SIZE)


class FilePart:
    """The `file` part's content: read() yields bytes up to the closing delimiter."""

    def __init__(self, stream: _Stream, delimiter: bytes):
        self.stream = stream
        self.delimiter = delimiter
        self.done = False

    def read(self, n: int = -1) -> bytes:
        if self.done:
            return b""
        n = READ_SIZE if n is None or n < 0 else n
        stream, keep = self.stream, len(self.delimiter)
        stream.fill(n + keep)
        index = stream.buffer.find(self.delimiter)
        if 0 <= index <= n:
            self.done = True
            return stream.take(index)
        if index < 0 and stream.eof:
            raise _malformed()        # the form never closes
        available = n if index > n else min(n, len(stream.buffer) - keep + 1)
        return stream.take(max(available, 0))


def parse_form(body: BinaryIO, boundary: str) -> tuple[dict[str, list[str]], FilePart | None,
                                                          str | None]:
    """The fields before the file part (lower-cased names, values in order), the file part and
    its file name; (fields, None, None) when the form has no file part."""
    stream = _Stream(body)
    opening = b"--" + boundary.encode("latin-1")
    delimiter = b"\r\n" + opening
    stream.fill(len(opening) + 2)
    if stream.buffer.startswith(opening):
        stream.take(len(opening))
    else:
        index = stream.find(delimiter, MAX_PRE_DATA)
        if index < 0:
            raise _malformed()
        stream.take(index + len(delimiter))
    fields: dict[str, list[str]] = {}
    while True:
        stream.fill(2)
        if stream.buffer[:2] == b"--":        # the closing delimiter: no file part
            return fields, None, None
        end = stream.find(b"\r\n\r\n", MAX_PRE_DATA)
        if end < 0:
            if stream.consumed + len(stream.buffer) > MAX_PRE_DATA:
                raise _too_much()
            raise _malformed()
        head = stream.take(end + 4).decode("utf-8", "replace").lstrip(" \t\r\n")
        headers = HeaderParser().parsestr(head)
        disposition = headers.get("content-disposition")
        if disposition is None:
            raise _malformed()
        name = (headers.get_param("name", header="content-disposition") or "")
        name = name if isinstance(name, str) else ""
        if name.lower() == "file":
            filename = headers.get_filename()
            return fields, FilePart(stream, delimiter), filename
        index = stream.find(delimiter, MAX_PRE_DATA)
        if index < 0:
            if stream.consumed + len(stream.buffer) > MAX_PRE_DATA:
                raise _too_much()
            raise _malformed()
        value = stream.take(index).decode("utf-8", "replace")
        stream.take(len(delimiter))
        if stream.consumed > MAX_PRE_DATA:
            raise _too_much()
        fields.setdefault(name.lower(), []).append(value)


def _too_much() -> S3Error:
    return S3Error("Your POST request fields preceeding the upload file was too large.",
                   code="MaxPostPreDataLengthExceededError", status=400)


# -- the policy ---------------------------------------------------------------------------------
def _decode_policy(text: str) -> dict:
    try:
        raw = base64.b64decode(text.strip(), validate=False)
        document = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _policy_error("Invalid JSON.") from None
    if not isinstance(document, dict):
        raise _policy_error("Invalid JSON.")
    return document


def _expiration(document: dict) -> datetime:
    value = document.get("expiration")
    if value is None:
        raise _policy_error("Policy missing expiration.")
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise _policy_error(f"Invalid 'expiration' value: '{value}'")
    return datetime.fromisoformat(value[:-1]).replace(tzinfo=timezone.utc)


def _rendered(op: str, name: str, value) -> str:
    return json.dumps([op, name, value], ensure_ascii=False)


class Conditions:
    """The policy's conditions, checked against the form; content-length-range is kept for the
    file, whose size is known only as it streams."""

    def __init__(self, document: dict):
        conditions = document.get("conditions")
        if conditions is None:
            raise _policy_error("Policy missing conditions.")
        if not isinstance(conditions, list):
            raise _policy_error("Invalid 'conditions' value: must be a list.")
        self.rules: list[tuple[str, str, str, str]] = []   # (op, field, value, as written)
        self.length: tuple[int, int] | None = None
        for condition in conditions:
            if isinstance(condition, dict):
                if len(condition) != 1:
                    raise _policy_error("Invalid Simple-Condition: Simple-Conditions must have "
                                        "exactly one property specified.")
                (name, value), = condition.items()
                if not isinstance(value, str):
                    raise _policy_error("Invalid Simple-Condition: value must be a string.")
                self.rules.append(("eq", name.lower(), value,
                                   _rendered("eq", "$" + name, value)))
            elif isinstance(condition, list) and condition:
                self._add(condition)
            else:
                raise _policy_error("Invalid Condition: must be an object or an array.")

    def _add(self, condition: list) -> None:
        op = condition[0].lower() if isinstance(condition[0], str) else ""
        if op == "content-length-range":
            if len(condition) != 3:
                raise _policy_error("Invalid content-length-range Condition: wrong number of "
                                    "arguments.")
            try:
                low, high = int(condition[1]), int(condition[2])
            except (TypeError, ValueError):
                raise _policy_error("Invalid content-length-range Condition: bounds must be "
                                    "integers.") from None
            self.length = (low, high)
            return
        if op not in ("eq", "starts-with"):
            raise _policy_error(f"Invalid Condition: unknown condition type "
                                f"'{condition[0]}'.")
        if len(condition) != 3 or not all(isinstance(c, str) for c in condition[1:]):
            raise _policy_error(f"Invalid {condition[0]} Condition: expected [\"{op}\", "
                                "\"$field\", \"value\"].")
        name, value = condition[1], condition[2]
        if not name.startswith("$"):
            raise _policy_error(f"Invalid {condition[0]} Condition: the field name must start "
                                "with '$'.")
        self.rules.append((op, name[1:].lower(), value, _rendered(condition[0], name, value)))

    def check(self, fields: dict[str, str], bucket: str) -> None:
        for op, name, expected, written in self.rules:
            actual = bucket if name == "bucket" else fields.get(name, "")
            if op == "eq":
                ok = actual == expected
            elif name == "content-type" and expected:
                ok = all(part.strip().startswith(expected) for part in actual.split(","))
            else:
                ok = actual.startswith(expected)
            if not ok:
                raise _violation(f"Policy Condition failed: {written}")
        named = {name for _, name, _, _ in self.rules}
        if "bucket" not in named:     # the bucket posted to counts as a field of the form
            raise _violation("Extra input fields: bucket")
        for name in fields:
            if name not in EXEMPT and not name.startswith("x-ignore-") and name not in named:
                raise _violation(f"Extra input fields: {name}")


class SizedFile:
    """The file part, held to content-length-range while it streams."""

    def __init__(self, part: FilePart, length: tuple[int, int] | None):
        self.part, self.length, self.size = part, length, 0

    def read(self, n: int = -1) -> bytes:
        piece = self.part.read(n)
        self.size += len(piece)
        if self.length is None:
            return piece
        low, high = self.length
        if self.size > high:
            while more := self.part.read(READ_SIZE):      # count it, never store it
                self.size += len(more)
            raise EntityTooLarge("Your proposed upload exceeds the maximum allowed size",
                                 ProposedSize=str(self.size), MaxSizeAllowed=str(high))
        if not piece and self.size < low:
            raise EntityTooSmall(ProposedSize=str(self.size), MinSizeAllowed=str(low))
        return piece


# -- the request --------------------------------------------------------------------------------
def _authenticate(call: Call, fields: dict[str, str], policy: str | None, region: str) -> None:
    """Who the form acts as: its signer, or the anonymous principal when it carries no policy."""
    from nuvem.context import Principal
    authenticator = call.runtime.authenticator
    if policy is None:
        call.principal, call.region = Principal.anonymous(), region
        return
    token = fields.get("x-amz-security-token")
    if any(name in fields for name in V4_FIELDS):
        for name in V4_FIELDS:
            if not fields.get(name):
                raise _missing(name)
        if fields["x-amz-algorithm"] != "AWS4-HMAC-SHA256":
            raise InvalidArgument("Only AWS4-HMAC-SHA256 is supported for X-Amz-Algorithm",
                                  ArgumentName="X-Amz-Algorithm",
                                  ArgumentValue=fields["x-amz-algorithm"])
        authenticator.authenticate_post(call, policy=policy, signature=fields["x-amz-signature"],
                                        credential=fields["x-amz-credential"],
                                        security_token=token, region=region)
        return
    for name in V2_FIELDS:
        if not fields.get(name):
            raise _missing(name)
    authenticator.authenticate_post(call, policy=policy, signature=fields["signature"],
                                    access_key=fields["awsaccesskeyid"], security_token=token,
                                    region=region)


def _tagging(text: str) -> str:
    """The `tagging` field (a Tagging document) as PutObject's x-amz-tagging query string."""
    from nuvem.services.s3.objects import tags_of_set
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        raise MalformedXML() from None
    tag_set = []
    for tag in root.iter():
        if tag.tag.rpartition("}")[2] == "Tag":
            item = {child.tag.rpartition("}")[2]: child.text or "" for child in tag}
            tag_set.append({"Key": item.get("Key", ""), "Value": item.get("Value", "")})
    return urlencode(list(tags_of_set(tag_set).items()))


def _put_request(bucket: str, key: str, fields: dict[str, str], body) -> dict:
    req: dict = {"Bucket": bucket, "Key": key, "Body": body}
    metadata = {}
    for name, value in fields.items():
        if name in _MEMBERS:
            req[_MEMBERS[name]] = value
        elif name.startswith("x-amz-meta-"):
            metadata[name[len("x-amz-meta-"):]] = value
    if metadata:
        req["Metadata"] = metadata
    if "tagging" in fields:
        req["Tagging"] = _tagging(fields["tagging"])
    return req


def _location(call: Call, route: Route, bucket: str, key: str) -> str:
    request = call.request
    virtual = route.s3_host is not None and route.s3_host.bucket
    prefix = "" if virtual else f"/{quote(bucket)}"
    return f"{request.scheme}://{request.host}{prefix}/{quote(key, safe='/')}"


def _redirect_target(fields: dict[str, str]) -> str | None:
    url = fields.get("success_action_redirect") or fields.get("redirect")
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def serve(call: Call, route: Route) -> HttpResponse:
    request = call.request
    runtime = call.runtime
    bucket = route.uri_params.get("Bucket", "")
    call.operation = "PostObject"
    call.params = {"Bucket": bucket}
    region = route.region or runtime.config.default_region
    boundary = boundary_of(request.headers.get("content-type") or "")
    if boundary is None:
        raise _malformed()
    if hasattr(request.body, "seek"):
        request.body.seek(0)
    raw, part, filename = parse_form(request.body, boundary)
    fields = {name: ",".join(values) for name, values in raw.items()}
    if part is None:
        raise InvalidArgument("POST requires exactly one file upload per request.",
                              ArgumentName="file", ArgumentValue="0")
    if not fields.get("key"):
        raise _missing("key")
    policy = fields.get("policy")
    _authenticate(call, fields, policy, region)
    name = re.split(r"[/\\]", filename or "")[-1]
    fields = {k: (v if k in EXEMPT else v.replace("${filename}", name))
              for k, v in fields.items()}
    key = fields["key"]
    length = None
    if policy is not None:
        document = _decode_policy(policy)
        if runtime.clock.now() > _expiration(document):
            raise _violation("Policy expired.")
        conditions = Conditions(document)
        conditions.check(fields, bucket)
        length = conditions.length
    req = _put_request(bucket, key, fields, SizedFile(part, length))
    call.params = req
    call.operation = "PutObject"
    from nuvem import services
    from nuvem.protocol import specs
    from nuvem.services.s3 import SERVICE
    from nuvem.services.s3.objects import put_object
    while True:
        try:
            with runtime.store.tx() as tx:
                call.tx = tx
                # authorized as the PutObject it is (its condition keys, access points), in its
                # own transaction
                services.authorize(SERVICE, call,
                                   specs.service_model("s3").operation_model("PutObject"))
                result = put_object(call, req, event="ObjectCreated:Post")
            break
        except ReadBodyFirst as first:   # the file, still arriving, is read outside it
            call.received = first.read()
            call.memo.clear()
    call.operation = "PostObject"
    return _answer(call, route, bucket, key, fields, result)


def _answer(call: Call, route: Route, bucket: str, key: str, fields: dict[str, str],
            result: dict) -> HttpResponse:
    etag = result["ETag"]
    location = _location(call, route, bucket, key)
    headers = [("ETag", etag), ("Location", location),
               ("x-amz-request-id", call.request_id), ("x-amz-id-2", host_id(call.request_id))]
    headers += [(header, result[member]) for member, header in _RESULT_HEADERS.items()
                if result.get(member)]
    redirect = _redirect_target(fields)
    if redirect is not None:
        query = urlencode({"bucket": bucket, "key": key, "etag": etag})
        target = redirect + ("&" if urlsplit(redirect).query else
                             ("" if redirect.endswith("?") else "?")) + query
        headers = [h for h in headers if h[0] != "Location"] + [("Location", target)]
        return HttpResponse(303, headers + [("Content-Length", "0")], b"")
    status = fields.get("success_action_status")
    if status == "201":
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse>'
                f"<Location>{escape(location)}</Location><Bucket>{escape(bucket)}</Bucket>"
                f"<Key>{escape(key)}</Key><ETag>{escape(etag)}</ETag></PostResponse>").encode()
        return HttpResponse(201, headers + [("Content-Type", "application/xml")], body)
    return HttpResponse(200 if status == "200" else 204, headers, b"")
