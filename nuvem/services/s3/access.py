"""S3's side of authorization, in AWS's order ("How Amazon S3 authorizes a request"): the
authorizer evaluates identity policies with the bucket policy as the resource-based policy; this
module says who owns the bucket, which policy applies after Block Public Access, and whether an
ACL grants the access (ACLs count only when Object Ownership is not BucketOwnerEnforced).

Block Public Access ("Blocking public access to your Amazon S3 storage"), bucket and account
settings combined with OR:
- BlockPublicAcls: PUT calls that carry a public ACL fail with AccessDenied.
- IgnorePublicAcls: public grants in ACLs are ignored.
- BlockPublicPolicy: PutBucketPolicy with a public policy fails with AccessDenied.
- RestrictPublicBuckets: a public bucket policy grants access only to principals of the bucket
  owner's account (and AWS services), so anonymous and cross-account callers lose it.
"""
from __future__ import annotations

import functools

from nuvem.context import Call
from nuvem.iam.middleware import ResourceView
from nuvem.services.s3 import SERVICE
from nuvem.services.s3.acl import ALL_USERS, AUTHENTICATED_USERS, allows
from nuvem.services.s3.common import find_bucket
from nuvem.services.s3.errors import AccessDenied
from nuvem.services.s3.models import AccountSettings, Bucket, S3Object

ARN_PREFIX = "arn:aws:s3:::"
BPA_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
# The ACL permission that grants each action ("Mapping of ACL permissions and access policy
# permissions"): bucket-level and object-level.
_BUCKET_ACL = {
    "s3:listbucket": "READ", "s3:listbucketversions": "READ",
    "s3:listbucketmultipartuploads": "READ",
    "s3:putobject": "WRITE", "s3:deleteobject": "WRITE", "s3:deleteobjectversion": "WRITE",
    "s3:getbucketacl": "READ_ACP", "s3:putbucketacl": "WRITE_ACP",
}
# "As a security precaution, the root user of the AWS account that owns a bucket can always use
# [Get|Put|Delete]BucketPolicy, even if the policy explicitly denies the root user" (PutBucketPolicy).
_POLICY_ACTIONS = frozenset({"s3:getbucketpolicy", "s3:putbucketpolicy", "s3:deletebucketpolicy"})
_OBJECT_ACL = {
    "s3:getobject": "READ", "s3:getobjectversion": "READ",
    "s3:getobjectacl": "READ_ACP", "s3:getobjectversionacl": "READ_ACP",
    "s3:putobjectacl": "WRITE_ACP", "s3:putobjectversionacl": "WRITE_ACP",
}


def block_public_access(read, bucket: Bucket) -> dict[str, bool]:
    """The effective settings: the bucket's OR the account's."""
    own = bucket.config.get("PublicAccessBlock") or {}
    account = read.get(AccountSettings, bucket.account)
    shared = (account.public_access_block if account else None) or {}
    return {flag: bool(own.get(flag)) or bool(shared.get(flag)) for flag in BPA_FLAGS}


def _public_grant(grant: dict) -> bool:
    return (grant.get("Grantee") or {}).get("URI") in (ALL_USERS, AUTHENTICATED_USERS)


def resource_view(call: Call, access) -> ResourceView | None:
    arn = access.resources[0] if access.resources else ""
    if not arn.startswith(ARN_PREFIX):
        return None
    if call.operation == "CreateBucket":
        # the bucket to be is the caller's, with no policy yet: its identity policies decide
        # (a missing bucket's view would leave the answer to the handler, which creates it)
        return ResourceView(account=call.account)
    if call.tx is not None:
        return _view(call, access, arn, call.tx)
    with call.runtime.store.read() as read:   # authorization runs before the call's transaction
        return _view(call, access, arn, read)


def _view(call: Call, access, arn: str, read) -> ResourceView:
    name, _, key = arn[len(ARN_PREFIX):].partition("/")
    bucket = find_bucket(call, read, name)
    if bucket is None:
        return ResourceView(account=call.account, exists=False)
    policy = bucket.config.get("Policy")
    caller = call.principal
    outsider = caller is None or caller.kind == "anonymous" or caller.account != bucket.account
    if access.action.lower() in _POLICY_ACTIONS and not outsider and caller.kind == "root":
        policy = None   # the owner's root can always manage the policy, even one denying it
    # Block Public Access matters only to a policy an outsider meets, or to ACLs (it is one
    # more record read, so the common case skips it)
    acls = bucket.ownership != "BucketOwnerEnforced" and caller is not None
    bpa = block_public_access(read, bucket) if (policy and outsider) or acls else None
    if policy and outsider and bpa["RestrictPublicBuckets"]:
        from nuvem.services.s3.policy import policy_is_public
        if policy_is_public(policy):
            policy = None
    # s3:ExistingObjectTag/<key>: the object's tags, read only when a policy may ask for them
    tags = None
    if key and (policy or caller is None or caller.kind != "root") and \
            _reads_object_tags(access.action):
        tags = _object_tags(read, bucket, key, call.params.get("VersionId"))
    return ResourceView(account=bucket.account,
                        policy=(f"bucket-policy:{name}", policy) if policy else None,
                        grants=acls and _acl_grants(read, bucket, key, access.action.lower(),
                                                    caller, bpa),
                        context=tags)


@functools.cache
def _reads_object_tags(action: str) -> bool:
    from nuvem.iam.actions import action_info
    return "s3:ExistingObjectTag/<key>" in ((action_info(action) or {}).get("conditions") or ())


def _object_tags(read, bucket: Bucket, key: str, version_id: str | None) -> dict | None:
    for obj in read.query(S3Object, prefix=(bucket.name, key)):
        if version_id is None or obj.version_id == version_id:
            return {f"s3:ExistingObjectTag/{k}": v for k, v in obj.tags.items()} or None
    return None


def _acl_grants(read, bucket: Bucket, key: str, action: str, caller, bpa: dict) -> bool:
    # Writing and deleting objects is the bucket's WRITE permission, whatever the key.
    permission = _OBJECT_ACL.get(action) if key and action in _OBJECT_ACL else \
        _BUCKET_ACL.get(action)
    if permission is None:
        return False
    grants = bucket.acl.get("Grants") or []
    if key and action in _OBJECT_ACL:
        obj = next(read.query(S3Object, prefix=(bucket.name, key), limit=1), None)
        if obj is not None:
            grants = obj.acl.get("Grants") or []
        elif permission != "READ":
            return False
        # else a missing key: who may list the bucket (its READ) learns so (404 NoSuchKey)
    if bpa["IgnorePublicAcls"]:
        grants = [g for g in grants if not _public_grant(g)]
    return allows(grants, permission, caller)


SERVICE.resource_view = resource_view


def owner_of(call: Call) -> tuple[str, bool] | None:
    """The bucket an object operation names: its owner and whether it has a bucket policy."""
    name = call.params.get("Bucket")
    bucket = find_bucket(call, call.tx, name) if name and call.tx is not None else None
    if bucket is None:
        return None
    return bucket.account, bool(bucket.config.get("Policy"))


SERVICE.owner_of = owner_of
# Every access of these touches the one bucket (CopyObject and UploadPartCopy read another).
SERVICE.owner_ops = frozenset({
    "PutObject", "GetObject", "HeadObject", "DeleteObject", "DeleteObjects", "ListObjects",
    "ListObjectsV2", "ListObjectVersions", "CreateMultipartUpload", "UploadPart",
    "CompleteMultipartUpload", "AbortMultipartUpload", "ListParts", "ListMultipartUploads",
    "GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging", "GetObjectAttributes",
    "HeadBucket"})


def check_public_acl(ctx: Call, bucket: Bucket, grants: list[dict]) -> None:
    """BlockPublicAcls: a request that would set a public ACL fails."""
    if any(_public_grant(g) for g in grants) and \
            block_public_access(ctx.store, bucket)["BlockPublicAcls"]:
        raise AccessDenied("Access Denied")


def check_public_policy(ctx: Call, bucket: Bucket, policy: str) -> None:
    """BlockPublicPolicy: PutBucketPolicy with a public policy fails."""
    from nuvem.services.s3.policy import policy_is_public
    if block_public_access(ctx.store, bucket)["BlockPublicPolicy"] and policy_is_public(policy):
        who = ctx.principal.arn if ctx.principal else "anonymous"
        raise AccessDenied(f"User: {who} is not authorized to perform: s3:PutBucketPolicy on "
                           f'resource: "{bucket.arn}" because public policies are blocked by the '
                           "BlockPublicPolicy block public access setting.")


def may_list(ctx: Call, bucket: Bucket) -> bool:
    """Whether the caller has s3:ListBucket: S3 answers a missing key with 404 NoSuchKey only
    then, and with 403 AccessDenied otherwise (so keys cannot be probed)."""
    from nuvem.iam.actions import Access
    access = Access("s3:ListBucket", [bucket.arn], {})
    return ctx.runtime.authorizer.permits(ctx, access, resource_view)


# Requests through access points and on the accelerate endpoint: resolved and authorized by
# accesspoints.py, which sets SERVICE.authorize (imported here, after resource_view exists).
from nuvem.services.s3 import accesspoints  # noqa: E402,F401
