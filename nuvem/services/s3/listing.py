"""ListObjects (v1), ListObjectsV2 and ListObjectVersions, served in key order from the store's
index: a page reads about MaxKeys records, whatever the bucket's size. A common prefix is one
entry; the scan then jumps past every key under it instead of reading them.
"""
from __future__ import annotations

import base64
import binascii
import re
from itertools import islice
from typing import Iterator
from urllib.parse import quote

from nuvem.context import Call
from nuvem.protocol.serializers_xml import Rows
from nuvem.services.s3 import SERVICE
from nuvem.services.s3.common import bucket_of, owner, version_rank
from nuvem.services.s3.errors import InvalidArgument, InvalidVersionId
from nuvem.services.s3.models import LISTED_FIELDS, S3Object

_AFTER_ALL_RANKS = 1 << 62     # ranks are <= 0, so (bucket, key, this) follows every version


def _after(prefix: str) -> str:
    """The smallest string above every string that starts with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _scan(ctx: Call, bucket: str, prefix: str, after: tuple[str, int | None] | None,
          from_key: str | None) -> Iterator:
    """Every version in key order (newest first within a key), strictly after `after` (a key and
    the rank of one of its versions; rank None: after all its versions) or from `from_key` on;
    as sequences of their LISTED_FIELDS' values (LastModified as its stored ISO text, which the
    serializer cuts to the wire's form without parsing it)."""
    if from_key is not None:
        bounds = {"ge": (bucket, from_key)}
    elif after is not None:
        key, rank = after
        bounds = {"gt": (bucket, key, _AFTER_ALL_RANKS if rank is None else rank)}
    else:
        bounds = {}
    return ctx.store.query(S3Object, prefix=(bucket,), startswith=prefix or None,
                           fields=LISTED_FIELDS, stored=("last_modified",), positional=True,
                           **bounds)


def _walk(ctx: Call, bucket: str, prefix: str, delimiter: str | None, *,
          after: tuple[str, int | None] | None = None, from_key: str | None = None,
          current_only: bool = True) -> Iterator:
    """Sequences of an S3Object's LISTED_FIELDS' values and common prefixes (as str) in order;
    with `current_only` only current versions that are not delete markers."""
    while True:
        jumped = False
        previous = after[0] if after is not None and after[1] is None else None
        for obj in _scan(ctx, bucket, prefix, after, from_key):
            key = obj[0]
            if current_only:
                if key == previous:
                    continue          # an older version of the key just seen
                previous = key
                if obj[1]:            # a delete marker
                    continue
            if delimiter:
                cut = key.find(delimiter, len(prefix))
                if cut >= 0:
                    common = key[:cut + len(delimiter)]
                    yield common
                    after, from_key, jumped = None, _after(common), True   # skip what is under it
                    break
            yield obj
        if not jumped:
            return


# What quote(value, safe="/") leaves as it is (SDKs ask for url encoding by default).
_URL_PLAIN = re.compile(r"[A-Za-z0-9_.~/-]*\Z").match


def _encode(value: str | None, url: bool) -> str | None:
    if value is None or not url or _URL_PLAIN(value):
        return value
    return quote(value, safe="/")


def _max_keys(req: dict) -> int:
    value = req.get("MaxKeys")
    if value is None:
        return 1000
    if value < 0:
        raise InvalidArgument("Argument maxKeys must be an integer between 0 and 2147483647",
                              ArgumentName="maxKeys", ArgumentValue=str(value))
    return min(value, 1000)


def _encoding(req: dict) -> bool:
    kind = req.get("EncodingType")
    if kind is None:
        return False
    if kind != "url":
        raise InvalidArgument("Invalid Encoding Method specified in Request",
                              ArgumentName="encoding-type", ArgumentValue=kind)
    return True


# A page's entries are the store's sequences of LISTED_FIELDS as they are (`Rows`: no dict nor
# tuple to build per entry); these are the members of their positions, None for those not shown.
_MEMBER_OF = {"key": "Key", "last_modified": "LastModified", "etag": "ETag", "size": "Size",
              "storage_class": "StorageClass", "checksum_algorithm": "ChecksumAlgorithm",
              "checksum_type": "ChecksumType"}
_ENTRY = tuple(_MEMBER_OF.get(name) for name in LISTED_FIELDS)
_ENTRY_WITH_OWNER = tuple({**_MEMBER_OF, "owner": "Owner"}.get(name) for name in LISTED_FIELDS)


def _show_keys_and_owners(contents: Rows, url: bool, with_owner: bool) -> None:
    """A page's entries with their keys url-encoded and their owners as the API shows them, as
    asked. (Most pages have no key to encode: their keys are checked as one string.)"""
    owners: dict[str, dict] = {}
    for i, (key, marker, modified, etag, size, storage, algorithm, kind, by, version) in \
            enumerate(contents):
        if with_owner and by not in owners:
            owners[by] = owner(by)      # a hash: once per owner, not once per key
        contents[i] = (_encode(key, url), marker, modified, etag, size, storage, algorithm, kind,
                       owners[by] if with_owner else None, version)


def _page(ctx: Call, req: dict, after: str | None, with_owner: bool, from_key: str | None = None):
    bucket = bucket_of(ctx, req["Bucket"])
    url = _encoding(req)
    prefix, delimiter = req.get("Prefix") or "", req.get("Delimiter") or None
    limit = _max_keys(req)
    contents = Rows(_ENTRY_WITH_OWNER if with_owner else _ENTRY)
    prefixes, truncated, last = [], False, None
    walk = _walk(ctx, bucket.name, prefix, delimiter,
                 after=(after, None) if after is not None else None, from_key=from_key)
    if limit and not delimiter:     # objects only: the page taken whole, not item by item
        contents.extend(islice(walk, limit))
        truncated = len(contents) == limit and next(walk, None) is not None
        last = contents[-1] if truncated else None
    elif limit:
        count, content = 0, contents.append
        for item in walk:
            if type(item) is str:           # a common prefix
                if after is not None and item <= after:
                    continue                # the prefix the continuation is inside
                if count == limit:
                    truncated = True
                    break
                count += 1
                prefixes.append({"Prefix": _encode(item, url)})
                last = item
                continue
            if count == limit:
                truncated = True
                break
            count += 1
            content(item)
            last = item
    if with_owner or url and contents and not _URL_PLAIN("".join([row[0] for row in contents])):
        _show_keys_and_owners(contents, url, with_owner)
    out = {"Name": bucket.name, "Prefix": _encode(prefix, url), "MaxKeys": limit,
           "IsTruncated": truncated}
    if delimiter:
        out["Delimiter"] = _encode(delimiter, url)
    if url:
        out["EncodingType"] = "url"
    if contents:
        out["Contents"] = contents
    if prefixes:
        out["CommonPrefixes"] = prefixes
    if not truncated:
        return out, None
    return out, (("P", last) if type(last) is str else ("K", last[0]))


@SERVICE.op("ListObjectsV2")
def list_objects_v2(ctx: Call, req: dict) -> dict:
    token = req.get("ContinuationToken")
    after, from_key = req.get("StartAfter") or None, None
    if token is not None:
        # the token says where the next page starts: after a key ("K"), or past everything
        # under a common prefix ("P"); an empty one is refused too, with no ArgumentValue
        # (LocalStack's AWS-validated test_list_objects_v2_continuation_start_after)
        try:
            kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition("\0")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            kind, value = "", ""
        if kind not in ("K", "P") or not value:
            raise InvalidArgument("The continuation token provided is incorrect",
                                  ArgumentName="continuation-token",
                                  **({"ArgumentValue": token} if token else {}))
        after, from_key = (value, None) if kind == "K" else (None, _after(value))
    out, last = _page(ctx, req, after, bool(req.get("FetchOwner")), from_key)
    out["KeyCount"] = len(out.get("Contents", ())) + len(out.get("CommonPrefixes", ()))
    if token is not None:
        out["ContinuationToken"] = token
    if req.get("StartAfter"):
        out["StartAfter"] = _encode(req["StartAfter"], bool(req.get("EncodingType")))
    if last:
        out["NextContinuationToken"] = base64.urlsafe_b64encode(
            f"{last[0]}\0{last[1]}".encode()).decode()
    return out


@SERVICE.op("ListObjects")
def list_objects(ctx: Call, req: dict) -> dict:
    marker = req.get("Marker") or None
    out, last = _page(ctx, req, marker, True)
    # ListObjects (v1) echoes the prefix as sent even under encoding-type=url (SDKs decode
    # only its Delimiter, Marker and NextMarker)
    out["Prefix"] = req.get("Prefix") or ""
    out["Marker"] = _encode(req.get("Marker") or "", bool(req.get("EncodingType")))
    if last and req.get("Delimiter"):
        out["NextMarker"] = _encode(last[1], bool(req.get("EncodingType")))
    return out


@SERVICE.op("ListObjectVersions")
def list_object_versions(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    url = _encoding(req)
    prefix, delimiter = req.get("Prefix") or "", req.get("Delimiter") or None
    limit = _max_keys(req)
    key_marker, version_marker = req.get("KeyMarker") or None, req.get("VersionIdMarker") or None
    if version_marker and not key_marker:
        raise InvalidArgument("A version-id marker cannot be specified without a key marker.",
                              ArgumentName="version-id-marker", ArgumentValue=version_marker)
    after_rank = None
    if key_marker and version_marker:
        found = next((v for v in ctx.store.query(S3Object, prefix=(bucket.name, key_marker))
                      if v.version_id == version_marker), None)
        # a version deleted since: its id says where it was (ids made before it did not)
        after_rank = found.rank if found is not None else version_rank(version_marker)
        if after_rank is None:
            raise InvalidVersionId(ArgumentName="version-id-marker", ArgumentValue=version_marker)
    versions, markers, prefixes = [], [], []
    truncated, last, latest_key = False, None, None
    if key_marker and after_rank is not None:
        latest_key = key_marker        # the marker's key already had its latest version listed
    if limit:
        for item in _walk(ctx, bucket.name, prefix, delimiter,
                          after=(key_marker, after_rank) if key_marker else None,
                          current_only=False):
            if type(item) is str and key_marker is not None and item <= key_marker:
                continue                    # the prefix the key marker is inside
            if len(versions) + len(markers) + len(prefixes) == limit:
                truncated = True
                break
            if type(item) is str:           # a common prefix
                prefixes.append({"Prefix": _encode(item, url)})
                last = (item, None)
                continue
            key, marker, modified, etag, size, storage, algorithm, kind, by, version = item
            is_latest = key != latest_key
            latest_key = key
            entry = {"Key": _encode(key, url), "VersionId": version, "IsLatest": is_latest,
                     "LastModified": modified, "Owner": owner(by)}
            if marker:
                markers.append(entry)
            else:
                entry.update({"ETag": etag, "Size": size, "StorageClass": storage})
                if algorithm:
                    entry["ChecksumAlgorithm"] = algorithm
                    entry["ChecksumType"] = kind
                versions.append(entry)
            last = (key, version)
    out: dict = {"Name": bucket.name, "Prefix": _encode(prefix, url), "MaxKeys": limit,
                 "IsTruncated": truncated, "KeyMarker": _encode(key_marker or "", url),
                 "VersionIdMarker": version_marker or ""}
    if delimiter:
        out["Delimiter"] = _encode(delimiter, url)
    if url:
        out["EncodingType"] = "url"
    if versions:
        out["Versions"] = versions
    if markers:
        out["DeleteMarkers"] = markers
    if prefixes:
        out["CommonPrefixes"] = prefixes
    if truncated and last:
        out["NextKeyMarker"] = _encode(last[0], url)
        if last[1] is not None:
            out["NextVersionIdMarker"] = last[1]
    return out
