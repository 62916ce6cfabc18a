"""Access points: CreateAccessPoint, GetAccessPoint, DeleteAccessPoint, ListAccessPoints and the
access point policy ("Managing access to shared datasets with access points", "Configuring IAM
policies for using access points"). The data plane side, requests that name an access point
instead of a bucket, is nuvem/services/s3/accesspoints.py.
"""
from __future__ import annotations

import json
import re

from nuvem.context import Call
from nuvem.services.s3.access import BPA_FLAGS
from nuvem.services.s3.models import AccountSettings, Bucket
from nuvem.services.s3control import SERVICE
from nuvem.services.s3control.account import own_account
from nuvem.services.s3control.errors import (AccessDenied, AccessPointAlreadyOwnedByYou,
                                             InvalidAccessPointName, InvalidNextToken,
                                             InvalidRequest, InvalidURI, MalformedPolicy,
                                             NoSuchAccessPoint,
                                             NoSuchAccessPointPolicy)
from nuvem.services.s3control.models import BPA_DEFAULT, AccessPoint

ALIAS_SUFFIX = "-s3alias"
_ALIAS_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
# "Access point naming rules": 3-50 characters, lowercase letters, numbers and hyphens, starting
# and ending with a letter or number, not starting with "xn--" nor ending with "-s3alias".
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,48}[a-z0-9]")
# A name outside this does not even parse as the request's URI (AWS answers InvalidURI for a
# wrong length, an underscore, capitals); dots and misplaced hyphens get to the naming rules.
_URI_NAME = re.compile(r"[a-z0-9.-]{3,50}")


def _check_name(name: str) -> None:
    if not _URI_NAME.fullmatch(name):
        raise InvalidURI(URI=f"accesspoint/{name}")
    if not _NAME.fullmatch(name) or name.startswith("xn--") or name.endswith(ALIAS_SUFFIX):
        raise InvalidAccessPointName()


def access_point_of(ctx: Call, req: dict) -> AccessPoint:
    point = ctx.store.get(AccessPoint, own_account(ctx, req), ctx.region, req["Name"])
    if point is None:
        raise NoSuchAccessPoint(AccessPointName=req["Name"])
    return point


def _description(point: AccessPoint) -> dict:
    out = {"Name": point.name, "NetworkOrigin": point.network_origin, "Bucket": point.bucket,
           "AccessPointArn": point.arn, "Alias": point.alias,
           "BucketAccountId": point.bucket_account}
    if point.vpc_id:
        out["VpcConfiguration"] = {"VpcId": point.vpc_id}
    return out


@SERVICE.op("CreateAccessPoint")
def create_access_point(ctx: Call, req: dict) -> dict:
    account = own_account(ctx, req)
    name = req["Name"]
    _check_name(name)
    bucket = ctx.store.get(Bucket, req["Bucket"])
    if bucket is None:
        raise InvalidRequest("Amazon S3 AccessPoint can only be created for existing bucket")
    # A bucket of another account needs its owner named in BucketAccountId (cross-account
    # access points); otherwise it must be the caller's.
    if bucket.account != (req.get("BucketAccountId") or account):
        raise AccessDenied("Access Denied")
    if ctx.store.get(AccessPoint, account, ctx.region, name) is not None:
        raise AccessPointAlreadyOwnedByYou()
    vpc = req.get("VpcConfiguration") or {}
    if "VpcConfiguration" in req and not vpc.get("VpcId"):
        raise InvalidRequest("VpcConfiguration must include a VpcId")
    given = req.get("PublicAccessBlockConfiguration")
    bpa = dict(BPA_DEFAULT) if given is None else \
        {flag: bool(given.get(flag, False)) for flag in BPA_FLAGS}
    alias = f"{name[:20].rstrip('-')}-{ctx.ids.chars(_ALIAS_CHARS, 34)}{ALIAS_SUFFIX}"
    point = AccessPoint(account=account, region=ctx.region, name=name, bucket=bucket.name,
                        bucket_account=bucket.account, alias=alias, created=ctx.now,
                        vpc_id=vpc.get("VpcId", ""), public_access_block=bpa)
    ctx.store.put(point)
    return {"AccessPointArn": point.arn, "Alias": point.alias}


@SERVICE.op("GetAccessPoint")
def get_access_point(ctx: Call, req: dict) -> dict:
    point = access_point_of(ctx, req)
    region = point.region
    return {**_description(point),
            "PublicAccessBlockConfiguration": dict(point.public_access_block),
            "CreationDate": point.created,
            "Endpoints": {"ipv4": f"s3-accesspoint.{region}.amazonaws.com",
                          "fips": f"s3-accesspoint-fips.{region}.amazonaws.com",
                          "fips_dualstack": f"s3-accesspoint-fips.dualstack.{region}.amazonaws.com",
                          "dualstack": f"s3-accesspoint.dualstack.{region}.amazonaws.com"}}


@SERVICE.op("DeleteAccessPoint")
def delete_access_point(ctx: Call, req: dict) -> dict:
    ctx.store.delete(access_point_of(ctx, req))
    return {}


@SERVICE.op("ListAccessPoints")
def list_access_points(ctx: Call, req: dict) -> dict:
    account = own_account(ctx, req)
    limit = req.get("MaxResults") or 1000
    if not 0 < limit <= 1000:
        raise InvalidRequest("MaxResults must be between 1 and 1000")
    token = req.get("NextToken")
    if token is not None and not _NAME.fullmatch(token):
        raise InvalidNextToken()
    found = list(ctx.store.query(
        AccessPoint, account=account, region=ctx.region,
        index=("bucket", req["Bucket"]) if req.get("Bucket") else None,
        start_after=(token,) if token else None, limit=limit + 1))
    out: dict = {"AccessPointList": [_description(p) for p in found[:limit]]}
    if len(found) > limit:
        out["NextToken"] = found[limit - 1].name
    return out


# -- the access point policy ---------------------------------------------------------------------

def _check_policy(point: AccessPoint, text: str) -> None:
    """A JSON policy whose resources are this access point or objects under it ("Configuring
    IAM policies for using access points"); S3 Control answers MalformedPolicy otherwise."""
    try:
        doc = json.loads(text)
    except ValueError:
        raise MalformedPolicy() from None
    if not isinstance(doc, dict) or not doc.get("Statement"):
        raise MalformedPolicy("Missing required field Statement")
    statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    for statement in statements:
        if not isinstance(statement, dict):
            raise MalformedPolicy()
        resources = statement.get("Resource", [])
        for resource in resources if isinstance(resources, list) else [resources]:
            if resource != point.arn and not str(resource).startswith(point.arn + "/object/"):
                raise MalformedPolicy("Policy has invalid resource")


def _blocks_public_policy(ctx: Call, point: AccessPoint) -> bool:
    account = ctx.store.get(AccountSettings, point.account)
    shared = (account.public_access_block if account else None) or {}
    return bool(point.public_access_block.get("BlockPublicPolicy") or
                shared.get("BlockPublicPolicy"))


@SERVICE.op("PutAccessPointPolicy")
def put_access_point_policy(ctx: Call, req: dict) -> dict:
    from nuvem.services.s3.policy import policy_is_public
    point = access_point_of(ctx, req)
    text = req.get("Policy") or ""
    _check_policy(point, text)
    if policy_is_public(text) and _blocks_public_policy(ctx, point):
        raise AccessDenied("Access Denied")
    point.policy = text
    ctx.store.put(point)
    return {}


@SERVICE.op("GetAccessPointPolicy")
def get_access_point_policy(ctx: Call, req: dict) -> dict:
    point = access_point_of(ctx, req)
    if not point.policy:
        raise NoSuchAccessPointPolicy()
    return {"Policy": point.policy}


@SERVICE.op("DeleteAccessPointPolicy")
def delete_access_point_policy(ctx: Call, req: dict) -> dict:
    point = access_point_of(ctx, req)
    if point.policy:
        point.policy = ""
        ctx.store.put(point)
    return {}


@SERVICE.op("GetAccessPointPolicyStatus")
def get_access_point_policy_status(ctx: Call, req: dict) -> dict:
    from nuvem.services.s3.policy import policy_is_public
    point = access_point_of(ctx, req)
    if not point.policy:
        raise NoSuchAccessPointPolicy()
    return {"PolicyStatus": {"IsPublic": policy_is_public(point.policy)}}
