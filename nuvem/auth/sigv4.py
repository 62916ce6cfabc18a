"""Our own AWS Signature Version 4 verifier.

Covers the Authorization header, presigned query strings (`X-Amz-Expires`), and the chained
signatures of `aws-chunked` streaming bodies (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`).
Written from AWS's documentation ("Create a signed AWS API request", "Authenticating requests:
Using query parameters", "Signature calculations for the Authorization header: transferring
payload in multiple chunks") and checked against AWS's SigV4 test suite.

Canonical URI: S3 signs the path exactly as sent (encoded once, never normalized); every other
service signs the path with dot segments and empty segments removed and then URI-encoded again,
so `%20` on the wire becomes `%2520` in the canonical request.

Strings on the wire arrive decoded as latin-1 (one char per byte, see `server.py`); `_bytes`
turns them back into the bytes the client sent. A str with chars above U+00FF (built by hand in a
test) is taken as UTF-8.

Errors depend on the protocol family: `error(family, kind)` holds the table. `family_of(protocol,
service)` names the family: "query", "ec2", "json", "rest-json", "rest-xml",
"smithy-rpc-v2-cbor", "rest-xml-s3" for S3 (and S3 Control, which signs like S3), and
"json-dynamodb" for DynamoDB.

Hot path: a `Verifier` keeps a small LRU of derived signing keys per (secret, date, region,
service), so a verification is two HMACs plus the canonical request's hash.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Callable
from urllib.parse import unquote_to_bytes

from nuvem.errors import AwsError

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
MAX_SKEW = timedelta(minutes=15)
MAX_EXPIRES = 604800                       # one week, S3's and STS's limit for presigned URLs
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
# What S3 takes in x-amz-content-sha256 besides a SHA-256 in hex.
S3_PAYLOAD_MODES = frozenset({
    UNSIGNED_PAYLOAD, STREAMING_UNSIGNED_TRAILER, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER,
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"})
_AMZ_FORMAT = "%Y%m%dT%H%M%SZ"
_QUERY_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date",
                 "X-Amz-SignedHeaders", "X-Amz-Expires")

# --- errors ----------------------------------------------------------------------------------

SIGNATURE_MESSAGE = ("The request signature we calculated does not match the signature you "
                     "provided. Check your AWS Secret Access Key and signing method. Consult the "
                     "service documentation for details.")
S3_SIGNATURE_MESSAGE = ("The request signature we calculated does not match the signature you "
                        "provided. Check your key and signing method.")
TOKEN_MESSAGE = "The security token included in the request is invalid."

# kind -> (code, status, default message), per family. Sources: each service's "Common Errors"
# API reference page, the S3 error-code list, and DynamoDB's error list (JSON services answer
# with coral's `...Exception` names and 400).
_QUERY_TABLE = {
    "unknown_key": ("InvalidClientTokenId", 403, TOKEN_MESSAGE),
    "bad_signature": ("SignatureDoesNotMatch", 403, SIGNATURE_MESSAGE),
    "expired": ("SignatureDoesNotMatch", 403, "Signature expired"),
    "incomplete": ("IncompleteSignature", 400, "The request signature does not conform to AWS "
                                               "standards."),
    "missing": ("MissingAuthenticationToken", 403, "Request is missing Authentication Token"),
    "expired_token": ("ExpiredToken", 403, "The security token included in the request is "
                                           "expired"),
}
_JSON_TABLE = {
    "unknown_key": ("UnrecognizedClientException", 400, TOKEN_MESSAGE),
    "bad_signature": ("InvalidSignatureException", 400, SIGNATURE_MESSAGE),
    "expired": ("InvalidSignatureException", 400, "Signature expired"),
    "incomplete": ("IncompleteSignatureException", 400, "The request signature does not conform "
                                                        "to AWS standards."),
    # 400, as Kinesis answers (AWS's answer recorded by kinesalite's connection.js)
    "missing": ("MissingAuthenticationTokenException", 400, "Missing Authentication Token"),
    "expired_token": ("ExpiredTokenException", 400, "The security token included in the request "
                                                    "is expired"),
}
# DynamoDB words a missing signature its own way (AWS's answer recorded by dynalite's
# connection.js 'should return MissingAuthenticationTokenException if no Authorization header').
_DYNAMODB_TABLE = {**_JSON_TABLE, "missing": (
    "MissingAuthenticationTokenException", 400, "Request is missing Authentication Token")}
# REST-JSON services (Lambda, API Gateway, ...) answer the same codes with 403.
_REST_JSON_TABLE = {kind: (code, 403, message) for kind, (code, _, message) in _JSON_TABLE.items()}
_S3_TABLE = {
    "unknown_key": ("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist "
                                               "in our records."),
    "bad_signature": ("SignatureDoesNotMatch", 403, S3_SIGNATURE_MESSAGE),
    "expired": ("AccessDenied", 403, "Request has expired"),
    "skewed": ("RequestTimeTooSkewed", 403, "The difference between the request time and the "
                                            "current time is too large."),
    "incomplete": ("AuthorizationHeaderMalformed", 400, "The authorization header is malformed; "
                   "the authorization header requires three components: Credential, "
                   "SignedHeaders, and Signature."),
    "query_incomplete": ("AuthorizationQueryParametersError", 400, "Query-string authentication "
                         "version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                         "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires "
                         "parameters."),
    "missing": ("AccessDenied", 403, "Access Denied"),
    "expired_token": ("ExpiredToken", 400, "The provided token has expired."),
    "unsigned_headers": ("AccessDenied", 403, "There were headers present in the request which "
                                              "were not signed"),
    "payload_mismatch": ("XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' "
                         "header does not match what was computed."),
    "missing_content_sha256": ("InvalidRequest", 400, "Missing required header for this request: "
                                                      "x-amz-content-sha256"),
    "bad_content_sha256": ("InvalidArgument", 400, "x-amz-content-sha256 must be "
                           "UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                           "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
                           "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
                           "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, "
                           "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 "
                           "value."),
    "no_date": ("AccessDenied", 403, "AWS authentication requires a valid Date or x-amz-date "
                                     "header"),
    "two_mechanisms": ("InvalidArgument", 400, "Only one auth mechanism allowed; only the "
                       "X-Amz-Algorithm query parameter, Signature query string parameter or the "
                       "Authorization header should be specified"),
}
# EC2 answers an unknown key with AuthFailure (401), not InvalidClientTokenId.
_EC2_TABLE = {**_QUERY_TABLE, "unknown_key": (
    "AuthFailure", 401, "AWS was not able to validate the provided access credentials")}
_TABLES = {
    "query": _QUERY_TABLE, "ec2": _EC2_TABLE, "rest-xml": _QUERY_TABLE,
    "json": _JSON_TABLE, "smithy-rpc-v2-cbor": _JSON_TABLE, "rest-json": _REST_JSON_TABLE,
    "rest-xml-s3": _S3_TABLE, "json-dynamodb": _DYNAMODB_TABLE,
}
# Kinds only S3 distinguishes fall back to these for the others.
_FALLBACK = {"skewed": "expired", "query_incomplete": "incomplete", "no_date": "incomplete",
             "unsigned_headers": "incomplete", "payload_mismatch": "bad_signature",
             "missing_content_sha256": "incomplete", "bad_content_sha256": "incomplete",
             "two_mechanisms": "incomplete"}

S3_SERVICES = frozenset({"s3", "s3control"})


def family_of(protocol: str, service: str) -> str:
    """The error family of a request: its protocol, with S3 and DynamoDB apart."""
    if service in S3_SERVICES:
        return "rest-xml-s3"
    return "json-dynamodb" if service == "dynamodb" else protocol


def error(family: str, kind: str, message: str | None = None, **fields) -> AwsError:
    """The AwsError a family answers for `kind` (unknown_key, bad_signature, expired, skewed,
    incomplete, query_incomplete, missing, expired_token, unsigned_headers, payload_mismatch,
    missing_content_sha256, bad_content_sha256, no_date, two_mechanisms)."""
    table = _TABLES.get(family, _QUERY_TABLE)
    entry = table.get(kind) or table[_FALLBACK[kind]]
    code, status, default = entry
    return AwsError(message if message is not None else default, code=code, status=status,
                    **fields)


# --- what the Authorization header or the presigned query says ------------------------------

@dataclass
class SignedRequest:
    access_key: str
    date: str                      # YYYYMMDD of the credential scope
    region: str
    service: str
    signed_headers: list[str]      # lower-case, as listed
    signature: str
    amz_date: datetime             # tz-aware UTC
    presigned: bool
    expires: int | None            # X-Amz-Expires (presigned only)
    payload_hash: str              # what the canonical request's last line will be
    security_token: str | None

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{TERMINATOR}"

    @property
    def amz_date_text(self) -> str:
        return self.amz_date.strftime(_AMZ_FORMAT)


def parse_auth(request, family: str = "query") -> SignedRequest | None:
    """The signature a request carries; None for an unsigned (anonymous) request.

    Raises the family's IncompleteSignature-style error when the signature is malformed.
    """
    auth = request.headers.get("authorization")
    if auth is not None and family == "json-dynamodb" and not auth.lstrip().startswith("AWS4-"):
        # DynamoDB takes a header that is no signature as none ('Authorization: AWS4', dynalite's
        # connection.js 'if incomplete Authorization header')
        auth = None
    query = request.query
    presigned = "X-Amz-" in query and any(
        key in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature")
        for key, _ in request.query_list())
    if auth is not None and presigned:
        if family == "rest-xml-s3":
            raise error(family, "two_mechanisms")
        presigned = False
    if auth is not None:
        return _parse_header(request, auth, family)
    if presigned:
        return _parse_query(request, family)
    return None


def _incomplete(family: str, detail: str) -> AwsError:
    if family == "rest-xml-s3":
        return error(family, "incomplete")
    return error(family, "incomplete", detail)


# A client's Authorization headers differ only in their Signature (and, each day, the
# Credential's date): what the rest of one parses to is kept, keyed by the header without its
# signature, so the next call parses the signature alone (the whole parse was 3% of a PutItem).
_PARSED_HEADERS: dict[tuple[str, str], tuple] = {}
_PARSED_HEADERS_MAX = 256


def _parse_header(request, auth: str, family: str) -> SignedRequest:
    signature, key = "", None
    at = auth.find("Signature=")
    if at >= 0:
        end = auth.find(",", at)
        end = len(auth) if end < 0 else end
        signature = auth[at + 10:end].strip()
        key = (auth[:at] + auth[end:], family)
    known = _PARSED_HEADERS.get(key) if signature else None
    date_value = request.headers.get("x-amz-date") or request.headers.get("date")
    if known is None:
        known = _parse_header_fields(auth, family, date_missing=date_value is None)
        if signature and known[4] == signature:     # the signature is where we cut it out
            if len(_PARSED_HEADERS) >= _PARSED_HEADERS_MAX:
                _PARSED_HEADERS.clear()
            _PARSED_HEADERS[key] = known
        else:
            signature = known[4]
    access_key, date, region, service, _, signed_headers = known
    if date_value is None:
        raise _no_date(family, auth)
    amz_date = _parse_date(date_value)
    if amz_date is None:
        if family == "rest-xml-s3":
            raise error(family, "no_date")
        raise error(family, "incomplete", f"Date must be in ISO-8601 'basic format'. Got "
                    f"'{date_value}'. See http://en.wikipedia.org/wiki/ISO_8601")
    content_sha256 = request.headers.get("x-amz-content-sha256")
    return SignedRequest(
        access_key=access_key, date=date, region=region, service=service,
        signed_headers=list(signed_headers), signature=signature, amz_date=amz_date,
        presigned=False, expires=None,
        payload_hash=content_sha256.strip() if content_sha256 is not None else "",
        security_token=request.headers.get("x-amz-security-token"))


def _no_date(family: str, auth: str) -> AwsError:
    if family == "rest-xml-s3":
        return error(family, "no_date")
    return _incomplete(family, "Authorization header requires existence of either a "
                               f"'X-Amz-Date' or a 'Date' header. Authorization={auth}")


# JSON front ends name a header's missing parameters before its algorithm ('Authorization: X' and
# 'AWS4-' answered so, recorded by kinesalite's and dynalite's connection.js).
_PARAMETERS_FIRST = frozenset({"json", "json-dynamodb"})


def _bad_algorithm(family: str, algorithm: str, auth: str) -> AwsError:
    if family == "rest-xml-s3":
        return error(family, "incomplete", "The authorization header is malformed; the "
                     "authorization mechanism you have provided is not supported. Please use "
                     f"{ALGORITHM}.")
    return error(family, "incomplete", f"Unsupported AWS 'algorithm': '{algorithm}'. "
                 f"Authorization={auth}")


def _parse_header_fields(auth: str, family: str, date_missing: bool) -> tuple:
    """(access key, date, region, service, signature, signed headers) of an Authorization
    header, or the family's error for a malformed one (which names a missing date header too;
    with the header well formed, the date is checked apart)."""
    algorithm, _, rest = auth.strip().partition(" ")
    if algorithm != ALGORITHM and family not in _PARAMETERS_FIRST:
        raise _bad_algorithm(family, algorithm, auth)
    params: dict[str, str] = {}
    for component in rest.split(","):
        component = component.strip()
        if not component:
            continue
        name, eq, value = component.partition("=")
        if not eq:
            raise _incomplete(family, f"'{component}' not a valid key=value pair (missing "
                                      f"equal-sign) in Authorization header: '{auth}'.")
        params[name.strip()] = value.strip()
    missing = [f"Authorization header requires '{name}' parameter."
               for name in ("Credential", "Signature", "SignedHeaders") if not params.get(name)]
    if missing:
        if date_missing:
            missing.append("Authorization header requires existence of either a 'X-Amz-Date' "
                           "or a 'Date' header.")
        raise _incomplete(family, " ".join(missing) + f" Authorization={auth}")
    if algorithm != ALGORITHM:
        raise _bad_algorithm(family, algorithm, auth)
    if date_missing:
        raise _no_date(family, auth)
    access_key, date, region, service = _credential(params["Credential"], family)
    return (access_key, date, region, service, params["Signature"],
            tuple(params["SignedHeaders"].lower().split(";")))


def _parse_query(request, family: str) -> SignedRequest:
    params: dict[str, str] = {}
    for key, value in request.query_list():
        params.setdefault(key, value)
    s3 = family == "rest-xml-s3"
    required = _QUERY_PARAMS if s3 else _QUERY_PARAMS[:5]
    absent = [name for name in required if not params.get(name)]
    if absent:
        if s3:
            raise error(family, "query_incomplete")
        raise error(family, "incomplete", " ".join(
            f"AWS query-string parameters must include '{name}'." for name in absent)
            + " Re-examine the query-string parameters.")
    if params["X-Amz-Algorithm"] != ALGORITHM:
        if s3:
            raise error(family, "query_incomplete", "X-Amz-Algorithm only supports "
                        f"\"{ALGORITHM}\"")
        raise error(family, "incomplete",
                    f"Unsupported AWS 'algorithm': '{params['X-Amz-Algorithm']}'")
    expires = None
    raw_expires = params.get("X-Amz-Expires")
    if raw_expires is not None:
        text = raw_expires.strip()
        if not re.fullmatch(r"-?[0-9]{1,12}", text):
            raise error(family, "query_incomplete", "X-Amz-Expires should be a number")
        expires = int(text)
        if expires < 0:
            raise error(family, "query_incomplete", "X-Amz-Expires must be non-negative")
        if expires > MAX_EXPIRES:
            raise error(family, "query_incomplete", "X-Amz-Expires must be less than a week (in "
                        f"seconds) that is {MAX_EXPIRES}")
    access_key, date, region, service = _credential(params["X-Amz-Credential"], family,
                                                    presigned=True)
    amz_date = _parse_amz_date(params["X-Amz-Date"])
    if amz_date is None:
        if s3:
            raise error(family, "query_incomplete", "X-Amz-Date must be in the ISO8601 Long "
                        "Format \"yyyyMMdd'T'HHmmss'Z'\"")
        raise error(family, "incomplete", "Date must be in ISO-8601 'basic format'. Got "
                    f"'{params['X-Amz-Date']}'. See http://en.wikipedia.org/wiki/ISO_8601")
    if s3:
        payload = UNSIGNED_PAYLOAD
    else:
        payload = (request.headers.get("x-amz-content-sha256") or "").strip()
    return SignedRequest(
        access_key=access_key, date=date, region=region, service=service,
        signed_headers=params["X-Amz-SignedHeaders"].lower().split(";"),
        signature=params["X-Amz-Signature"], amz_date=amz_date, presigned=True,
        expires=expires, payload_hash=payload,
        security_token=params.get("X-Amz-Security-Token")
        or request.headers.get("x-amz-security-token"))


def _credential(credential: str, family: str,
                presigned: bool = False) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or not all(parts):
        if family == "rest-xml-s3":
            # a presigned URL's is a query parameter error (LocalStack's AWS-validated
            # test_presigned_double_encoded_credentials)
            kind, where = (("query_incomplete", "Error parsing the X-Amz-Credential parameter")
                           if presigned else ("incomplete", "The authorization header is malformed"))
            raise error(family, kind, f"{where}; the Credential is mal-formed; expecting "
                        "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
        raise error(family, "incomplete", "Credential must have exactly 5 slash-delimited "
                    f"elements, e.g. keyid/date/region/service/term, got '{credential}'")
    access_key, date, region, service, terminator = parts
    if terminator != TERMINATOR:
        if family == "rest-xml-s3":
            raise error(family, "incomplete", "The authorization header is malformed; "
                        f"incorrect terminal \"{terminator}\". This endpoint uses "
                        f"\"{TERMINATOR}\".")
        raise error(family, "incomplete", "Credential should be scoped with a valid terminator: "
                    f"'{TERMINATOR}', not '{terminator}'.")
    return access_key, date, region, service


def _parse_amz_date(text: str) -> datetime | None:
    text = text.strip()
    if len(text) != 16 or text[8] != "T" or text[15] != "Z":
        return None
    digits = text[:8] + text[9:15]
    if not digits.isdigit() or not digits.isascii():
        return None
    try:
        return datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]),
                        int(text[11:13]), int(text[13:15]), tzinfo=timezone.utc)
    except ValueError:
        return None


@functools.lru_cache(maxsize=64)
def _parse_date(text: str) -> datetime | None:
    """X-Amz-Date (ISO 8601 basic) or an HTTP Date header (RFC 7231). Kept per text: a
    second's calls send the same one, and parsing it cost 2 µs of each."""
    parsed = _parse_amz_date(text)
    if parsed is not None:
        return parsed
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else \
        parsed.astimezone(timezone.utc)


# --- canonical request -----------------------------------------------------------------------

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ENCODED = tuple(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in range(256))
_PLAIN = re.compile(r"[A-Za-z0-9\-._~]*")
_PLAIN_PATH = re.compile(r"[A-Za-z0-9\-._~/]*")
_WHITESPACE = re.compile(r"[ \t\r\n]+")
# S3 signs its path as sent; only bytes that can't appear raw in a request-target get encoded.
_S3_PATH_UNSAFE = re.compile(r"[\x00-\x20\x7f-\U0010ffff]")


def _bytes(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _encode(data: bytes, keep_slash: bool = False) -> str:
    """URI-encode as SigV4 does: every byte but A-Z a-z 0-9 - _ . ~ (and '/' if kept)."""
    table = _ENCODED
    if keep_slash:
        return "/".join("".join(table[b] for b in part) for part in data.split(b"/"))
    return "".join(table[b] for b in data)


def _reencode(component: str) -> str:
    """A query key or value as sent, decoded and encoded the canonical way."""
    if _PLAIN.fullmatch(component):
        return component
    return _encode(unquote_to_bytes(_bytes(component)))


def normalize_path(path: str) -> str:
    """Remove '.' and '..' segments and empty segments; keep a trailing slash."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "" or segment == ".":
            continue
        if segment == "..":
            if segments:
                segments.pop()
        else:
            segments.append(segment)
    trailing = "/" if segments and path.endswith("/") else ""
    return "/" + "/".join(segments) + trailing


def canonical_uri(path: str, *, s3: bool) -> str:
    path = path or "/"
    if s3:
        if _S3_PATH_UNSAFE.search(path):
            return _S3_PATH_UNSAFE.sub(lambda m: _encode(_bytes(m.group())), path)
        return path
    normalized = normalize_path(path)
    if _PLAIN_PATH.fullmatch(normalized):
        return normalized
    return _encode(_bytes(normalized), keep_slash=True)


def canonical_query(query: str, *, presigned: bool) -> str:
    if not query:
        return ""
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        key = _reencode(key)
        if presigned and key == "X-Amz-Signature":
            continue
        pairs.append((key, _reencode(value)))
    pairs.sort()
    return "&".join(f"{key}={value}" for key, value in pairs)


def _header_values(request, name: str) -> list[str]:
    if name == "content-encoding":
        original = getattr(request.body, "original_content_encoding", None)
        if original is not None:           # as signed, before `aws-chunked` was stripped
            return [original]
    return request.headers.get_all(name)


def canonical_headers(request, signed_headers: list[str]) -> str:
    lines = []
    for name in signed_headers:
        values = _header_values(request, name)
        value = ",".join(_WHITESPACE.sub(" ", v).strip(" \t\r\n") for v in values)
        lines.append(f"{name}:{value}\n")
    return "".join(lines)


def payload_hash(request, signed: SignedRequest) -> str:
    """The canonical request's payload line: the declared hash, else the body's SHA-256."""
    if signed.payload_hash:
        return signed.payload_hash
    body = request.body_bytes()
    return hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256


def canonical_request(request, signed: SignedRequest, *, s3: bool) -> str:
    return "\n".join((
        request.method.upper(),
        canonical_uri(request.path, s3=s3),
        canonical_query(request.query, presigned=signed.presigned),
        canonical_headers(request, signed.signed_headers),
        ";".join(signed.signed_headers),
        payload_hash(request, signed),
    ))


def string_to_sign(signed: SignedRequest, canonical: str) -> str:
    digest = hashlib.sha256(_bytes(canonical)).hexdigest()
    return f"{ALGORITHM}\n{signed.amz_date_text}\n{signed.scope}\n{digest}"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def derive_signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(("AWS4" + secret_key).encode("utf-8"), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, TERMINATOR)


# --- the verifier ----------------------------------------------------------------------------

class Verifier:
    """Verifies signatures; keeps a bounded LRU of derived signing keys."""

    def __init__(self, cache_size: int = 256):
        self.cache_size = cache_size
        self._keys: OrderedDict[tuple[str, str, str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def signing_key(self, secret_key: str, date: str, region: str, service: str) -> bytes:
        cache_key = (secret_key, date, region, service)
        with self._lock:
            key = self._keys.get(cache_key)
            if key is not None:
                self._keys.move_to_end(cache_key)
                return key
        key = derive_signing_key(secret_key, date, region, service)
        if self.cache_size > 0:
            with self._lock:
                self._keys[cache_key] = key
                while len(self._keys) > self.cache_size:
                    self._keys.popitem(last=False)
        return key

    def signature(self, signed: SignedRequest, secret_key: str, text_to_sign: str) -> str:
        key = self.signing_key(secret_key, signed.date, signed.region, signed.service)
        return hmac.new(key, _bytes(text_to_sign), hashlib.sha256).hexdigest()

    def verify(self, request, signed: SignedRequest, secret_key: str, *, now: datetime,
               s3: bool, family: str, check_body: bool = True) -> None:
        """Raise the family's AwsError unless `request` carries a valid, current signature.

        `check_body`: compare a declared hex `x-amz-content-sha256` with the body's hash (reads
        the whole body). S3 passes False for large uploads and checks the digest while storing,
        with `payload_mismatch`.
        """
        check_unsigned(request, signed, now=now, s3=s3, family=family)
        if check_body and is_hex_sha256(signed.payload_hash):
            body = request.body_bytes()
            computed = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
            if not hmac.compare_digest(computed, signed.payload_hash.lower()):
                raise payload_mismatch(family, signed.payload_hash, computed)
        canonical = canonical_request(request, signed, s3=s3)
        text = string_to_sign(signed, canonical)
        expected = self.signature(signed, secret_key, text)
        if not hmac.compare_digest(expected, signed.signature):
            raise _bad_signature(family, signed, canonical, text)

    def chunk_verifier(self, signed: SignedRequest, secret_key: str, seed_signature: str,
                       family: str = "rest-xml-s3"
                       ) -> tuple[Callable[[bytes, str], None],
                                  Callable[[dict[str, str], str], None]]:
        """Callbacks for ChunkedDecoder: each chunk's signature chains on the previous one,
        starting from the request's (seed) signature; the trailer's chains on the last chunk's.
        """
        key = self.signing_key(secret_key, signed.date, signed.region, signed.service)
        head = f"{signed.amz_date_text}\n{signed.scope}\n"
        state = {"previous": seed_signature}

        def check(text: str, provided: str) -> None:
            expected = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, provided):
                raise error(family, "bad_signature",
                            **({"StringToSign": text, "SignatureProvided": provided,
                                "AWSAccessKeyId": signed.access_key}
                               if family == "rest-xml-s3" else {}))
            state["previous"] = expected

        def on_chunk(data: bytes, signature: str) -> None:
            text = (f"{ALGORITHM}-PAYLOAD\n{head}{state['previous']}\n{EMPTY_SHA256}\n"
                    f"{hashlib.sha256(data).hexdigest()}")
            check(text, signature)

        def on_trailer(trailers: dict[str, str], signature: str) -> None:
            block = "".join(f"{name}:{value}\n" for name, value in trailers.items())
            text = (f"{ALGORITHM}-TRAILER\n{head}{state['previous']}\n"
                    f"{hashlib.sha256(block.encode('utf-8')).hexdigest()}")
            check(text, signature)

        return on_chunk, on_trailer


def is_hex_sha256(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value)


def payload_mismatch(family: str, declared: str, computed: str) -> AwsError:
    if family == "rest-xml-s3":
        return error(family, "payload_mismatch", ClientComputedContentSHA256=declared,
                     S3ComputedContentSHA256=computed)
    return error(family, "bad_signature")


def _bad_signature(family: str, signed: SignedRequest, canonical: str, text: str) -> AwsError:
    if family == "rest-xml-s3":
        return error(family, "bad_signature", AWSAccessKeyId=signed.access_key,
                     StringToSign=text, SignatureProvided=signed.signature,
                     StringToSignBytes=" ".join(f"{b:02x}" for b in _bytes(text)),
                     CanonicalRequest=canonical,
                     CanonicalRequestBytes=" ".join(f"{b:02x}" for b in _bytes(canonical)))
    return error(family, "bad_signature",
                 f"{SIGNATURE_MESSAGE}\n\nThe Canonical String for this request should have "
                 f"been\n'{canonical}'\n\nThe String-to-Sign should have been\n'{text}'\n")


def _check_time(signed: SignedRequest, now: datetime, family: str) -> None:
    """S3 presigned URLs live X-Amz-Expires seconds; everything else (other services' presigned
    URLs too: STS ignores X-Amz-Expires, aws/aws-sdk-go#2167) lives 15 minutes either way."""
    fmt = _AMZ_FORMAT
    if family == "rest-xml-s3" and signed.presigned and signed.expires is not None:
        expires_at = signed.amz_date + timedelta(seconds=signed.expires)
        if now > expires_at:
            raise error(family, "expired", **{
                "X-Amz-Expires": str(signed.expires),
                "Expires": expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "ServerTime": now.strftime("%Y-%m-%dT%H:%M:%SZ")})
        if signed.amz_date - now > MAX_SKEW:
            raise error(family, "expired", "Request is not valid yet")
        return
    if now - signed.amz_date > MAX_SKEW:
        if family == "rest-xml-s3":
            raise _skewed(family, signed, now)
        raise error(family, "expired", f"Signature expired: {signed.amz_date_text} is now "
                    f"earlier than {(now - MAX_SKEW).strftime(fmt)} ({now.strftime(fmt)} - "
                    "15 min.)")
    if signed.amz_date - now > MAX_SKEW:
        if family == "rest-xml-s3":
            raise _skewed(family, signed, now)
        raise _not_yet_current(family, signed, now)


def check_unsigned(request, signed: SignedRequest, *, now: datetime, s3: bool,
                   family: str) -> None:
    """What `verify` checks before the signature, none of which needs the secret: the request's
    time, the credential's date, the signed headers. Keys Nuvem did not issue (lenient mode)
    get these checks too, as AWS gives every request."""
    _check_time(signed, now, family)
    day = signed.amz_date
    if signed.date != f"{day.year:04d}{day.month:02d}{day.day:02d}":     # strftime costs 5 µs
        if family == "rest-xml-s3":
            raise error(family, "incomplete", "The authorization header is malformed; "
                        "Invalid credential date. Date is not the same as X-Amz-Date.")
        raise error(family, "bad_signature", "Date in Credential scope does not match "
                    "YYYYMMDD from ISO-8601 version of date from HTTP: "
                    f"'{signed.date}' != '{signed.amz_date.strftime('%Y%m%d')}', from "
                    f"'{signed.amz_date_text}'.")
    _check_signed_headers(request, signed, family)
    if s3 and not signed.presigned:
        payload = signed.payload_hash
        if not payload:
            raise error(family, "missing_content_sha256")
        # a length test first: a hex SHA-256 (most requests) pays nothing more
        if len(payload) != 64 and payload not in S3_PAYLOAD_MODES:
            raise error(family, "bad_content_sha256", ArgumentName="x-amz-content-sha256",
                        ArgumentValue=payload)


def _not_yet_current(family: str, signed: SignedRequest, now: datetime) -> AwsError:
    fmt = _AMZ_FORMAT
    return error(family, "expired", f"Signature not yet current: {signed.amz_date_text} is still "
                 f"later than {(now + MAX_SKEW).strftime(fmt)} ({now.strftime(fmt)} + 15 min.)")


def _skewed(family: str, signed: SignedRequest, now: datetime) -> AwsError:
    return error(family, "skewed", RequestTime=signed.amz_date_text,
                 ServerTime=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 MaxAllowedSkewMilliseconds=str(int(MAX_SKEW.total_seconds() * 1000)))


def _check_signed_headers(request, signed: SignedRequest, family: str) -> None:
    names = signed.signed_headers
    if "host" not in names and ":authority" not in names:
        if family == "rest-xml-s3":
            raise error(family, "unsigned_headers", HeadersNotSigned="host")
        raise error(family, "incomplete", "'Host' or ':authority' must be a 'SignedHeader' in "
                                          "the AWS Authorization.")
    if family == "rest-xml-s3":     # presigned URLs too (x-amz-acl sent beside one is refused)
        unsigned = [name for name in request.headers.keys_lower()      # each name once
                    if name[:6] == "x-amz-" and name not in names]
        if unsigned:
            raise error(family, "unsigned_headers", HeadersNotSigned=", ".join(sorted(unsigned)))


# --- thin module helpers (no shared cache: a server holds one Verifier) ------------------------

def verify(request, signed: SignedRequest, secret_key: str, *, now: datetime, s3: bool,
           family: str, verifier: Verifier | None = None, check_body: bool = True) -> None:
    (verifier or Verifier(cache_size=0)).verify(request, signed, secret_key, now=now, s3=s3,
                                                family=family, check_body=check_body)


def chunk_verifier(signed: SignedRequest, secret_key: str, seed_signature: str, *,
                   family: str = "rest-xml-s3", verifier: Verifier | None = None):
    return (verifier or Verifier(cache_size=0)).chunk_verifier(signed, secret_key,
                                                               seed_signature, family)
