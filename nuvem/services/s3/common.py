"""What every S3 family needs: finding buckets and objects, owners, and S3's small formats."""
from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import datetime, timezone

from nuvem.context import Call
from nuvem.services.s3.errors import (AccessDenied, EmptyVersionId, InvalidVersionId,
                                      MethodNotAllowed, NoSuchBucket, NoSuchKey, NoSuchVersion)
from nuvem.services.s3.models import Bucket, S3Object


def canonical_id(account: str) -> str:
    """The account's canonical user ID (64 hex characters, stable per account)."""
    return hashlib.sha256(f"nuvem-canonical-user:{account}".encode()).hexdigest()


def owner(account: str) -> dict:
    return {"ID": canonical_id(account)}


def find_bucket(ctx: Call, read, name: str) -> Bucket | None:
    """The bucket, read once per call: authorization and the handler share the record. It is
    the store's shared instance (decoding a bucket costs more than most calls' queries): never
    change it; `update_bucket` stores a changed copy."""
    if read is not ctx.tx:
        return read.get_shared(Bucket, name)
    key = ("s3.Bucket", name)
    if key not in ctx.memo:
        ctx.memo[key] = read.get_shared(Bucket, name)
    return ctx.memo[key]


def update_bucket(ctx: Call, bucket: Bucket, **changes) -> Bucket:
    """Store `bucket` with `changes` (whole field values, never changed in place) as the call's
    bucket from now on."""
    changed = dataclasses.replace(bucket, **changes)
    ctx.store.put(changed)
    ctx.memo[("s3.Bucket", bucket.name)] = changed
    return changed


def bucket_of(ctx: Call, name: str) -> Bucket:
    bucket = find_bucket(ctx, ctx.store, name)
    if bucket is None:
        raise NoSuchBucket(BucketName=name)
    expected = ctx.params.get("ExpectedBucketOwner")
    if expected and expected != bucket.account:
        raise AccessDenied("Access Denied")
    return bucket


def current(ctx: Call, bucket: Bucket, key: str) -> S3Object | None:
    """The key's current version (maybe a delete marker), or None."""
    if bucket.versioning == "":     # its one version, at rank 0 (objects.store_version)
        return ctx.store.get(S3Object, bucket.name, key, 0)
    return next(ctx.store.query(S3Object, prefix=(bucket.name, key), limit=1), None)


def versions(ctx: Call, bucket: str, key: str):
    return ctx.store.query(S3Object, prefix=(bucket, key))


def find_object(ctx: Call, bucket: Bucket, key: str, version_id: str | None,
                *, allow_marker: bool = False) -> S3Object:
    """The object a read names. A current delete marker reads as NoSuchKey (with the marker's
    headers); naming a delete marker's version is 405 MethodNotAllowed, as S3 answers."""
    if version_id is None:
        obj = current(ctx, bucket, key)
        if obj is None:
            raise NoSuchKey(Key=key)
        if obj.delete_marker and not allow_marker:
            raise NoSuchKey(Key=key, headers=marker_headers(obj))
        return obj
    for obj in versions(ctx, bucket.name, key):
        if obj.version_id == version_id:
            return obj
    check_version_id(version_id)
    raise NoSuchVersion(Key=key, VersionId=version_id)


def version_named(ctx: Call, bucket: Bucket, req: dict, *, marker_missing: bool = False
                  ) -> S3Object:
    """The version a sub-resource call (tagging, ACL) acts on. A delete marker has none: 405,
    unless `marker_missing` and it is the current one (GetObjectAcl: NoSuchKey)."""
    obj = find_object(ctx, bucket, req["Key"], req.get("VersionId"),
                      allow_marker=not marker_missing)
    if obj.delete_marker:
        raise MethodNotAllowed(Method=ctx.request.method, ResourceType="DeleteMarker")
    return obj


def marker_headers(obj: S3Object) -> dict[str, str]:
    return {"x-amz-delete-marker": "true", "x-amz-version-id": obj.version_id}


def version_field(bucket: Bucket, obj: S3Object) -> dict:
    """The VersionId of a version read or copied: the null version is named too once the bucket
    has had versioning (x-amz-version-id: null)."""
    return {"VersionId": obj.version_id} if obj.version_id != "null" or bucket.versioning else {}


# what a tag key or value may hold (letters, digits, spaces and + - = . _ : / @)
TAG_CHARS = re.compile(r"^[\w\s+\-=._:/@]*$", re.UNICODE)

VERSION_ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"


def _version_check(body: str) -> str:
    digest = hashlib.sha256(body.encode()).digest()
    return VERSION_ID_CHARS[digest[0] % 64] + VERSION_ID_CHARS[digest[1] % 64]


# A version id carries its version's rank, so a listing can go on from
# a version-id-marker whose version was deleted since, as S3 does (LocalStack's AWS-validated
# test_list_object_versions): 8 characters of (rank + _RANK_OFFSET) masked by a hash of the 22
# random ones, which keep ids unguessable. Its check characters are computed over "r" + body,
# so older ids (check over the body alone) are told apart and stay valid.
_RANK_OFFSET = 1 << 40


def _rank_mask(random_part: str) -> int:
    return int.from_bytes(hashlib.sha256(random_part.encode()).digest()[:6], "big")


def new_version_id(ctx: Call, rank: int) -> str:
    # S3's version ids carry their own integrity, so a made-up or altered one is
    # InvalidArgument rather than a missing version: ours end with two check characters
    random_part = ctx.ids.chars(VERSION_ID_CHARS, 22)
    value = (rank + _RANK_OFFSET) ^ _rank_mask(random_part)
    body = "".join(VERSION_ID_CHARS[(value >> shift) & 63] for shift in range(42, -1, -6))
    body += random_part
    return body + _version_check("r" + body)


def version_rank(version_id: str) -> int | None:
    """The rank a version id names, if it is one that carries it."""
    body = version_id[:30]
    if len(version_id) != 32 or version_id[30:] != _version_check("r" + body):
        return None
    value = 0
    for char in body[:8]:
        value = value << 6 | VERSION_ID_CHARS.index(char)
    return (value ^ _rank_mask(body[8:])) - _RANK_OFFSET


def check_version_id(version_id: str, argument: str = "versionId") -> None:
    """Raises InvalidVersionId for a VersionId S3 could not have issued (one not found)."""
    if not version_id:      # `?versionId=` (versitygw's *_empty_version_id)
        raise EmptyVersionId(ArgumentName=argument, ArgumentValue="")
    if version_id != "null" and (len(version_id) != 32 or (
            version_id[30:] != _version_check(version_id[:30])
            and version_rank(version_id) is None)):
        raise InvalidVersionId(ArgumentName=argument, ArgumentValue=version_id)


def http_date(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")


def quoted(etag: str) -> str:
    return etag if etag.startswith('"') else f'"{etag}"'
