"""Access control lists: canned ACLs, x-amz-grant-* headers, Get/Put Bucket/Object ACL, and what
a grant lets a caller do. Source: "Access control list (ACL) overview" (Amazon S3 User Guide).

With Object Ownership `BucketOwnerEnforced` (the default) ACLs are disabled: the bucket owner owns
every object, and only ACLs equivalent to `bucket-owner-full-control` may be set
(AccessControlListNotSupported otherwise)."""
from __future__ import annotations

import re

from nuvem.context import Call
from nuvem.services.s3 import SERVICE
from nuvem.services.s3.common import bucket_of, canonical_id, find_object, owner, update_bucket
from nuvem.services.s3.errors import (AccessControlListNotSupported, InvalidArgument,
                                      InvalidRequest, MalformedXML)

GROUPS = "http://acs.amazonaws.com/groups/"
ALL_USERS = GROUPS + "global/AllUsers"
AUTHENTICATED_USERS = GROUPS + "global/AuthenticatedUsers"
LOG_DELIVERY = GROUPS + "s3/LogDelivery"
PERMISSIONS = ("FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP")
_HEADER_PERMISSIONS = {"GrantFullControl": "FULL_CONTROL", "GrantRead": "READ",
                       "GrantReadACP": "READ_ACP", "GrantWrite": "WRITE",
                       "GrantWriteACP": "WRITE_ACP"}
_GRANTEE = re.compile(r'\s*(id|uri|emailAddress)\s*=\s*"?([^",]+)"?\s*(?:,|$)')
_CANONICAL_ID = re.compile(r"[0-9a-f]{64}")


def _user(account_or_id: str) -> dict:
    cid = canonical_id(account_or_id) if len(account_or_id) == 12 else account_or_id
    return {"Type": "CanonicalUser", "ID": cid}


def _check_grantees(grants: list[dict]) -> list[dict]:
    """A CanonicalUser grantee must name a canonical user ID (S3: 400 InvalidArgument)."""
    for grant in grants:
        grantee = grant.get("Grantee") or {}
        cid = grantee.get("ID")
        if grantee.get("Type") == "CanonicalUser" and not _CANONICAL_ID.fullmatch(cid or ""):
            raise InvalidArgument("Invalid id", ArgumentName="CanonicalUser/ID",
                                  ArgumentValue=cid or "")
    return grants


def _group(uri: str) -> dict:
    return {"Type": "Group", "URI": uri}


def canned_grants(acl: str | None, owner_account: str, bucket_owner: str | None = None) -> list[dict]:
    grants = [{"Grantee": _user(owner_account), "Permission": "FULL_CONTROL"}]
    acl = acl or "private"
    extra = {
        "private": [],
        "public-read": [(_group(ALL_USERS), "READ")],
        "public-read-write": [(_group(ALL_USERS), "READ"), (_group(ALL_USERS), "WRITE")],
        "authenticated-read": [(_group(AUTHENTICATED_USERS), "READ")],
        "aws-exec-read": [],
        "log-delivery-write": [(_group(LOG_DELIVERY), "WRITE"), (_group(LOG_DELIVERY), "READ_ACP")],
        "bucket-owner-read": [(_user(bucket_owner), "READ")] if bucket_owner and bucket_owner != owner_account else [],
        "bucket-owner-full-control": ([(_user(bucket_owner), "FULL_CONTROL")]
                                      if bucket_owner and bucket_owner != owner_account else []),
    }.get(acl)
    if extra is None:
        raise InvalidArgument(None, ArgumentName="x-amz-acl", ArgumentValue=acl)
    return grants + [{"Grantee": g, "Permission": p} for g, p in extra]


def grants_from_headers(req: dict) -> list[dict]:
    grants = []
    for member, permission in _HEADER_PERMISSIONS.items():
        for kind, value in _GRANTEE.findall(req.get(member) or ""):
            grantee = ({"Type": "Group", "URI": value} if kind == "uri" else
                       {"Type": "AmazonCustomerByEmail", "EmailAddress": value}
                       if kind == "emailAddress" else _user(value))
            grants.append({"Grantee": grantee, "Permission": permission})
    return grants


def acl_from_request(req: dict, owner_account: str, bucket_owner: str | None = None) -> list[dict] | None:
    """The grants a Put*/Create* request asks for, or None if it names none."""
    if any(req.get(m) for m in _HEADER_PERMISSIONS):
        if req.get("ACL"):
            raise InvalidRequest("Specifying both Canned ACLs and Header Grants is not allowed")
        # the headers are the whole ACL: the owner keeps a grant only if they name one
        return _check_grantees(grants_from_headers(req))
    if req.get("ACL"):
        return canned_grants(req["ACL"], owner_account, bucket_owner)
    policy = req.get("AccessControlPolicy")
    if policy is not None:
        grants = policy.get("Grants") or []
        for grant in grants:
            if grant.get("Permission") not in PERMISSIONS or not grant.get("Grantee"):
                raise MalformedXML()
        return _check_grantees(grants)
    return None


def is_owner_only(grants: list[dict], owner_account: str) -> bool:
    """Whether grants amount to bucket-owner-full-control (allowed under BucketOwnerEnforced)."""
    me = canonical_id(owner_account)
    return all(g["Grantee"].get("ID") == me and g["Permission"] == "FULL_CONTROL" for g in grants)


def allows(grants: list[dict], permission: str, principal) -> bool:
    """Whether an ACL grants `permission` (or FULL_CONTROL) to the caller."""
    who = None if principal.kind == "anonymous" else canonical_id(principal.account)
    for grant in grants:
        if grant.get("Permission") not in (permission, "FULL_CONTROL"):
            continue
        grantee = grant.get("Grantee") or {}
        uri = grantee.get("URI")
        if uri == ALL_USERS or (uri == AUTHENTICATED_USERS and who is not None):
            return True
        if who is not None and grantee.get("ID") == who:
            return True
    return False


def is_public(grants: list[dict]) -> bool:
    return any((g.get("Grantee") or {}).get("URI") in (ALL_USERS, AUTHENTICATED_USERS)
               for g in grants)


def check_settable(bucket, grants: list[dict]) -> None:
    if bucket.ownership == "BucketOwnerEnforced" and not is_owner_only(grants, bucket.account):
        raise AccessControlListNotSupported()


@SERVICE.op("GetBucketAcl")
def get_bucket_acl(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    grants = bucket.acl.get("Grants")
    if grants is None:     # an ACL set to no grants at all stays empty
        grants = canned_grants("private", bucket.account)
    return {"Owner": owner(bucket.account), "Grants": grants}


@SERVICE.op("PutBucketAcl")
def put_bucket_acl(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    grants = acl_from_request(req, bucket.account)
    if grants is None:
        raise MalformedXML()
    check_settable(bucket, grants)
    from nuvem.services.s3.access import check_public_acl
    check_public_acl(ctx, bucket, grants)
    update_bucket(ctx, bucket, acl={"Grants": grants})
    return {}


@SERVICE.op("GetObjectAcl")
def get_object_acl(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    obj = find_object(ctx, bucket, req["Key"], req.get("VersionId"))
    holder = obj.owner or bucket.account
    grants = obj.acl.get("Grants")
    if grants is None:
        grants = canned_grants("private", holder)
    return {"Owner": owner(holder), "Grants": grants}


@SERVICE.op("PutObjectAcl")
def put_object_acl(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    obj = find_object(ctx, bucket, req["Key"], req.get("VersionId"))
    grants = acl_from_request(req, obj.owner or bucket.account, bucket.account)
    if grants is None:
        raise MalformedXML()
    check_settable(bucket, grants)
    from nuvem.services.s3.access import check_public_acl
    check_public_acl(ctx, bucket, grants)
    obj.acl = {"Grants": grants}
    ctx.store.put(obj)
    result = {}
    if obj.version_id != "null":
        result["VersionId"] = obj.version_id
    return result
