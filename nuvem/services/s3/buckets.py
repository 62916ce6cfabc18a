"""Buckets: one global name space. Naming rules, LocationConstraint, deletion only when empty."""
from __future__ import annotations

import functools
import ipaddress
import re

from nuvem.context import Call
from nuvem.protocol import specs
from nuvem.services.s3 import SERVICE
from nuvem.services.s3.common import bucket_of, owner
from nuvem.services.s3.config import check_tags
from nuvem.services.s3.errors import (BucketAlreadyExists, BucketAlreadyOwnedByYou,
                                      BucketNotEmpty, IllegalLocationConstraintException,
                                      InvalidArgument, InvalidBucketAclWithObjectOwnership,
                                      InvalidBucketName, InvalidLocationConstraint)
from nuvem.services.s3.access import BPA_FLAGS
from nuvem.services.s3.models import Bucket, S3Object, Upload

_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# "General purpose bucket naming rules" (Amazon S3 User Guide)
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_OWNERSHIPS = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")
MAX_BUCKETS = 10000     # the default quota (it was 100 until 2024)


def valid_name(name: str) -> bool:
    if (not _NAME.match(name) or ".." in name or ".-" in name or "-." in name
            or name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES)):
        return False
    try:
        ipaddress.IPv4Address(name)
        return False
    except ValueError:
        return True


@functools.cache
def _regions() -> frozenset[str]:
    """The Regions a bucket may be in: the model's LocationConstraint values, us-east-1 (which
    is written as none) and not the legacy "EU"."""
    enum = specs.service_model("s3").shape_for("BucketLocationConstraint").enum
    return frozenset(enum) - {"EU"} | {"us-east-1"}


def check_name(name: str) -> None:
    if not valid_name(name):
        raise InvalidBucketName(BucketName=name)


@SERVICE.op("CreateBucket")
def create_bucket(ctx: Call, req: dict) -> dict:
    name = req["Bucket"]
    check_name(name)
    constraint = (req.get("CreateBucketConfiguration") or {}).get("LocationConstraint")
    region = ctx.region or "us-east-1"
    if constraint == "us-east-1" or (constraint == "" and region != "us-east-1"):
        raise InvalidLocationConstraint(LocationConstraint=constraint)
    if constraint and constraint != region:
        raise IllegalLocationConstraintException(
            f"The {constraint} location constraint is incompatible for the region specific "
            "endpoint this request was sent to.")
    if not constraint and region != "us-east-1":
        raise IllegalLocationConstraintException()
    existing = ctx.store.get(Bucket, name)
    if existing is not None:
        if existing.account != ctx.account:
            raise BucketAlreadyExists(BucketName=name)
        if existing.region != "us-east-1" or region != "us-east-1":
            raise BucketAlreadyOwnedByYou(BucketName=name)
        return {"Location": f"/{name}"}   # us-east-1 answers 200 to its owner, as S3 does
    ownership = req.get("ObjectOwnership", "BucketOwnerEnforced")
    if ownership not in _OWNERSHIPS:
        raise InvalidArgument(f"Invalid x-amz-object-ownership header: {ownership}",
                              ArgumentName="x-amz-object-ownership")
    acl = req.get("ACL")
    grants = any(req.get(g) for g in ("GrantFullControl", "GrantRead", "GrantReadACP",
                                      "GrantWrite", "GrantWriteACP"))
    # an ACL that does not parse is refused as such, before Object Ownership (versitygw's
    # CreateBucket_invalid_canned_acl, issues 1379 and 1384)
    from nuvem.services.s3.acl import canned_grants, grants_from_headers
    acl_grants = grants_from_headers(req) if grants else canned_grants(acl, ctx.account)
    if ownership == "BucketOwnerEnforced" and (grants or acl not in (None, "private",
                                                                      "bucket-owner-full-control")):
        raise InvalidBucketAclWithObjectOwnership()
    tags = check_tags((req.get("CreateBucketConfiguration") or {}).get("Tags") or [])
    if ctx.store.count(Bucket, index=("account", ctx.account)) >= MAX_BUCKETS:
        from nuvem.services.s3.errors import TooManyBuckets
        raise TooManyBuckets()
    bucket = Bucket(name=name, account=ctx.account, region=region, created=ctx.now,
                    ownership=ownership)
    # New buckets block all public access (the default since April 2023)
    bucket.config["PublicAccessBlock"] = {flag: True for flag in BPA_FLAGS}
    if req.get("ObjectLockEnabledForBucket"):
        bucket.object_lock = True
        bucket.versioning = "Enabled"
        bucket.config["ObjectLock"] = {"ObjectLockEnabled": "Enabled"}
    bucket.acl = {"Grants": acl_grants}
    ctx.store.put(bucket)
    if tags:
        ctx.store.tag(bucket.arn, tags)
    return {"Location": f"/{name}", "BucketArn": bucket.arn}


@SERVICE.op("DeleteBucket")
def delete_bucket(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    if next(ctx.store.query(S3Object, prefix=(bucket.name,), limit=1), None) is not None:
        # a bucket that has had versioning names what is left: versions and delete markers
        versions = " You must delete all versions in the bucket." if bucket.versioning else ""
        raise BucketNotEmpty(f"{BucketNotEmpty.message}.{versions}" if versions else None,
                             BucketName=bucket.name)
    for upload in list(ctx.store.query(Upload, prefix=(bucket.name,))):
        from nuvem.services.s3.multipart import discard_upload
        discard_upload(ctx, upload)
    ctx.store.delete(bucket)
    return {}


@SERVICE.op("HeadBucket")
def head_bucket(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    return {"BucketRegion": bucket.region, "BucketArn": bucket.arn,
            "AccessPointAlias": False}


@SERVICE.op("GetBucketLocation")
def get_bucket_location(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    # us-east-1 buckets answer an empty LocationConstraint, as S3 does
    return {"LocationConstraint": None if bucket.region == "us-east-1" else bucket.region}


@SERVICE.op("ListBuckets")
def list_buckets(ctx: Call, req: dict) -> dict:
    limit = req.get("MaxBuckets")
    if limit is not None and not 1 <= limit <= 10000:
        raise InvalidArgument("Argument max-buckets must be an integer between 1 and 10000",
                              ArgumentName="max-buckets", ArgumentValue=str(limit))
    prefix = req.get("Prefix") or ""
    after = req.get("ContinuationToken")
    region = req.get("BucketRegion")
    if region and region not in _regions():   # (LocalStack's AWS-validated
        # test_list_buckets_region_validation)
        raise InvalidArgument(f"Argument value {region} is not a valid AWS Region",
                              ArgumentName="bucket-region")
    out, token = [], None
    for bucket in ctx.store.query(Bucket, index=("account", ctx.account)):
        if not bucket.name.startswith(prefix) or (after and bucket.name <= after):
            continue
        if region and bucket.region != region:
            continue
        if limit is not None and len(out) == limit:
            token = out[-1]["Name"]
            break
        out.append({"Name": bucket.name, "CreationDate": bucket.created,
                    "BucketRegion": bucket.region, "BucketArn": bucket.arn})
    result = {"Buckets": out, "Owner": owner(ctx.account)}
    if token:
        result["ContinuationToken"] = token
    if req.get("Prefix") is not None:
        result["Prefix"] = prefix
    return result


@SERVICE.op("ListDirectoryBuckets")
def list_directory_buckets(ctx: Call, req: dict) -> dict:
    return {"Buckets": []}    # no S3 Express One Zone directory buckets here
