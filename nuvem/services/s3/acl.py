"""Access control lists: canned ACLs, x-amz-grant-* headers, Get/Put Bucket/Object ACL, and what
a grant lets a caller do. Source: "Access control list (ACL) overview" (Amazon S3 User Guide).

With Object Ownership `BucketOwnerEnforced` (the default) ACLs are disabled: the bucket owner owns
every object, and only ACLs equivalent to `bucket-owner-full-control` may be set
(AccessControlListNotSupported otherwise)."""
from __future__ import annotations

import re

from nuvem.context import Call
from nuvem.services.s3 import SERVICE
from nuvem.services.s3.common import bucket_of, canonical_id, owner, update_bucket, version_named
from nuvem.services.s3.errors import (AccessControlListNotSupported, InvalidArgument,
                                      InvalidRequest, MalformedACLError, MissingSecurityHeader,
                                      UnexpectedContent, UnresolvableGrantByEmailAddress)
from nuvem.services.s3.notifications import notify

GROUPS = "http://acs.amazonaws.com/groups/"
ALL_USERS = GROUPS + "global/AllUsers"
AUTHENTICATED_USERS = GROUPS + "global/AuthenticatedUsers"
LOG_DELIVERY = GROUPS + "s3/LogDelivery"
PERMISSIONS = ("FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP")
GROUP_URIS = (ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY)
# request member -> (permission, header)
_GRANT_HEADERS = {"GrantFullControl": ("FULL_CONTROL", "x-amz-grant-full-control"),
                  "GrantRead": ("READ", "x-amz-grant-read"),
                  "GrantReadACP": ("READ_ACP", "x-amz-grant-read-acp"),
                  "GrantWrite": ("WRITE", "x-amz-grant-write"),
                  "GrantWriteACP": ("WRITE_ACP", "x-amz-grant-write-acp")}
_GRANTEE = re.compile(r'\s*(id|uri|emailAddress)\s*=\s*"?([^",]*)"?\s*')
_CANONICAL_ID = re.compile(r"[0-9a-f]{64}")


def _user(account_or_id: str) -> dict:
    cid = canonical_id(account_or_id) if len(account_or_id) == 12 else account_or_id
    return {"Type": "CanonicalUser", "ID": cid}


# the member each grantee type must name (versitygw's PutBucketAcl_invalid_grantee_type_in_body
# and _empty_grantee_ID_in_body: an unknown type or a missing one is MalformedACLError)
_GRANTEE_MEMBER = {"CanonicalUser": "ID", "Group": "URI", "AmazonCustomerByEmail": "EmailAddress"}


def _malformed(grant: dict) -> bool:
    grantee = grant.get("Grantee") or {}
    member = _GRANTEE_MEMBER.get(grantee.get("Type"))
    return grant.get("Permission") not in PERMISSIONS or member is None or not grantee.get(member)


def _check_grantees(grants: list[dict]) -> list[dict]:
    """An AccessControlPolicy's grantees: a canonical user ID, a group S3 knows (400 otherwise)."""
    for grant in grants:
        grantee = grant.get("Grantee") or {}
        if grantee.get("Type") == "CanonicalUser":
            _check_id(grantee.get("ID") or "", "CanonicalUser/ID")
        elif grantee.get("Type") == "Group":
            _check_uri(grantee.get("URI") or "", "Group/URI")
        else:
            raise UnresolvableGrantByEmailAddress()
    return grants


def _check_id(cid: str, argument: str) -> None:
    if not _CANONICAL_ID.fullmatch(cid):
        raise InvalidArgument("Invalid id", ArgumentName=argument, ArgumentValue=cid)


def _check_uri(uri: str, argument: str) -> None:
    if uri not in GROUP_URIS:
        raise InvalidArgument("Invalid group uri", ArgumentName=argument, ArgumentValue=uri)


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
        # S3 names no reason: an empty <Message> (versitygw's PutBucketAcl_invalid_canned_acl)
        raise InvalidArgument("", ArgumentName="x-amz-acl", ArgumentValue=acl)
    return grants + [{"Grantee": g, "Permission": p} for g, p in extra]


def grants_from_headers(req: dict) -> list[dict]:
    """The x-amz-grant-* headers' grants: each a comma-separated list of id=, uri= or
    emailAddress= grantees, checked as S3 checks them. No Nuvem account has an e-mail address on
    record, so an emailAddress= grantee never resolves (nor does an AmazonCustomerByEmail one)."""
    grants = []
    for member, (permission, header) in _GRANT_HEADERS.items():
        text = req.get(member)
        for item in text.split(",") if text else ():
            match = _GRANTEE.fullmatch(item)
            if match is None:
                raise InvalidArgument("Argument format not recognized", ArgumentName=header,
                                      ArgumentValue=text)
            kind, value = match.groups()
            if kind == "uri":
                _check_uri(value, "uri")
                grantee = _group(value)
            elif kind == "emailAddress":
                raise UnresolvableGrantByEmailAddress()
            else:
                grantee = _user(value)
                if not _CANONICAL_ID.fullmatch(grantee["ID"]):
                    raise InvalidArgument("Invalid id", ArgumentName="id", ArgumentValue=value)
            grants.append({"Grantee": grantee, "Permission": permission})
    return grants


def acl_from_request(req: dict, owner_account: str, bucket_owner: str | None = None) -> list[dict] | None:
    """The grants a Put*/Create* request asks for, or None if it names none."""
    headers = any(req.get(m) for m in _GRANT_HEADERS)
    policy = req.get("AccessControlPolicy")
    if policy is not None and (headers or req.get("ACL")):
        raise UnexpectedContent()      # headers and a body: S3 refuses the body
    if headers:
        if req.get("ACL"):
            raise InvalidRequest("Specifying both Canned ACLs and Header Grants is not allowed")
        # the headers are the whole ACL: the owner keeps a grant only if they name one
        return grants_from_headers(req)
    if req.get("ACL"):
        return canned_grants(req["ACL"], owner_account, bucket_owner)
    if policy is not None:
        grants = policy.get("Grants") or []
        if not (policy.get("Owner") or {}).get("ID") or any(map(_malformed, grants)):
            raise MalformedACLError()
        _check_id(policy["Owner"]["ID"], "CanonicalUser/ID")
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
        raise MissingSecurityHeader(MissingHeaderName="x-amz-acl")
    check_settable(bucket, grants)
    from nuvem.services.s3.access import check_public_acl
    check_public_acl(ctx, bucket, grants)
    update_bucket(ctx, bucket, acl={"Grants": grants})
    return {}


@SERVICE.op("GetObjectAcl")
def get_object_acl(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    obj = version_named(ctx, bucket, req, marker_missing=True)
    holder = obj.owner or bucket.account
    return {"Owner": owner(holder), "Grants": _object_grants(obj, holder)}


def _object_grants(obj, holder: str) -> list[dict]:
    grants = obj.acl.get("Grants")
    return canned_grants("private", holder) if grants is None else grants


@SERVICE.op("PutObjectAcl")
def put_object_acl(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    obj = version_named(ctx, bucket, req)
    grants = acl_from_request(req, obj.owner or bucket.account, bucket.account)
    if grants is None:
        raise MissingSecurityHeader(MissingHeaderName="x-amz-acl")
    check_settable(bucket, grants)
    from nuvem.services.s3.access import check_public_acl
    check_public_acl(ctx, bucket, grants)
    changed = grants != _object_grants(obj, obj.owner or bucket.account)
    obj.acl = {"Grants": grants}
    ctx.store.put(obj)
    if changed:     # S3 sends no event for an ACL set to what it already was
        notify(ctx, bucket, "ObjectAcl:Put", obj)
    result = {}
    if obj.version_id != "null":
        result["VersionId"] = obj.version_id
    return result
