"""Multipart uploads: CreateMultipartUpload, UploadPart, UploadPartCopy, ListParts,
ListMultipartUploads, CompleteMultipartUpload, AbortMultipartUpload, and the ObjectParts of
GetObjectAttributes ("Uploading and copying objects using multipart upload", Amazon S3 User Guide;
the operations' pages in the Amazon S3 API Reference).

Upload ids start with the initiation time (14 hex digits of microseconds), so a key's uploads list
in initiation order, as ListMultipartUploads wants. A part keeps its bytes inline (small) or as one
blob; completing joins the parts' blobs into the object's chunks without copying bytes (only a
small inline part is written out as a blob). Checksums follow "Checking object integrity": a
COMPOSITE checksum is the checksum of the parts' checksums with "-N"; a FULL_OBJECT one is the CRC
of the whole object, combined from the parts' CRCs.
"""
from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime, timezone
from urllib.parse import quote

from nuvem.context import Call
from nuvem.protocol import checksums as sums
from nuvem.services.s3 import SERVICE, customer_keys
from nuvem.services.s3.bodies import (DEFAULT_ALGORITHM, checksum_algorithm, read_range, receive,
                                     receive_upload, requested_checksums)
from nuvem.services.s3.common import bucket_of, canonical_id, current, owner, versions
from nuvem.services.s3.errors import (BadDigest, ConditionalRequestConflict, EntityTooLarge,
                                      EntityTooSmall, InvalidArgument, InvalidObjectState,
                                      InvalidPart, InvalidPartOrder, InvalidRequest, MalformedXML,
                                      NoSuchUpload, PreconditionFailed)
from nuvem.services.s3.lifecycle import abort_rule, expiration
from nuvem.services.s3.models import Bucket, Chunk, Part, S3Object, Upload
from nuvem.services.s3.objects import (ARCHIVED, check_key, check_read_conditions,
                                       check_write_conditions, copy_source,
                                       new_object_attributes, parse_copy_source, store_version)

MIN_PART_SIZE = 5 * 1024 * 1024          # every part but the last ("Multipart upload limits")
MAX_PART_SIZE = 5 * 1024 ** 3
MAX_PART_NUMBER = 10000
MAX_LISTED = 1000
CRCS = ("CRC32", "CRC32C", "CRC64NVME")
_ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_UPLOAD_ID = re.compile(r"[0-9a-f]{14}[0-9A-Za-z]{50}")     # what _new_upload_id makes
_COPY_RANGE = re.compile(r"^bytes=(\d+)-(\d+)$")


# -- finding ------------------------------------------------------------------------------------
def _upload_of(ctx: Call, req: dict):
    bucket = bucket_of(ctx, req["Bucket"])
    return bucket, _upload_in(ctx, bucket, req)


def _upload_in(ctx: Call, bucket: Bucket, req: dict) -> Upload:
    upload = ctx.store.get(Upload, bucket.name, req["Key"], req["UploadId"])
    if upload is None:
        raise NoSuchUpload(UploadId=req["UploadId"])
    return upload


def _parts(ctx: Call, upload: Upload, after: int = 0, limit: int | None = None):
    return ctx.store.query(Part, prefix=(upload.bucket, upload.upload_id),
                           gt=(upload.bucket, upload.upload_id, after), limit=limit)


def discard_upload(ctx: Call, upload: Upload) -> None:
    """Forget an upload and its parts (their blobs go with the next blob collection)."""
    for part in list(ctx.store.query(Part, prefix=(upload.bucket, upload.upload_id))):
        ctx.store.delete(part)
    ctx.store.delete(upload)


def _part_number(value) -> int:
    if value is None or not 1 <= int(value) <= MAX_PART_NUMBER:
        raise InvalidArgument("Part number must be an integer between 1 and 10000, inclusive",
                              ArgumentName="partNumber", ArgumentValue=str(value))
    return int(value)


def _new_upload_id(ctx: Call, bucket: str, key: str) -> str:
    micros = int(ctx.now.timestamp() * 1_000_000)
    last = next(ctx.store.query(Upload, prefix=(bucket, key), reverse=True, limit=1), None)
    if last is not None:
        try:
            micros = max(micros, int(last.upload_id[:14], 16) + 1)
        except ValueError:
            pass
    return f"{micros:014x}" + ctx.ids.chars(_ID_CHARS, 50)


def _initiator(upload: Upload) -> dict:
    arn = upload.initiator
    if arn.endswith(":root"):
        return {"ID": canonical_id(arn.split(":")[4])}
    if arn.startswith("arn:"):
        return {"ID": arn, "DisplayName": arn.rsplit("/", 1)[-1]}
    return {"ID": arn or canonical_id(upload.owner)}


# -- checksums ----------------------------------------------------------------------------------
def _checksum_mode(req: dict) -> tuple[str, str]:
    """(algorithm, type) of a new upload; ("", "") when it declares none (S3 then gives the
    object a full-object CRC64NVME)."""
    # both in any case, the type checked first (versitygw's CreateMultipartUpload_valid_algo_type,
    # _invalid_checksum_type)
    algorithm = (req.get("ChecksumAlgorithm") or "").upper()
    kind = (req.get("ChecksumType") or "").upper()
    if kind not in ("", "COMPOSITE", "FULL_OBJECT"):
        raise InvalidRequest("Value for x-amz-checksum-type header is invalid.")
    if kind and not algorithm:
        raise InvalidRequest("The x-amz-checksum-type header can only be used with the "
                             "x-amz-checksum-algorithm header.")
    if not algorithm:
        return "", ""
    checksum_algorithm(algorithm)
    if algorithm == "CRC64NVME":
        kind = kind or "FULL_OBJECT"
        if kind == "COMPOSITE":
            raise InvalidRequest("The COMPOSITE checksum type cannot be used with the crc64nvme "
                                 "checksum algorithm.")
    kind = kind or "COMPOSITE"
    if kind == "FULL_OBJECT" and algorithm not in CRCS:
        raise InvalidRequest(f"The FULL_OBJECT checksum type cannot be used with the "
                             f"{algorithm.lower()} checksum algorithm.")
    return algorithm, kind


def _effective(upload: Upload) -> tuple[str, str]:
    if upload.checksum_algorithm:
        return upload.checksum_algorithm, upload.checksum_type or "COMPOSITE"
    return DEFAULT_ALGORITHM, "FULL_OBJECT"


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _combine_reflected(poly: int, width: int, crc1: int, crc2: int, length2: int) -> int:
    """CRC(A || B) from CRC(A), CRC(B) and len(B), for a reflected CRC whose initial value and
    final XOR are all ones (CRC32, CRC32C, CRC-64/NVME): zlib's crc32_combine, any width."""
    if length2 <= 0:
        return crc1
    odd = [poly] + [1 << i for i in range(width - 1)]          # one zero bit
    even = [_gf2_times(odd, v) for v in odd]                   # two zero bits
    odd = [_gf2_times(even, v) for v in even]                  # four zero bits
    while True:
        even = [_gf2_times(odd, v) for v in odd]               # one zero byte, then 4, 16...
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = [_gf2_times(even, v) for v in even]
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2


_POLYS = {"CRC32": (0xEDB88320, 32), "CRC32C": (0x82F63B78, 32),
          "CRC64NVME": (0x9A6C9329AC4BC9B5, 64)}


def combine_crc(algorithm: str, crc1: int, crc2: int, length2: int) -> int:
    try:
        from awscrt import checksums as crt
        fn = {"CRC32": "combine_crc32", "CRC32C": "combine_crc32c",
              "CRC64NVME": "combine_crc64nvme"}[algorithm]
        return getattr(crt, fn)(crc1, crc2, length2)
    except (ImportError, AttributeError):
        poly, width = _POLYS[algorithm]
        return _combine_reflected(poly, width, crc1, crc2, length2)


def _object_checksum(ctx: Call, upload: Upload, parts: list[Part]) -> dict:
    algorithm, kind = _effective(upload)
    values = [p.checksum.get(algorithm) for p in parts]
    if any(v is None for v in values):        # a part stored without it: read the bytes
        h = sums.new(algorithm)
        for part in parts:
            for piece in read_range(ctx, part.data, part.chunks, 0, part.size - 1):
                h.update(piece)
        return {"Algorithm": algorithm, "Value": sums.b64(h.digest()), "Type": "FULL_OBJECT"}
    if kind == "COMPOSITE":
        h = sums.new(algorithm)
        for value in values:
            h.update(base64.b64decode(value))
        return {"Algorithm": algorithm, "Value": f"{sums.b64(h.digest())}-{len(parts)}",
                "Type": "COMPOSITE"}
    size = sums.DIGEST_SIZES[algorithm]
    crc = int.from_bytes(base64.b64decode(values[0]), "big")
    for part, value in zip(parts[1:], values[1:]):
        crc = combine_crc(algorithm, crc, int.from_bytes(base64.b64decode(value), "big"),
                          part.size)
    return {"Algorithm": algorithm, "Value": sums.b64(crc.to_bytes(size, "big")),
            "Type": "FULL_OBJECT"}


def _part_checksum_fields(part: Part, algorithms) -> dict:
    return {f"Checksum{a}": part.checksum[a] for a in algorithms if a in part.checksum}


# -- creating -----------------------------------------------------------------------------------
@SERVICE.op("CreateMultipartUpload")
def create_multipart_upload(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    key = req["Key"]
    check_key(key)
    algorithm, kind = _checksum_mode(req)
    attributes = new_object_attributes(ctx, bucket, req)
    sse = attributes["sse"]
    upload = Upload(bucket=bucket.name, key=key, upload_id=_new_upload_id(ctx, bucket.name, key),
                    initiated=ctx.now, initiator=ctx.principal.arn if ctx.principal else "",
                    checksum_algorithm=algorithm, checksum_type=kind,
                    key_before=key_state(current(ctx, bucket, key)), **attributes)
    ctx.store.put(upload)
    out = {"Bucket": bucket.name, "Key": key, "UploadId": upload.upload_id, **sse,
           **abort_rule(bucket, key, upload.tags, upload.initiated)}
    if algorithm:
        out["ChecksumAlgorithm"] = algorithm
        out["ChecksumType"] = kind
    return out


# -- parts --------------------------------------------------------------------------------------
def _part_wanted(upload: Upload, req: dict, body) -> tuple[dict, list[str]]:
    """What to compute for a part: the client's checksums, the upload's algorithm (or S3's
    default, to combine the object's checksum later). Returns (wanted, algorithms to answer)."""
    wanted = requested_checksums(req, None)  # headers unused
    sent = set(wanted) | set(getattr(body, "trailer_algorithms", ()) or ())
    if upload.checksum_algorithm:
        algorithm = upload.checksum_algorithm
        other = sorted(sent - {algorithm})
        # a composite upload's parts must carry its checksum; S3 computes a full-object
        # upload's itself (LocalStack's AWS-validated test_multipart_parts_checksum_exceptions)
        if other or (algorithm not in sent and upload.checksum_type == "COMPOSITE"):
            actual = other[0].lower() if other else "null"
            raise InvalidRequest(f"Checksum Type mismatch occurred, expected checksum Type: "
                                 f"{algorithm.lower()}, actual checksum Type: {actual}")
        if algorithm not in sent:
            wanted[algorithm] = None
        return wanted, [algorithm]
    if DEFAULT_ALGORITHM not in sent:
        wanted[DEFAULT_ALGORITHM] = None
    return wanted, sorted(sent)


@SERVICE.op("UploadPart")
def upload_part(ctx: Call, req: dict) -> dict:
    bucket, upload = _upload_of(ctx, req)
    number = _part_number(req.get("PartNumber"))
    customer_keys.check_part(upload.customer_key, req)
    body = req.get("Body")
    wanted, answer = _part_wanted(upload, req, body)
    got = receive_upload(ctx, body, wanted, content_md5=req.get("ContentMD5"),
                         default_checksum=False)
    if got.size > MAX_PART_SIZE:
        raise EntityTooLarge(ProposedSize=str(got.size), MaxSizeAllowed=str(MAX_PART_SIZE))
    part = Part(bucket=bucket.name, upload_id=upload.upload_id, number=number,
                etag=f'"{got.md5.hex()}"', size=got.size, last_modified=ctx.now,
                chunks=got.chunks, data=got.data, checksum=dict(got.checksums))
    ctx.store.put(part)      # a part number uploaded again replaces the part
    return {"ETag": part.etag, **upload.sse, **_part_checksum_fields(part, answer)}


class _Pieces:
    """A read()-able stream over an iterator of byte strings (a copy source's range)."""

    def __init__(self, pieces):
        self._pieces = iter(pieces)
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            piece = next(self._pieces, None)
            if piece is None:
                break
            self._buffer += piece
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def _copy_range(text: str | None, size: int) -> tuple[int, int]:
    if text is None:
        return 0, size - 1
    match = _COPY_RANGE.match(text.strip())
    if not match or int(match.group(1)) > int(match.group(2)):
        raise InvalidArgument("The x-amz-copy-source-range value must be of the form "
                              "bytes=first-last where first and last are the zero-based offsets "
                              "of the first and last bytes to copy",
                              ArgumentName="x-amz-copy-source-range", ArgumentValue=text)
    first, last = int(match.group(1)), int(match.group(2))
    if first >= size:   # S3 words a range that starts past the end apart
        raise InvalidRequest("The specified copy range is invalid for the source object size")
    if last >= size:
        raise InvalidArgument(f"Range specified is not valid for source object of size: {size}",
                              ArgumentName="x-amz-copy-source-range", ArgumentValue=text)
    return first, last


@SERVICE.op("UploadPartCopy")
def upload_part_copy(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    # the part number and the copy source's form are checked before the upload is looked up
    # (versitygw's UploadPartCopy_invalid_part_number, UploadPartCopy_invalid_copy_source)
    number = _part_number(req.get("PartNumber"))
    named = parse_copy_source(req["CopySource"])
    upload = _upload_in(ctx, bucket, req)
    customer_keys.check_part(upload.customer_key, req)
    source_bucket, source = copy_source(ctx, named)
    customer_keys.check_read(source.customer_key, req, copy_source=True)
    expected = req.get("ExpectedSourceBucketOwner")
    if expected and expected != source_bucket.account:
        from nuvem.services.s3.errors import AccessDenied
        raise AccessDenied("Access Denied")
    check_read_conditions(source, req, prefix="CopySource", now=ctx.now)
    if source.storage_class in ARCHIVED and not (source.lock or {}).get("Restore"):
        raise InvalidObjectState(StorageClass=source.storage_class)
    first, last = _copy_range(req.get("CopySourceRange"), source.size)
    if last - first + 1 > MAX_PART_SIZE:
        raise InvalidRequest("The specified copy source is larger than the maximum allowable "
                             f"size for a copy source: {MAX_PART_SIZE}")
    algorithm, _ = _effective(upload)
    pieces = read_range(ctx, source.data, source.chunks, first, last) if last >= first else ()
    got = receive(ctx, _Pieces(pieces), {algorithm: None}, default_checksum=False)
    part = Part(bucket=bucket.name, upload_id=upload.upload_id, number=number,
                etag=f'"{got.md5.hex()}"', size=got.size, last_modified=ctx.now,
                chunks=got.chunks, data=got.data, checksum=dict(got.checksums))
    ctx.store.put(part)
    result = {"ETag": part.etag, "LastModified": part.last_modified}
    if upload.checksum_algorithm:
        result.update(_part_checksum_fields(part, [upload.checksum_algorithm]))
    out = {"CopyPartResult": result, **upload.sse}
    if source.version_id != "null":
        out["CopySourceVersionId"] = source.version_id
    return out


# -- listing ------------------------------------------------------------------------------------
def _non_negative(value, name: str) -> int:
    value = int(value)
    if value < 0:
        raise InvalidArgument(f"Argument {name} must be an integer between 0 and 2147483647",
                              ArgumentName=name, ArgumentValue=str(value))
    return value


def _limit(value, name: str) -> int:
    return MAX_LISTED if value is None else min(_non_negative(value, name), MAX_LISTED)


@SERVICE.op("ListParts")
def list_parts(ctx: Call, req: dict) -> dict:
    bucket, upload = _upload_of(ctx, req)
    limit = _limit(req.get("MaxParts"), "max-parts")
    marker = _non_negative(req.get("PartNumberMarker") or 0, "part-number-marker")
    page = list(_parts(ctx, upload, marker, limit + 1)) if limit else []
    truncated = len(page) > limit
    page = page[:limit]
    answer = [upload.checksum_algorithm] if upload.checksum_algorithm else []
    parts = [{"PartNumber": p.number, "LastModified": p.last_modified, "ETag": p.etag,
              "Size": p.size, **_part_checksum_fields(p, answer)} for p in page]
    out = {"Bucket": bucket.name, "Key": upload.key, "UploadId": upload.upload_id,
           "PartNumberMarker": marker, "MaxParts": limit, "IsTruncated": truncated,
           "Initiator": _initiator(upload), "Owner": owner(upload.owner),
           "StorageClass": upload.storage_class,
           **abort_rule(bucket, upload.key, upload.tags, upload.initiated)}
    # S3 names where the next page starts even on the last page; 0 on a page with no part
    # (LocalStack's AWS-validated test_list_parts_pagination, test_get_object_attributes)
    out["NextPartNumberMarker"] = parts[-1]["PartNumber"] if parts else 0
    if parts:
        out["Parts"] = parts
    if upload.checksum_algorithm:
        out["ChecksumAlgorithm"] = upload.checksum_algorithm
        out["ChecksumType"] = upload.checksum_type
    return out


def _after(prefix: str) -> str:
    """The smallest string above every string that starts with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _walk_uploads(ctx: Call, bucket: str, prefix: str, delimiter: str | None,
                  key_marker: str | None, upload_id_marker: str | None):
    """("upload", Upload) and ("prefix", common prefix) in key order, then initiation order."""
    if key_marker and upload_id_marker:
        bounds = {"gt": (bucket, key_marker, upload_id_marker)}
    elif key_marker:
        bounds = {"ge": (bucket, key_marker + "\0")}
    else:
        bounds = {}
    while True:
        jumped = False
        for upload in ctx.store.query(Upload, prefix=(bucket,), startswith=prefix or None,
                                      **bounds):
            if delimiter:
                cut = upload.key.find(delimiter, len(prefix))
                if cut >= 0:
                    common = upload.key[:cut + len(delimiter)]
                    if not (key_marker and common <= key_marker):
                        yield "prefix", common
                    bounds, jumped = {"ge": (bucket, _after(common))}, True
                    break
            yield "upload", upload
        if not jumped:
            return


@SERVICE.op("ListMultipartUploads")
def list_multipart_uploads(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    encoding = req.get("EncodingType")
    if encoding is not None and encoding != "url":
        raise InvalidArgument("Invalid Encoding Method specified in Request",
                              ArgumentName="encoding-type", ArgumentValue=encoding)

    def enc(value):
        return quote(value, safe="/") if encoding and value else value

    prefix, delimiter = req.get("Prefix") or "", req.get("Delimiter") or None
    key_marker = req.get("KeyMarker") or None
    upload_id_marker = (req.get("UploadIdMarker") or None) if key_marker else None
    if upload_id_marker and not _UPLOAD_ID.fullmatch(upload_id_marker):
        # one no upload could have (versitygw issue 1797); without key-marker it is ignored
        raise InvalidArgument("Invalid uploadId marker", ArgumentName="upload-id-marker",
                              ArgumentValue=upload_id_marker)
    limit = _limit(req.get("MaxUploads"), "max-uploads")
    uploads, prefixes, truncated, last = [], [], False, None
    for kind, item in _walk_uploads(ctx, bucket.name, prefix, delimiter, key_marker,
                                    upload_id_marker):
        if len(uploads) + len(prefixes) >= limit:
            truncated = True
            break
        if kind == "prefix":
            prefixes.append({"Prefix": enc(item)})
            continue
        entry = {"UploadId": item.upload_id, "Key": enc(item.key), "Initiated": item.initiated,
                 "StorageClass": item.storage_class, "Owner": owner(item.owner),
                 "Initiator": _initiator(item)}
        if item.checksum_algorithm:
            entry["ChecksumAlgorithm"] = item.checksum_algorithm
            entry["ChecksumType"] = item.checksum_type
        uploads.append(entry)
        last = (item.key, item.upload_id)
    # the next markers are there on every page: the last upload listed, empty when none was,
    # even on a page of common prefixes only (LocalStack's AWS-validated
    # test_list_multipart_uploads_marker_common_prefixes); the prefix only when one was asked for
    out = {"Bucket": bucket.name, "KeyMarker": enc(key_marker or ""),
           "UploadIdMarker": upload_id_marker or "", "MaxUploads": limit,
           "IsTruncated": truncated, "NextKeyMarker": enc(last[0]) if last else "",
           "NextUploadIdMarker": last[1] if last else ""}
    if req.get("Prefix") is not None:
        out["Prefix"] = enc(prefix)
    if delimiter:
        out["Delimiter"] = enc(delimiter)
    if encoding:
        out["EncodingType"] = encoding
    if uploads:
        out["Uploads"] = uploads
    if prefixes:
        out["CommonPrefixes"] = prefixes
    return out


# -- completing and aborting --------------------------------------------------------------------
def _chosen_parts(ctx: Call, upload: Upload, req: dict) -> list[Part]:
    if req.get("MultipartUpload") is None:      # no body at all
        raise InvalidRequest("You must specify at least one part")
    listed = req["MultipartUpload"].get("Parts") or []
    if not listed:
        raise MalformedXML()
    stored = {p.number: p for p in _parts(ctx, upload)}
    algorithm, kind = _effective(upload)
    chosen, previous = [], 0
    for item in listed:
        number = item.get("PartNumber")
        if number is None:
            raise MalformedXML()
        if number < 1:      # versitygw issue 1072, from S3
            raise InvalidArgument("PartNumber must be >= 1", ArgumentName="PartNumber",
                                  ArgumentValue=str(number))
        if number <= previous:
            raise InvalidPartOrder(UploadId=upload.upload_id)
        previous = number
        part = stored.get(number)
        etag = (item.get("ETag") or "").strip().strip('"')    # S3 names it unquoted
        if part is None or part.etag.strip('"') != etag:
            raise InvalidPart(UploadId=upload.upload_id, PartNumber=str(number), ETag=etag)
        # a checksum the part was not uploaded with does not match it either (LocalStack's
        # AWS-validated test_multipart_parts_checksum_exceptions)
        for name in sums.ALGORITHMS:
            given = item.get(f"Checksum{name}")
            if given is not None and given != part.checksum.get(name):
                raise InvalidPart(UploadId=upload.upload_id, PartNumber=str(number), ETag=etag)
        if upload.checksum_algorithm and kind == "COMPOSITE" and \
                item.get(f"Checksum{algorithm}") is None:
            raise InvalidRequest(f"The upload was created using a {algorithm.lower()} checksum. "
                                 "The complete request must include the checksum for each part. "
                                 f"It was missing for part {number} in the request.")
        chosen.append(part)
    for part in chosen[:-1]:
        if part.size < MIN_PART_SIZE:
            raise EntityTooSmall(ProposedSize=str(part.size), MinSizeAllowed=str(MIN_PART_SIZE),
                                 PartNumber=str(part.number), ETag=part.etag.strip('"'))
    return chosen


def _location(ctx: Call, bucket: str, key: str) -> str:
    host = ctx.request.headers.get("Host") or "localhost"
    proto = ctx.request.headers.get("X-Forwarded-Proto") or "http"
    if host.startswith(f"{bucket}."):
        return f"{proto}://{host}/{quote(key)}"
    return f"{proto}://{host}/{bucket}/{quote(key)}"


def key_state(obj: S3Object | None) -> str:
    """What a conditional complete compares: the key's live version, "" when there is none."""
    if obj is None or obj.delete_marker:
        return ""
    return f"{obj.version_id} {obj.etag} {obj.last_modified.isoformat()}"


def check_unchanged_since_initiated(ctx: Call, bucket: Bucket, upload: Upload, req: dict) -> None:
    # A conditional complete whose condition holds still fails if the key was written or
    # deleted after the upload began: S3 answers 409 and the upload must start again.
    condition = ("If-Match" if req.get("IfMatch") is not None else
                 "If-None-Match" if req.get("IfNoneMatch") is not None else None)
    if condition is None or upload.key_before is None:
        return
    if key_state(current(ctx, bucket, upload.key)) != upload.key_before:
        raise ConditionalRequestConflict(Condition=condition, Key=upload.key)


@SERVICE.op("CompleteMultipartUpload")
def complete_multipart_upload(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    if (req.get("MpuObjectSize") or 0) < 0:
        raise InvalidRequest("Value for x-amz-mp-object-size header is less than zero: "
                             f"'{req['MpuObjectSize']}'")
    upload = ctx.store.get(Upload, bucket.name, req["Key"], req["UploadId"])
    if upload is None:
        # S3 answers a repeated complete (a client retrying) as it answered the first one.
        done = next((v for v in versions(ctx, bucket.name, req["Key"])
                     if v.upload_id == req["UploadId"]), None)
        if done is None:
            raise NoSuchUpload(UploadId=req["UploadId"])
        return _completed(ctx, bucket, done)
    check_write_conditions(ctx, bucket, upload.key, req)
    check_unchanged_since_initiated(ctx, bucket, upload, req)
    parts = _chosen_parts(ctx, upload, req)
    algorithm, kind = _effective(upload)
    declared = req.get("ChecksumType")
    if declared and declared != kind:
        raise BadDigest(f"The upload was created using the {kind} checksum mode. The complete "
                        "request must use the same checksum mode.")
    size = sum(p.size for p in parts)
    if req.get("MpuObjectSize") is not None and int(req["MpuObjectSize"]) != size:
        raise InvalidRequest(f"The provided 'x-amz-mp-object-size' header value "
                             f"{req['MpuObjectSize']} does not match what was computed: {size}")
    checksum = _object_checksum(ctx, upload, parts)
    for name in sums.ALGORITHMS:
        given = req.get(f"Checksum{name}")
        if given is None:
            continue
        if name != checksum["Algorithm"]:
            raise InvalidRequest(f"Checksum Type mismatch occurred, expected checksum Type: "
                                 f"{checksum['Algorithm'].lower()}, actual checksum Type: "
                                 f"{name.lower()}")
        if given.split("-")[0] != checksum["Value"].split("-")[0]:
            raise BadDigest(f"The {name.lower()} you specified did not match the calculated "
                            "checksum.")
    md5 = hashlib.md5(b"".join(bytes.fromhex(p.etag.strip('"')) for p in parts))
    data, chunks = None, []
    if len(parts) == 1 and parts[0].data is not None:
        data = parts[0].data
    else:
        for part in parts:
            if part.chunks:
                chunks.extend(Chunk(c.digest, c.size) for c in part.chunks)
            elif part.data:          # a small last part (<= 64 KiB): written out as a blob
                blob = ctx.blobs.put(part.data)
                chunks.append(Chunk(blob.digest, blob.size))
    obj = S3Object(bucket=bucket.name, key=upload.key, rank=0, version_id="null",
                   last_modified=ctx.now, owner=upload.owner,
                   etag=f'"{md5.hexdigest()}-{len(parts)}"', size=size, data=data, chunks=chunks,
                   part_sizes=[p.size for p in parts], headers=dict(upload.headers),
                   metadata=dict(upload.metadata), storage_class=upload.storage_class,
                   checksum=checksum,
                   part_checksums=[p.checksum.get(algorithm, "") for p in parts]
                   if upload.checksum_algorithm else [],
                   tags=dict(upload.tags), acl=dict(upload.acl), sse=dict(upload.sse),
                   customer_key=upload.customer_key,
                   lock=dict(upload.lock), upload_id=upload.upload_id)
    store_version(ctx, bucket, obj)
    discard_upload(ctx, upload)
    from nuvem.services.s3.notifications import notify
    notify(ctx, bucket, "ObjectCreated:CompleteMultipartUpload", obj)
    return _completed(ctx, bucket, obj)


def _completed(ctx: Call, bucket: Bucket, obj: S3Object) -> dict:
    checksum = obj.checksum
    out = {"Location": _location(ctx, bucket.name, obj.key), "Bucket": bucket.name,
           "Key": obj.key, "ETag": obj.etag, **obj.sse,
           f"Checksum{checksum['Algorithm']}": checksum["Value"],
           "ChecksumType": checksum["Type"], **expiration(bucket, obj)}
    if obj.version_id != "null":
        out["VersionId"] = obj.version_id
    return out


@SERVICE.op("AbortMultipartUpload")
def abort_multipart_upload(ctx: Call, req: dict) -> dict:
    bucket, upload = _upload_of(ctx, req)
    when = req.get("IfMatchInitiatedTime")
    if when is not None:
        mine = upload.initiated.astimezone(timezone.utc).replace(microsecond=0)
        theirs = when if isinstance(when, datetime) else datetime.fromisoformat(str(when))
        theirs = (theirs if theirs.tzinfo else theirs.replace(tzinfo=timezone.utc))
        if mine != theirs.astimezone(timezone.utc).replace(microsecond=0):
            raise PreconditionFailed(Condition="x-amz-if-match-initiated-time")
    discard_upload(ctx, upload)
    return {}


# -- GetObjectAttributes ------------------------------------------------------------------------
def object_parts(obj: S3Object, req: dict) -> dict:
    """GetObjectAttributes' ObjectParts. S3 lists the parts (with their checksums) only for an
    object uploaded with an additional checksum; otherwise just the count."""
    total = len(obj.part_sizes)
    out: dict = {"TotalPartsCount": total}
    if not obj.part_checksums:
        return out
    marker = _non_negative(req.get("PartNumberMarker") or 0, "part-number-marker")
    limit = _limit(req.get("MaxParts"), "max-parts")
    numbers = list(range(marker + 1, total + 1))
    page = numbers[:limit]
    algorithm = obj.checksum.get("Algorithm", "")
    parts = []
    for number in page:
        entry = {"PartNumber": number, "Size": obj.part_sizes[number - 1]}
        value = obj.part_checksums[number - 1] if number - 1 < len(obj.part_checksums) else ""
        if value and algorithm:
            entry[f"Checksum{algorithm}"] = value
        parts.append(entry)
    out.update({"PartNumberMarker": marker, "MaxParts": limit,
                "IsTruncated": len(numbers) > limit})
    # S3 names where the next page starts even on the last page; 0 on a page with no part
    # (LocalStack's AWS-validated test_list_parts_pagination, test_get_object_attributes)
    out["NextPartNumberMarker"] = parts[-1]["PartNumber"] if parts else 0
    if parts:
        out["Parts"] = parts
    return out
