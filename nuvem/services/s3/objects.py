"""Objects: Put/Get/Head/Delete/Copy, DeleteObjects, GetObjectAttributes, tagging, retention and
legal hold. Conditional requests follow RFC 7232 as S3 applies them ("Conditional requests",
Amazon S3 User Guide); ranges follow RFC 7233 with S3's single-range support."""
from __future__ import annotations

import hashlib
import re
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from urllib.parse import parse_qsl, unquote_to_bytes

from nuvem.context import Call
from nuvem.protocol.serializers import STATUS
from nuvem.services.s3 import SERVICE, customer_keys
from nuvem.services.s3.access import check_public_acl
from nuvem.services.s3.acl import acl_from_request, check_settable
from nuvem.services.s3.bodies import (checksum_algorithm, read_range, receive_upload,
                                      requested_checksums)
from nuvem.services.s3.buckets import valid_name as valid_bucket_name
from nuvem.services.s3.common import (TAG_CHARS, bucket_of, check_version_id, current,
                                      find_object, marker_headers, new_version_id,
                                      version_field, version_named, versions)
from nuvem.services.s3.errors import (AccessDenied, EmptyVersionId, InvalidArgument,
                                      InvalidObjectState, InvalidPartNumber, InvalidRange,
                                      InvalidRequest, InvalidTag, InvalidVersionId,
                                      KeyTooLongError, MalformedXML, MethodNotAllowed,
                                      MissingContentLength, NoSuchKey, NoSuchVersion, NotModified,
                                      PreconditionFailed, S3Error, UnsupportedHeader)
from nuvem.services.s3.lifecycle import expiration
from nuvem.services.s3.models import Bucket, S3Object
from nuvem.services.s3.notifications import notify

# what a write may name in a general purpose bucket (OUTPOSTS is S3 on Outposts' own: refused)
STORAGE_CLASSES = ("STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
                   "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR",
                   "SNOW", "EXPRESS_ONEZONE", "FSX_OPENZFS", "FSX_ONTAP")
ARCHIVED = ("GLACIER", "DEEP_ARCHIVE")
CONTENT_HEADERS = ("ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage",
                   "CacheControl", "Expires", "WebsiteRedirectLocation")
LOCK_MODES = ("GOVERNANCE", "COMPLIANCE")
OBJECT_ATTRIBUTES = {"ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"}
MAX_METADATA = 2048
MAX_TAGS = 10
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class MetadataTooLarge(S3Error):
    code, status = "MetadataTooLarge", 400
    message = "Your metadata headers exceed the maximum allowed metadata size."


class InvalidStorageClass(S3Error):
    code, status = "InvalidStorageClass", 400
    message = "The storage class you specified is not valid"


# -- writing ------------------------------------------------------------------------------------
def check_key_length(key: str) -> None:
    """S3 refuses a key over 1,024 UTF-8 bytes on every object operation, reads and deletes
    too (versitygw issue 2080). Up to 256 characters cannot be over: nothing to encode."""
    if len(key) > 256 and len(key.encode()) > 1024:
        raise KeyTooLongError(Size=str(len(key.encode())), MaxSizeAllowed="1024")


def check_key(key: str) -> None:
    check_key_length(key)
    if not key:
        raise InvalidArgument("Invalid key", ArgumentName="key", ArgumentValue="")


def parse_tagging(text: str | None) -> dict[str, str]:
    """The `x-amz-tagging` header: a URL query string of tags."""
    if not text:
        return {}
    tags: dict[str, str] = {}
    for k, v in parse_qsl(text, keep_blank_values=True):
        if not k or k in tags or not (TAG_CHARS.match(k) and TAG_CHARS.match(v)):
            # no key ("="), a repeated key, or a value that swallowed a wrong separator (a=b,c)
            raise InvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then "
                                  "URLEncoded URL query parameters without tag name duplicates.",
                                  ArgumentName="x-amz-tagging", ArgumentValue=text)
        tags[k] = v
    return check_tags(tags)


def check_tags(tags: dict[str, str], limit: int = MAX_TAGS) -> dict[str, str]:
    if len(tags) > limit:
        raise S3Error("Object tags cannot be greater than 10", code="BadRequest")
    for k, v in tags.items():
        if not 1 <= len(k) <= 128 or not TAG_CHARS.match(k):
            raise InvalidTag("The TagKey you have provided is invalid", TagKey=k)
        if len(v) > 256 or not TAG_CHARS.match(v):
            raise InvalidTag("The TagValue you have provided is invalid", TagKey=k, TagValue=v)
        if k.startswith("aws:"):
            raise InvalidTag("Your TagKey cannot be prefixed with aws:", TagKey=k)
    return tags


def tagset(tags: dict[str, str]) -> list[dict]:
    # in key order: S3 keeps no order of its own (a tag set), suites compare the lists
    return [{"Key": k, "Value": tags[k]} for k in sorted(tags)]


def tags_of_set(tag_set: list[dict], limit: int = MAX_TAGS) -> dict[str, str]:
    tags: dict[str, str] = {}
    for tag in tag_set:
        if tag.get("Key") in tags:
            raise InvalidTag("Cannot provide multiple Tags with the same key", TagKey=tag["Key"])
        tags[tag.get("Key", "")] = tag.get("Value", "")
    return check_tags(tags, limit)


def content_headers(req: dict) -> dict[str, str]:
    headers = {}
    for name in CONTENT_HEADERS:
        value = req.get(name)
        if value is not None:
            # Expires is kept as the HTTP date S3 sends back (also on the website endpoint).
            headers[name] = _http(value) if isinstance(value, datetime) else str(value)
    headers.setdefault("ContentType", "binary/octet-stream")
    return headers


def user_metadata(req: dict) -> dict[str, str]:
    metadata = {k.lower(): v for k, v in (req.get("Metadata") or {}).items()}
    if sum(len(k) + len(v) for k, v in metadata.items()) > MAX_METADATA:
        raise MetadataTooLarge(Size=str(sum(len(k) + len(v) for k, v in metadata.items())),
                               MaxSizeAllowed=str(MAX_METADATA))
    return metadata


def storage_class(req: dict) -> str:
    value = req.get("StorageClass") or "STANDARD"
    if value not in STORAGE_CLASSES:
        raise InvalidStorageClass(StorageClassRequested=value)
    return value


def sse_of(req: dict, bucket: Bucket) -> dict:
    """Every object is encrypted at rest: SSE-S3 unless the request or the bucket default says
    aws:kms ("Setting default server-side encryption behavior")."""
    algorithm = req.get("ServerSideEncryption")
    key_id = req.get("SSEKMSKeyId")
    bucket_key = req.get("BucketKeyEnabled")
    if key_id is not None and not (algorithm or "").startswith("aws:kms"):
        raise InvalidArgument("Server Side Encryption with AWS KMS managed key requires HTTP "
                              "header x-amz-server-side-encryption : aws:kms")
    if algorithm is None or bucket_key is None:
        rule = ((bucket.config.get("Encryption") or {}).get("Rules") or [{}])[0]
        if bucket_key is None:      # the bucket's S3 Bucket Key setting, unless the write says
            bucket_key = rule.get("BucketKeyEnabled")
        if algorithm is None:
            default = rule.get("ApplyServerSideEncryptionByDefault") or {}
            algorithm = default.get("SSEAlgorithm", "AES256")
            key_id = key_id or default.get("KMSMasterKeyID")
    if algorithm not in ("AES256", "aws:kms", "aws:kms:dsse"):
        raise InvalidArgument("The encryption method specified is not supported",
                              ArgumentName="x-amz-server-side-encryption", ArgumentValue=algorithm)
    sse = {"ServerSideEncryption": algorithm}
    if algorithm.startswith("aws:kms"):
        sse["SSEKMSKeyId"] = key_id or f"arn:aws:kms:{bucket.region}:{bucket.account}:alias/aws/s3"
        if bucket_key:      # a Bucket Key applies to KMS keys only, and is echoed when used
            sse["BucketKeyEnabled"] = True
    return sse


def check_write_conditions(ctx: Call, bucket: Bucket, key: str, req: dict) -> None:
    """Conditional writes: If-None-Match: * fails if the key exists, If-Match if its ETag
    differs ("Add preconditions to S3 operations with conditional requests")."""
    if_none, if_match = req.get("IfNoneMatch"), req.get("IfMatch")
    if if_none is None and if_match is None:
        return
    if if_none is not None and if_match is not None:
        raise UnsupportedHeader(Header="If-Match,If-None-Match", additionalMessage=(
            "Multiple conditional request headers present in the request"))
    existing = current(ctx, bucket, key)
    live = existing is not None and not existing.delete_marker
    if if_none is not None:
        if if_none.strip() != "*":
            raise UnsupportedHeader(Header="If-None-Match", additionalMessage=(
                "We don't accept the provided value of If-None-Match header for this API"))
        if live:
            raise PreconditionFailed(Condition="If-None-Match")
    if if_match is not None:
        if if_match.strip() == "*":     # a write's If-Match names an ETag
            raise UnsupportedHeader(Header="If-Match", additionalMessage=(
                "We don't accept the provided value of If-Match header for this API"))
        if not live:
            raise NoSuchKey(Key=key)
        if not etag_matches(if_match, existing.etag):
            raise PreconditionFailed(Condition="If-Match")


def store_version(ctx: Call, bucket: Bucket, obj: S3Object) -> None:
    """Put `obj` as the key's newest version, as versioning says (never versioned or suspended:
    it replaces the null version outright)."""
    if bucket.versioning == "":
        # A bucket never versioned holds one version of a key, the null one at rank 0, and no
        # lock (Object Lock needs versioning): the put replaces it without reading it first.
        obj.version_id, obj.rank = "null", 0
        ctx.store.put(obj)
        return
    replaced = None
    existing = list(ctx.store.query(S3Object, prefix=(bucket.name, obj.key),
                                    fields=("rank", "version_id", "lock")))
    if bucket.versioning != "Enabled":
        obj.version_id = "null"
        replaced = next((v for v in existing if v.version_id == "null"), None)
        if replaced is not None:
            check_lock(ctx, replaced, {})
            ctx.store.delete(S3Object, bucket.name, obj.key, replaced.rank)
            existing.remove(replaced)
    obj.rank = (min(v.rank for v in existing) - 1) if existing else 0
    if replaced is not None and not existing:
        obj.rank = replaced.rank
    if bucket.versioning == "Enabled" and obj.version_id == "null":
        obj.version_id = new_version_id(ctx, obj.rank)
    ctx.store.put(obj)


def default_lock(ctx: Call, bucket: Bucket, req: dict) -> dict:
    lock = {}
    if req.get("ObjectLockMode") or req.get("ObjectLockRetainUntilDate"):
        # the pair is checked before the bucket's lock (versitygw issue 2028, from S3)
        if not (req.get("ObjectLockMode") and req.get("ObjectLockRetainUntilDate")):
            raise InvalidArgument("x-amz-object-lock-retain-until-date and "
                                  "x-amz-object-lock-mode must both be supplied")
        # so is a date in the past (versitygw's CreateMultipartUpload_past_retain_until_date)
        check_retain_until(req["ObjectLockRetainUntilDate"], ctx.now)
        if not bucket.object_lock:
            raise InvalidRequest("Bucket is missing Object Lock Configuration")
        if req["ObjectLockMode"] not in LOCK_MODES:
            raise InvalidArgument("Unknown wormMode directive.",
                                  ArgumentName="x-amz-object-lock-mode",
                                  ArgumentValue=req["ObjectLockMode"])
        lock["Mode"] = req.get("ObjectLockMode")
        lock["RetainUntilDate"] = req.get("ObjectLockRetainUntilDate")
    elif bucket.object_lock:
        rule = ((bucket.config.get("ObjectLock") or {}).get("Rule") or {}).get("DefaultRetention")
        if rule:
            from datetime import timedelta
            days = rule.get("Days") or 365 * (rule.get("Years") or 0)
            lock["Mode"] = rule.get("Mode")
            lock["RetainUntilDate"] = ctx.now + timedelta(days=days)
    if req.get("ObjectLockLegalHoldStatus"):
        if req["ObjectLockLegalHoldStatus"] not in ("ON", "OFF"):
            raise InvalidArgument("Legal Hold must be either of 'ON' or 'OFF'")
        if not bucket.object_lock:
            raise InvalidRequest("Bucket is missing Object Lock Configuration")
        lock["LegalHold"] = req["ObjectLockLegalHoldStatus"]
    return lock


def check_retain_until(until, now: datetime) -> None:
    if _aware(until) <= now.astimezone(timezone.utc):
        raise InvalidArgument("The retain until date must be in the future!")


def check_lock(ctx: Call, obj: S3Object, req: dict) -> None:
    """A locked version cannot be deleted or overwritten: legal hold, COMPLIANCE retention, and
    GOVERNANCE retention unless bypassed ("How S3 Object Lock works")."""
    lock = obj.lock or {}
    if lock.get("LegalHold") == "ON":
        raise AccessDenied("Access Denied because object protected by object lock.")
    until = lock.get("RetainUntilDate")
    if until and _aware(until) > ctx.now.astimezone(timezone.utc):
        if lock.get("Mode") == "COMPLIANCE" or not req.get("BypassGovernanceRetention"):
            raise AccessDenied("Access Denied because object protected by object lock.")


def _aware(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def checksum_record(checksums: dict[str, str], wanted: dict, multipart_type: str = "") -> dict:
    if not checksums:
        return {}
    algorithm = next(iter(checksums))
    return {"Algorithm": algorithm, "Value": checksums[algorithm],
            "Type": multipart_type or "FULL_OBJECT"}


def checksum_fields(checksum: dict) -> dict:
    if not checksum:
        return {}
    return {f"Checksum{checksum['Algorithm']}": checksum["Value"],
            "ChecksumType": checksum.get("Type", "FULL_OBJECT")}


def _refuse_upload_parameters(ctx: Call) -> None:
    """A part number without an upload id, or an upload id without a part number: not taken for
    a whole-object write (versitygw's RouterPutPartNumberWithoutUploadId,
    RouterPUTObjectOnlyUploadId and its REST tests run against S3)."""
    names = {name for name, _ in ctx.request.query_list()}
    if "partNumber" in names:
        raise InvalidArgument("This operation does not accept partNumber without uploadId",
                              ArgumentName="partNumber", ArgumentValue="partNumber")
    if "uploadId" in names:
        raise MethodNotAllowed(Method=ctx.request.method, ResourceType="UPLOAD")


@SERVICE.op("PutObject")
def put_object(ctx: Call, req: dict, event: str = "ObjectCreated:Put") -> dict:
    """Also the write behind browser POST uploads, which notify `ObjectCreated:Post`."""
    if ctx.request.query:
        _refuse_upload_parameters(ctx)
    bucket = bucket_of(ctx, req["Bucket"])
    key = req["Key"]
    check_key(key)
    check_write_conditions(ctx, bucket, key, req)
    attributes = new_object_attributes(ctx, bucket, req)
    wanted = requested_checksums(req, ctx.request.headers)
    if attributes["lock"] and event == "ObjectCreated:Put":
        check_integrity_declared(req, wanted)
    got = receive_upload(ctx, req.get("Body"), wanted, content_md5=req.get("ContentMD5"))
    if not got.size and ctx.request.method == "PUT":
        _check_length_stated(ctx.request.headers)
    obj = S3Object(bucket=bucket.name, key=key, rank=0, version_id="null",
                   last_modified=ctx.now, etag=f'"{got.md5.hex()}"', size=got.size,
                   data=got.data, chunks=got.chunks,
                   checksum=checksum_record(got.checksums, wanted), **attributes)
    sse = obj.sse
    store_version(ctx, bucket, obj)
    notify(ctx, bucket, event, obj)
    result = {"ETag": obj.etag, **sse, **checksum_fields(obj.checksum),
              **expiration(bucket, obj)}
    # a suspended bucket's put names no version (versitygw's
    # Versioning_PutObject_suspended_null_versionId_obj)
    if obj.version_id != "null":
        result["VersionId"] = obj.version_id
    return result


def _check_length_stated(headers) -> None:
    """S3 takes a PUT body only of a stated length: a request with neither Content-Length nor
    Transfer-Encoding (which arrives empty, so only an empty upload is checked) is 411."""
    if "content-length" not in headers and "transfer-encoding" not in headers:
        raise MissingContentLength()


def check_integrity_declared(req: dict, wanted: dict) -> None:
    """A PutObject that locks its object (its own lock headers or the bucket's default
    retention) must let S3 check the body: Content-MD5, or a checksum header or trailer."""
    if not (req.get("ContentMD5") or any(wanted.values())
            or getattr(req.get("Body"), "trailer_algorithms", None)):
        raise InvalidRequest("Content-MD5 OR x-amz-checksum- HTTP header is required for Put "
                             "Object requests with Object Lock parameters")


def new_object_attributes(ctx: Call, bucket: Bucket, req: dict) -> dict:
    """What a PutObject or CreateMultipartUpload request says about the object to be: owner,
    content headers, metadata, tags, storage class, encryption, lock and ACL (checked against
    Object Ownership and Block Public Access), as keyword arguments of the record."""
    grants = acl_from_request(req, ctx.account, bucket.account)
    if grants is not None:
        check_settable(bucket, grants)
        check_public_acl(ctx, bucket, grants)
    return {"owner": object_owner(ctx, bucket), "headers": content_headers(req),
            "metadata": user_metadata(req), "tags": parse_tagging(req.get("Tagging")),
            "storage_class": storage_class(req), **encryption(ctx, bucket, req),
            "lock": default_lock(ctx, bucket, req),
            "acl": {"Grants": grants} if grants else {}}


def encryption(ctx: Call, bucket: Bucket, req: dict) -> dict:
    """The `sse` and `customer_key` of an object (or upload) a write creates: the customer's
    key (SSE-C) if it names one, else SSE-S3 or SSE-KMS."""
    key = customer_keys.for_write(ctx, bucket, req)
    if key is None:
        return {"sse": sse_of(req, bucket), "customer_key": ""}
    return {"sse": key.sse(), "customer_key": key.fingerprint(ctx)}


def object_owner(ctx: Call, bucket: Bucket) -> str:
    """BucketOwnerEnforced and BucketOwnerPreferred give objects to the bucket owner (the latter
    only with bucket-owner-full-control; kept simple: the writer keeps ObjectWriter objects)."""
    if bucket.ownership == "ObjectWriter":
        return ctx.account
    if bucket.ownership == "BucketOwnerPreferred" and ctx.params.get("ACL") != "bucket-owner-full-control":
        return ctx.account
    return bucket.account


# -- reading ------------------------------------------------------------------------------------
def etag_matches(condition: str, etag: str) -> bool:
    bare = etag.strip('"')
    for candidate in condition.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/").strip('"') == bare:
            return True
    return False


def _second(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc).replace(microsecond=0)


def check_read_conditions(obj: S3Object, req: dict, prefix: str = "",
                          now: datetime | None = None) -> None:
    """If-Match / If-Unmodified-Since fail with 412; If-None-Match / If-Modified-Since with 304
    (412 for CopyObject's copy-source conditions, named by their header, and a copy-source
    If-Modified-Since later than `now` is ignored). If-Match true overrides
    If-Unmodified-Since false; If-None-Match false overrides If-Modified-Since true."""
    if_match, if_none = req.get(f"{prefix}IfMatch"), req.get(f"{prefix}IfNoneMatch")
    modified_since = req.get(f"{prefix}IfModifiedSince")
    unmodified_since = req.get(f"{prefix}IfUnmodifiedSince")
    if if_match is None and if_none is None and modified_since is None and \
            unmodified_since is None:
        return
    modified = _second(obj.last_modified)
    if prefix:
        header = "x-amz-copy-source-"
        if modified_since is not None and modified_since > now:
            modified_since = None
    else:
        header = ""
    if if_match is not None:
        if not etag_matches(if_match, obj.etag):
            raise PreconditionFailed(Condition=f"{header}If-Match")
    elif unmodified_since is not None and modified > _second(unmodified_since):
        raise PreconditionFailed(Condition=f"{header}If-Unmodified-Since")
    if if_none is not None:
        if etag_matches(if_none, obj.etag):
            raise PreconditionFailed(Condition=f"{header}If-None-Match") if prefix else \
                NotModified(headers=_validators(obj))
    elif modified_since is not None and modified <= _second(modified_since):
        raise PreconditionFailed(Condition=f"{header}If-Modified-Since") if prefix else \
            NotModified(headers=_validators(obj))


def _validators(obj: S3Object) -> dict[str, str]:
    from nuvem.services.s3.common import http_date
    return {"ETag": obj.etag, "Last-Modified": http_date(obj.last_modified)}


def parse_range(text: str | None, size: int) -> tuple[int, int] | None:
    """(start, end) inclusive for a satisfiable single range; None to send the whole object (no
    header, or one S3 ignores); InvalidRange when it cannot be satisfied."""
    if not text:
        return None
    match = _RANGE.match(text.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.groups()
    if not first:
        length = int(last)
        if length == 0:
            raise InvalidRange(ActualObjectSize=str(size), RangeRequested=text)
        # an empty object's suffix range is the whole (empty) object: 200, no Content-Range
        # (RFC 9110 14.1.2; versitygw's GetObject_zero_len_with_range)
        return (max(size - length, 0), size - 1) if size else None
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        _unsatisfiable(text, size)
    return start, min(end, size - 1)


def _unsatisfiable(text: str, size: int):
    raise InvalidRange(ActualObjectSize=str(size), RangeRequested=text)


def describe(bucket: Bucket, obj: S3Object, req: dict, *, checksums: bool) -> dict:
    """The members GetObject and HeadObject share."""
    out: dict = {"ETag": obj.etag, "LastModified": obj.last_modified, "AcceptRanges": "bytes",
                 "Metadata": dict(obj.metadata), **obj.sse}
    for name, value in obj.headers.items():
        out[name] = _when(value) if name == "Expires" else value
    out.update(version_field(bucket, obj))
    if obj.storage_class != "STANDARD":
        out["StorageClass"] = obj.storage_class
    if obj.part_sizes:
        out["PartsCount"] = len(obj.part_sizes)
    if obj.tags:
        out["TagCount"] = len(obj.tags)
    if checksums and req.get("ChecksumMode") == "ENABLED":
        out.update(checksum_fields(obj.checksum))
    lock = obj.lock or {}
    if lock.get("Mode"):
        out["ObjectLockMode"] = lock["Mode"]
        out["ObjectLockRetainUntilDate"] = lock.get("RetainUntilDate")
    if lock.get("LegalHold"):
        out["ObjectLockLegalHoldStatus"] = lock["LegalHold"]
    restore = obj.lock.get("Restore") if obj.lock else None
    if restore:
        out["Restore"] = restore
    for name in ("ResponseContentType", "ResponseContentLanguage", "ResponseExpires",
                 "ResponseCacheControl", "ResponseContentDisposition", "ResponseContentEncoding"):
        value = req.get(name)
        if value is not None:
            out[name.removeprefix("Response")] = value
    return out


def _when(text: str) -> datetime | str:
    """A stored Expires (an HTTP date; ISO 8601 in records written before) as a datetime."""
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return text


def _http(value: datetime) -> str:
    from nuvem.services.s3.common import http_date
    return http_date(value)


_OVERRIDABLE = frozenset(f"response-{name}" for name in (
    "cache-control", "content-disposition", "content-encoding", "content-language",
    "content-type", "expires"))


# S3's words for them (versitygw's RouterGetUploadsWithKey, RouterListVersionsWithKey)
_BUCKET_LISTINGS = {"uploads": "Key is not expected for the GET method ?uploads subresource",
                    "versions": "There is no such thing as the ?versions sub-resource for a key"}


def _read_target(ctx: Call, req: dict) -> tuple[Bucket, S3Object]:
    if ctx.request.headers.get("x-amz-server-side-encryption") is not None:
        # the object's encryption is fixed when written; a read may not name one (400)
        raise InvalidArgument("x-amz-server-side-encryption header is not supported for this "
                              "operation.")
    if ctx.request.query:       # a response-* override S3 does not know (versitygw issue 2075)
        for name, value in ctx.request.query_list():
            if name in _BUCKET_LISTINGS:    # a bucket's listing asked of a key
                raise InvalidRequest(_BUCKET_LISTINGS[name])
            if name.startswith("response-") and name not in _OVERRIDABLE:
                raise InvalidArgument(f"{name} is not in the set of overridable response headers. "
                                      "Please refer to the S3 API documentation for a complete "
                                      "list of overridable response headers.",
                                      ArgumentName=name, ArgumentValue=value)
            if name in _OVERRIDABLE and (ctx.principal is None
                                         or ctx.principal.kind == "anonymous"):
                # overrides need a signed request (GetObject's reference; versitygw's
                # HeadObject_overrides_fail_public)
                raise InvalidRequest("Request specific response headers cannot be used for "
                                     "anonymous GET requests.")
        number = req.get("PartNumber")
        if number is not None and number < 1:   # refused before the key is looked up
            raise _part_number_refused(number)
    check_key_length(req["Key"])
    bucket = bucket_of(ctx, req["Bucket"])
    try:
        obj = find_object(ctx, bucket, req["Key"], req.get("VersionId"))
    except NoSuchKey:
        from nuvem.services.s3.access import may_list
        if not may_list(ctx, bucket):   # without s3:ListBucket a missing key is 403, not 404
            raise AccessDenied("Access Denied") from None
        raise
    if obj.delete_marker:   # a delete marker named by its version
        raise MethodNotAllowed(Method=ctx.request.method, ResourceType="DeleteMarker",
                               headers=marker_headers(obj))
    customer_keys.check_read(obj.customer_key, req)
    check_read_conditions(obj, req)
    return bucket, obj


def _read_expiration(bucket: Bucket, obj: S3Object, req: dict) -> dict:
    """x-amz-expiration of an object read without a version id: a read of a version by its id
    announces none, the current one's included (LocalStack's AWS-validated
    test_bucket_lifecycle_configuration_object_expiry_versioned)."""
    if not bucket.config.get("Lifecycle") or req.get("VersionId") is not None:
        return {}
    return expiration(bucket, obj)


def _part_number_refused(number: int) -> InvalidArgument:
    return InvalidArgument("Part number must be an integer between 1 and 10000, inclusive",
                           ArgumentName="partNumber", ArgumentValue=str(number))


def _part_range(obj: S3Object, number: int) -> tuple[int, int]:
    sizes = obj.part_sizes or [obj.size]
    if not 1 <= number <= max(len(sizes), 1) or number > 10000:
        raise InvalidPartNumber(PartNumberRequested=str(number), ActualPartCount=str(len(sizes))) \
            if number > len(sizes) else _part_number_refused(number)
    start = sum(sizes[:number - 1])
    return start, start + sizes[number - 1] - 1


@SERVICE.op("GetObject")
def get_object(ctx: Call, req: dict) -> dict:
    bucket, obj = _read_target(ctx, req)
    if obj.storage_class in ARCHIVED and not (obj.lock or {}).get("Restore"):
        # the class is also a header, as on a read (LocalStack's AWS-validated
        # test_put_object_storage_class[GLACIER-False])
        raise InvalidObjectState(StorageClass=obj.storage_class,
                                 headers={"x-amz-storage-class": obj.storage_class})
    out = describe(bucket, obj, req, checksums=True)
    out.update(_read_expiration(bucket, obj, req))
    span = _span(obj, req)
    if span is None:
        start, end = 0, obj.size - 1
        out["ContentLength"] = obj.size
    else:
        start, end = span
        out["ContentLength"] = end - start + 1
        out["ContentRange"] = f"bytes {start}-{end}/{obj.size}"
        out[STATUS] = 206
        _drop_whole_checksums(out, req, whole=end - start + 1 == obj.size)
    if obj.data is not None:       # inline: bytes, so the server sends it without a stream
        out["Body"] = obj.data[start:end + 1]
    else:
        out["Body"] = read_range(ctx, obj.data, obj.chunks, start, end) if obj.size else b""
    return out


def _span(obj: S3Object, req: dict) -> tuple[int, int] | None:
    number = req.get("PartNumber")
    if number is not None:
        if req.get("Range"):
            raise InvalidRequest("Cannot specify both Range header and partNumber query parameter")
        start, end = _part_range(obj, number)
        # an empty object's part 1 is the whole (empty) object, no Content-Range (versitygw's
        # HeadObject_empty_object_part_number_1)
        return (start, end) if end >= start else None
    return parse_range(req.get("Range"), obj.size)


def _drop_whole_checksums(out: dict, req: dict, whole: bool) -> None:
    """A range, or a part of an object whose checksum covers it whole, carries no checksum; a
    range over the whole object keeps it (LocalStack's AWS-validated test_get_object_range:
    bytes=0-100 and bytes=-15 of 10 bytes)."""
    if req.get("Range") and whole:
        return
    if out.get("ChecksumType") == "FULL_OBJECT" or req.get("Range"):
        for k in [k for k in out if k.startswith("Checksum")]:
            del out[k]


@SERVICE.op("HeadObject")
def head_object(ctx: Call, req: dict) -> dict:
    bucket, obj = _read_target(ctx, req)
    out = describe(bucket, obj, req, checksums=True)
    out.update(_read_expiration(bucket, obj, req))
    span = _span(obj, req)
    if span is None:
        out["ContentLength"] = obj.size
    else:
        out["ContentLength"] = span[1] - span[0] + 1
        out["ContentRange"] = f"bytes {span[0]}-{span[1]}/{obj.size}"
        out[STATUS] = 206
        # as GetObject does (versitygw's HeadObject_ranged_with_checksum_mode)
        _drop_whole_checksums(out, req, whole=span[1] - span[0] + 1 == obj.size)
    return out


# -- deleting -----------------------------------------------------------------------------------
def delete_one(ctx: Call, bucket: Bucket, key: str, version_id: str | None, req: dict) -> dict:
    """One DeleteObject: returns the output members (DeleteMarker, VersionId)."""
    if version_id is not None:
        for obj in versions(ctx, bucket.name, key):
            if obj.version_id == version_id:
                if not obj.delete_marker:
                    check_lock(ctx, obj, req)
                ctx.store.delete(obj)
                notify(ctx, bucket, "ObjectRemoved:Delete", obj)
                out = {"VersionId": version_id}
                if obj.delete_marker:
                    out["DeleteMarker"] = True
                return out
        check_version_id(version_id)
        return {"VersionId": version_id}
    if_match = req.get("IfMatch")
    existing = current(ctx, bucket, key)
    if if_match is not None:
        if existing is None or existing.delete_marker:
            raise NoSuchKey(Key=key)
        if not etag_matches(if_match, existing.etag):
            raise PreconditionFailed(Condition="If-Match")
    if bucket.versioning == "":
        if existing is not None:
            check_lock(ctx, existing, req)
            ctx.store.delete(existing)
        else:       # S3 notifies the delete of a key that was not there too
            existing = S3Object(bucket=bucket.name, key=key, rank=0, version_id="null",
                                last_modified=ctx.now)
        notify(ctx, bucket, "ObjectRemoved:Delete", existing)
        return {}
    marker = S3Object(bucket=bucket.name, key=key, rank=0, version_id="null",
                      last_modified=ctx.now, owner=ctx.account, delete_marker=True)
    store_version(ctx, bucket, marker)      # which gives it a version id if versioning is on
    notify(ctx, bucket, "ObjectRemoved:DeleteMarkerCreated", marker)
    return {"DeleteMarker": True, "VersionId": marker.version_id}


def check_bypass_header(bucket: Bucket, req: dict) -> None:
    # the header at all, true or false, is refused where there is no lock to bypass
    if "BypassGovernanceRetention" in req and not bucket.object_lock:
        raise InvalidArgument("x-amz-bypass-governance-retention is only applicable to Object "
                              "Lock enabled buckets.",
                              ArgumentName="x-amz-bypass-governance-retention")


@SERVICE.op("DeleteObject")
def delete_object(ctx: Call, req: dict) -> dict:
    check_key_length(req["Key"])
    bucket = bucket_of(ctx, req["Bucket"])
    check_bypass_header(bucket, req)
    return delete_one(ctx, bucket, req["Key"], req.get("VersionId"), req)


@SERVICE.op("DeleteObjects")
def delete_objects(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    check_bypass_header(bucket, req)
    spec = req.get("Delete") or {}
    items = spec.get("Objects") or []
    if not items or len(items) > 1000:
        raise MalformedXML()
    for item in items:      # a key too long refuses the whole request: nothing is deleted
        check_key_length(item.get("Key", ""))
    deleted, errors = [], []
    for item in items:
        key, version_id = item.get("Key", ""), item.get("VersionId")
        try:
            with ctx.runtime.store.tx():   # a savepoint: one key's failure keeps the others
                out = delete_one(ctx, bucket, key, version_id, {**req, "IfMatch": item.get("ETag")})
        except (S3Error, AccessDenied) as error:     # an object lock refuses one key alone
            if isinstance(error, InvalidVersionId):    # here S3 calls it a missing version
                error = NoSuchVersion()
            errors.append({"Key": key, "Code": error.code, "Message": error.message,
                           **({"VersionId": version_id} if version_id else {})})
            continue
        entry = {"Key": key}
        if version_id is not None:
            entry["VersionId"] = version_id
            if out.get("DeleteMarker"):
                entry["DeleteMarker"] = True
                entry["DeleteMarkerVersionId"] = version_id
        elif out.get("DeleteMarker"):
            entry["DeleteMarker"] = True
            entry["DeleteMarkerVersionId"] = out["VersionId"]
        if not spec.get("Quiet"):
            deleted.append(entry)
    result: dict = {}
    if deleted:
        result["Deleted"] = deleted
    if errors:
        result["Errors"] = errors
    return result


# -- copying ------------------------------------------------------------------------------------
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def parse_copy_source(text: str) -> tuple[str, str, str | None]:
    """`bucket/key[?versionId=...]`, percent-encoded; S3 names the part it cannot use
    (versitygw's CopyObject_invalid_copy_source, issues 1388-1390)."""
    source, _, query = text.partition("?")
    try:
        if _BAD_ESCAPE.search(source):
            raise ValueError
        source = unquote_to_bytes(source).decode()
    except ValueError:
        raise InvalidArgument("Invalid copy source encoding", ArgumentName="x-amz-copy-source",
                              ArgumentValue=text) from None
    bucket, _, key = source.lstrip("/").partition("/")
    version_id = None
    if query:
        params = dict(parse_qsl(query, keep_blank_values=True))
        version_id = params.get("versionId")
    for part, wrong in (("bucket name", not valid_bucket_name(bucket)), ("object key", not key)):
        if wrong:   # the value S3 names is the header's name (LocalStack's AWS-validated
            # test_s3_copy_object_wrong_format records it for the key)
            raise InvalidArgument(f"Invalid copy source {part}", ArgumentName="x-amz-copy-source",
                                  ArgumentValue="x-amz-copy-source")
    if version_id == "":
        raise EmptyVersionId(ArgumentName="x-amz-copy-source", ArgumentValue="")
    return bucket, key, version_id


def copy_source(ctx: Call, source: tuple[str, str, str | None]) -> tuple[Bucket, S3Object]:
    """The bucket and object `parse_copy_source` names."""
    name, key, version_id = source
    bucket = ctx.store.get(Bucket, name)
    if bucket is None:
        from nuvem.services.s3.errors import NoSuchBucket
        raise NoSuchBucket(BucketName=name)
    obj = find_object(ctx, bucket, key, version_id, allow_marker=True)
    if obj.delete_marker:
        if version_id:
            raise InvalidRequest("The source of a copy request may not specifically refer to "
                                 "a delete marker by version id.")
        raise NoSuchKey(Key=key)
    return bucket, obj


def full_md5(ctx: Call, obj: S3Object) -> str:
    if obj.data is not None:
        return hashlib.md5(obj.data).hexdigest()
    md5 = hashlib.md5()
    for piece in read_range(ctx, None, obj.chunks, 0, obj.size - 1):
        md5.update(piece)
    return md5.hexdigest()


@SERVICE.op("CopyObject")
def copy_object(ctx: Call, req: dict) -> dict:
    if ctx.request.query:
        _refuse_upload_parameters(ctx)
    bucket = bucket_of(ctx, req["Bucket"])
    key = req["Key"]
    check_key(key)
    source_bucket, source = copy_source(ctx, parse_copy_source(req["CopySource"]))
    customer_keys.check_read(source.customer_key, req, copy_source=True)
    check_read_conditions(source, req, prefix="CopySource", now=ctx.now)
    if source.storage_class in ARCHIVED and not (source.lock or {}).get("Restore"):
        raise InvalidObjectState(StorageClass=source.storage_class)
    check_write_conditions(ctx, bucket, key, req)
    directive = req.get("MetadataDirective") or "COPY"
    tag_directive = req.get("TaggingDirective") or "COPY"
    for name, value in (("metadata", directive), ("tagging", tag_directive)):
        if value not in ("COPY", "REPLACE"):
            raise InvalidArgument(f"Unknown {name} directive.",
                                  ArgumentName=f"x-amz-{name}-directive", ArgumentValue=value)
    same = source_bucket.name == bucket.name and source.key == key
    changes = (directive == "REPLACE" or req.get("StorageClass") or req.get("WebsiteRedirectLocation")
               or req.get("ServerSideEncryption") or req.get("SSEKMSKeyId")
               or req.get("SSECustomerAlgorithm")
               # a default encryption the bucket was given applies anew (LocalStack's
               # AWS-validated test_copy_in_place_with_bucket_encryption)
               or "Encryption" in bucket.config)
    # a versioned bucket is no exception (LocalStack's AWS-validated
    # test_s3_copy_object_in_place_versioned); naming a version restores it
    if same and not changes and req.get("CopySource", "").find("versionId=") < 0:
        raise InvalidRequest("This copy request is illegal because it is trying to copy an object "
                             "to itself without changing the object's metadata, storage class, "
                             "website redirect location or encryption attributes.")
    if directive == "REPLACE":
        headers, metadata = content_headers(req), user_metadata(req)
    else:
        headers, metadata = dict(source.headers), dict(source.metadata)
        if req.get("WebsiteRedirectLocation"):
            headers["WebsiteRedirectLocation"] = req["WebsiteRedirectLocation"]
    tags = parse_tagging(req.get("Tagging")) if tag_directive == "REPLACE" else dict(source.tags)
    etag = source.etag if not source.part_sizes else f'"{full_md5(ctx, source)}"'
    checksum = dict(source.checksum)
    algorithm = req.get("ChecksumAlgorithm") and checksum_algorithm(req["ChecksumAlgorithm"])
    if (algorithm and algorithm != checksum.get("Algorithm")) or \
            checksum.get("Type") == "COMPOSITE":
        from nuvem.protocol import checksums as sums
        h = sums.new((algorithm or checksum.get("Algorithm") or "CRC64NVME").upper())
        for piece in read_range(ctx, source.data, source.chunks, 0, max(source.size - 1, 0)):
            h.update(piece)
        checksum = {"Algorithm": (algorithm or checksum.get("Algorithm") or "CRC64NVME").upper(),
                    "Value": sums.b64(h.digest()), "Type": "FULL_OBJECT"}
    obj = S3Object(bucket=bucket.name, key=key, rank=0, version_id="null", last_modified=ctx.now,
                   owner=object_owner(ctx, bucket), etag=etag, size=source.size,
                   data=source.data, chunks=list(source.chunks), headers=headers,
                   metadata=metadata, storage_class=storage_class(req), checksum=checksum,
                   tags=tags, **encryption(ctx, bucket, req),
                   lock=default_lock(ctx, bucket, req))
    store_version(ctx, bucket, obj)
    notify(ctx, bucket, "ObjectCreated:Copy", obj)
    result = {"CopyObjectResult": {"ETag": obj.etag, "LastModified": obj.last_modified,
                                   **checksum_fields(obj.checksum)}, **obj.sse,
              **expiration(bucket, obj)}
    if source.version_id != "null":
        result["CopySourceVersionId"] = source.version_id
    # unlike PutObject's, a copy's null version is named (LocalStack's AWS-validated
    # test_s3_copy_object_in_place_suspended_only)
    return {**result, **version_field(bucket, obj)}


# -- attributes, tagging, retention -------------------------------------------------------------
@SERVICE.op("GetObjectAttributes")
def get_object_attributes(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    wanted = set(req.get("ObjectAttributes") or []) - {""}
    if not wanted:      # S3's own words, not the generic missing-header ones (versitygw issue 915)
        raise InvalidRequest("The x-amz-object-attributes header specifying the attributes to be "
                             "retrieved is either missing or empty")
    unknown = sorted(wanted - OBJECT_ATTRIBUTES)
    if unknown:
        raise InvalidArgument("Invalid attribute name specified.",
                              ArgumentName="x-amz-object-attributes", ArgumentValue=unknown[0])
    obj = find_object(ctx, bucket, req["Key"], req.get("VersionId"), allow_marker=True)
    if obj.delete_marker:
        raise NoSuchKey(Key=obj.key, headers=marker_headers(obj))
    customer_keys.check_read(obj.customer_key, req)
    out: dict = {"LastModified": obj.last_modified}
    if obj.version_id != "null":
        out["VersionId"] = obj.version_id
    if "ETag" in wanted:
        out["ETag"] = obj.etag.strip('"')
    if "StorageClass" in wanted:
        out["StorageClass"] = obj.storage_class
    if "ObjectSize" in wanted:
        out["ObjectSize"] = obj.size
    if "Checksum" in wanted and obj.checksum:
        checksum = checksum_fields(obj.checksum)
        # a composite checksum comes without its '-<parts>' here (ObjectParts counts them), as
        # AWS answers in LocalStack's AWS-validated test_complete_multipart_parts_checksum
        name = f"Checksum{obj.checksum['Algorithm']}"
        checksum[name] = checksum[name].split("-")[0]
        out["Checksum"] = checksum
    if "ObjectParts" in wanted and obj.part_sizes:
        from nuvem.services.s3.multipart import object_parts
        out["ObjectParts"] = object_parts(obj, req)
    return out


@SERVICE.op("PutObjectTagging")
def put_object_tagging(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    obj = version_named(ctx, bucket, req)
    obj.tags = tags_of_set((req.get("Tagging") or {}).get("TagSet") or [])
    ctx.store.put(obj)
    notify(ctx, bucket, "ObjectTagging:Put", obj)
    return {"VersionId": obj.version_id} if obj.version_id != "null" else {}


@SERVICE.op("GetObjectTagging")
def get_object_tagging(ctx: Call, req: dict) -> dict:
    try:
        obj = version_named(ctx, bucket_of(ctx, req["Bucket"]), req)
    except NoSuchKey as missing:   # this one operation names the key with its bucket
        missing.fields["Key"] = f"{req['Bucket']}/{req['Key']}"
        raise
    out = {"TagSet": tagset(obj.tags)}
    if obj.version_id != "null":
        out["VersionId"] = obj.version_id
    return out


@SERVICE.op("DeleteObjectTagging")
def delete_object_tagging(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    obj = version_named(ctx, bucket, req)
    obj.tags = {}
    ctx.store.put(obj)
    notify(ctx, bucket, "ObjectTagging:Delete", obj)
    return {"VersionId": obj.version_id} if obj.version_id != "null" else {}


def _locked_object(ctx: Call, req: dict) -> tuple[Bucket, S3Object]:
    bucket = bucket_of(ctx, req["Bucket"])
    if not bucket.object_lock:
        raise InvalidRequest("Bucket is missing Object Lock Configuration")
    # a delete marker named by its version has no lock: 405
    return bucket, version_named(ctx, bucket, req, marker_missing=True)


# The lock operations check their body before the bucket's lock and the key (versitygw's
# PutObjectLegalHold_invalid_status and PutObjectRetention_invalid_mode name no object there).
@SERVICE.op("PutObjectRetention")
def put_object_retention(ctx: Call, req: dict) -> dict:
    retention = req.get("Retention") or {}
    new_until = retention.get("RetainUntilDate")
    # a mode without a date or the reverse is malformed; neither clears the retention (LocalStack's
    # AWS-validated test_s3_object_retention_exc, test_s3_object_retention)
    if retention.get("Mode") not in (None, *LOCK_MODES) or \
            (retention.get("Mode") is None) != (new_until is None):
        raise MalformedXML()
    if new_until:
        check_retain_until(new_until, ctx.now)
    bucket, obj = _locked_object(ctx, req)
    lock = dict(obj.lock or {})
    old_until = lock.get("RetainUntilDate")
    # COMPLIANCE can be neither shortened nor turned into GOVERNANCE while it lasts
    if lock.get("Mode") == "COMPLIANCE" and old_until and _aware(old_until) > ctx.now and (
            not new_until or _aware(new_until) < _aware(old_until)
            or retention.get("Mode") != "COMPLIANCE"):
        raise AccessDenied("Access Denied because object protected by object lock.")
    # GOVERNANCE may be lengthened; shortening it or changing its mode needs the bypass
    if lock.get("Mode") == "GOVERNANCE" and old_until and _aware(old_until) > ctx.now and (
            not new_until or _aware(new_until) < _aware(old_until)
            or retention.get("Mode") != "GOVERNANCE") and \
            not req.get("BypassGovernanceRetention"):
        raise AccessDenied("Access Denied because object protected by object lock.")
    lock["Mode"] = retention.get("Mode")
    lock["RetainUntilDate"] = new_until
    obj.lock = lock
    ctx.store.put(obj)
    return {}


@SERVICE.op("GetObjectRetention")
def get_object_retention(ctx: Call, req: dict) -> dict:
    bucket, obj = _locked_object(ctx, req)
    lock = obj.lock or {}
    if not lock.get("Mode"):
        from nuvem.services.s3.errors import NoSuchObjectLockConfiguration
        raise NoSuchObjectLockConfiguration()
    return {"Retention": {"Mode": lock["Mode"], "RetainUntilDate": lock.get("RetainUntilDate")}}


@SERVICE.op("PutObjectLegalHold")
def put_object_legal_hold(ctx: Call, req: dict) -> dict:
    status = (req.get("LegalHold") or {}).get("Status")
    if status not in ("ON", "OFF"):
        raise MalformedXML()
    bucket, obj = _locked_object(ctx, req)
    obj.lock = {**(obj.lock or {}), "LegalHold": status}
    ctx.store.put(obj)
    return {}


@SERVICE.op("GetObjectLegalHold")
def get_object_legal_hold(ctx: Call, req: dict) -> dict:
    bucket, obj = _locked_object(ctx, req)
    status = (obj.lock or {}).get("LegalHold")
    if not status:
        from nuvem.services.s3.errors import NoSuchObjectLockConfiguration
        raise NoSuchObjectLockConfiguration()
    return {"LegalHold": {"Status": status}}


@SERVICE.op("RestoreObject")
def restore_object(ctx: Call, req: dict) -> dict:
    """Archived objects restore at once here (AWS takes minutes to hours): the temporary copy
    lasts `Days` from now."""
    from datetime import timedelta
    bucket = bucket_of(ctx, req["Bucket"])
    obj = find_object(ctx, bucket, req["Key"], req.get("VersionId"))
    if obj.storage_class not in ARCHIVED:
        raise InvalidObjectState("Restore is not allowed for the object's current storage class",
                                 StorageClass=obj.storage_class)
    days = (req.get("RestoreRequest") or {}).get("Days") or 1
    already = bool((obj.lock or {}).get("Restore"))
    expiry = (ctx.now + timedelta(days=days)).astimezone(timezone.utc)
    obj.lock = {**(obj.lock or {}), "Restore":
                f'ongoing-request="false", expiry-date="{expiry.strftime("%a, %d %b %Y %H:%M:%S GMT")}"'}
    ctx.store.put(obj)
    if not already:
        notify(ctx, bucket, "ObjectRestore:Post", obj)
        notify(ctx, bucket, "ObjectRestore:Completed", obj, restore_expiry=expiry)
    return {STATUS: 200 if already else 202}
