"""S3 requests through an access point, and on the Transfer Acceleration endpoint.

An access point names a bucket three ways ("Using access points", "Access point compatibility"):
its ARN as the Bucket (botocore then sends the Host `<name>-<account>.<endpoint host>`, or
`<name>-<account>.s3-accesspoint.<region>.amazonaws.com`), or its alias `<...>-s3alias`. Before
authorization such a request is resolved to the bucket (no data is copied: the handlers simply see
the bucket's name) and authorized twice, as S3 does ("Configuring IAM policies for using access
points"): on the access point's ARN (`.../accesspoint/<name>/object/<key>`) with the access
point's policy, and on the bucket's ARN with the bucket policy, which may delegate to access points
with the condition keys s3:DataAccessPointArn / s3:DataAccessPointAccount. Both must allow; the
identity policies of the caller count at both, as usual.

Transfer Acceleration ("Configuring fast, secure file transfers using Amazon S3 Transfer
Acceleration"): the `<bucket>.s3-accelerate...` endpoint serves a bucket only while its
accelerate configuration is Enabled, and never ListBuckets, CreateBucket or DeleteBucket.
"""
from __future__ import annotations

import re

from nuvem.context import Call
from nuvem.errors import AwsError
from nuvem.iam import actions
from nuvem.iam.middleware import ResourceView
from nuvem.protocol.routing import s3_host
from nuvem.services import owner_check
from nuvem.services.s3 import SERVICE
from nuvem.services.s3.access import ARN_PREFIX, resource_view
from nuvem.services.s3.errors import InvalidRequest, _error
from nuvem.services.s3.models import Bucket
from nuvem.services.s3control.models import AccessPoint

NoSuchAccessPoint = _error("NoSuchAccessPoint", 404, "The specified accesspoint does not exist")
ALIAS_SUFFIX = "-s3alias"
_ARN = re.compile(r"arn:aws[a-z-]*:s3:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
                  r"accesspoint[/:](?P<name>[a-z0-9-]+)")
_HOST_LABEL = re.compile(r"(?P<name>[a-z0-9-]+)-(?P<account>\d{12})")   # <name>-<account>
_NOT_ACCELERATED = ("ListBuckets", "CreateBucket", "DeleteBucket")


def find(read, bucket: str, region: str, from_host: bool) -> AccessPoint | None:
    """The access point a request's Bucket names, or None when it names a bucket.
    `from_host`: the Bucket came from the Host, where `<name>-<account>` is an access point
    unless a bucket has that very name."""
    if match := _ARN.fullmatch(bucket):
        point = read.get(AccessPoint, match["account"], match["region"], match["name"])
    elif bucket.endswith(ALIAS_SUFFIX):
        point = next(read.query(AccessPoint, index=("alias", bucket), limit=1), None)
    elif from_host and (match := _HOST_LABEL.fullmatch(bucket)) and \
            read.get(Bucket, bucket) is None:
        point = read.get(AccessPoint, match["account"], region, match["name"])
    else:
        return None
    if point is None:
        raise NoSuchAccessPoint()
    return point


def resolve(call: Call) -> AccessPoint | None:
    """Rewrites the Bucket of a request made through an access point to the access point's
    bucket, and returns the access point (None for a request that names a bucket). Also refuses
    requests on the accelerate endpoint for a bucket that is not accelerated."""
    host = s3_host(call.request.host)
    name = call.params.get("Bucket")
    if call.tx is not None:
        point = _resolve(call, call.tx, host, name)
    else:
        with call.runtime.store.read() as read:
            point = _resolve(call, read, host, name)
    if point is not None:
        if call.operation not in THROUGH_ACCESS_POINTS:
            raise InvalidRequest(f"The {call.operation} operation is not supported through an "
                                 "access point")
        call.params["Bucket"] = point.bucket
    return point


# What S3 serves through an access point ("Access point compatibility"): object operations and
# listings, not bucket administration.
THROUGH_ACCESS_POINTS = frozenset({
    "AbortMultipartUpload", "CompleteMultipartUpload", "CopyObject", "CreateMultipartUpload",
    "DeleteObject", "DeleteObjects", "DeleteObjectTagging", "GetBucketAcl", "GetBucketCors",
    "GetBucketLocation", "GetBucketNotificationConfiguration", "GetBucketPolicy", "GetObject",
    "GetObjectAcl", "GetObjectAttributes", "GetObjectLegalHold", "GetObjectRetention",
    "GetObjectTagging", "HeadBucket", "HeadObject", "ListMultipartUploads", "ListObjects",
    "ListObjectsV2", "ListObjectVersions", "ListParts", "PutObject", "PutObjectAcl",
    "PutObjectLegalHold", "PutObjectRetention", "PutObjectTagging", "RestoreObject",
    "UploadPart", "UploadPartCopy"})


def _resolve(call: Call, read, host, name: str | None) -> AccessPoint | None:
    if host is not None and host.kind == "accelerate":
        _check_accelerated(call, read, name)
    if not name:
        return None
    return find(read, name, call.region, from_host=host is not None and host.bucket == name)


def _check_accelerated(call: Call, read, name: str | None) -> None:
    if call.operation in _NOT_ACCELERATED or not name:
        raise InvalidRequest(f"{call.operation or 'This operation'} is not supported on the S3 "
                             "Transfer Acceleration endpoint")
    if "." in name:
        raise InvalidRequest("S3 Transfer Acceleration is not supported for buckets with periods "
                             "(.) in their names")
    bucket = read.get(Bucket, name)
    if bucket is not None and (bucket.config.get("Accelerate") or {}).get("Status") != "Enabled":
        raise InvalidRequest("S3 Transfer Acceleration is not configured on this bucket")


def authorize(call: Call, operation) -> None:
    """S3's authorization: plain for a bucket; at the access point and at the bucket for a
    request through an access point."""
    point = resolve(call)
    authorizer = call.runtime.authorizer
    if point is None:
        try:
            authorizer.authorize(call, operation, resource_view,
                                 owner=owner_check(SERVICE, operation))
        except AwsError as denied:
            if operation.name == "HeadBucket":    # S3 names the bucket's Region to anyone
                bucket = call.tx.get_shared(Bucket, call.params.get("Bucket", ""))
                if bucket is not None:
                    denied.headers["x-amz-bucket-region"] = bucket.region
            raise
        return
    if authorizer.mode == "off" or call.principal is None:
        return
    context = {"s3:DataAccessPointArn": point.arn, "s3:DataAccessPointAccount": point.account,
               "s3:AccessPointNetworkOrigin": point.network_origin}
    bucket_level = [a.replace(context=context)
                    for a in actions.accesses("s3", operation, call.params, call.account,
                                              call.region)]
    point_level = [a.replace(resources=[_point_arn(point, r) for r in a.resources])
                   for a in bucket_level]
    authorizer.check(call, operation.name, point_level, lambda c, a: _point_view(c, point))
    authorizer.check(call, operation.name, bucket_level, resource_view)


def _point_arn(point: AccessPoint, arn: str) -> str:
    """`arn:aws:s3:::bucket/key` as the access point names it: `<ap arn>/object/key`."""
    if not arn.startswith(ARN_PREFIX + point.bucket):
        return arn
    rest = arn[len(ARN_PREFIX + point.bucket):]
    return point.arn + ("/object/" + rest[1:] if rest.startswith("/") else rest)


def _point_view(call: Call, point: AccessPoint) -> ResourceView:
    """The access point as a resource: its owner and its policy, which its RestrictPublicBuckets
    setting (on by default) voids for callers outside its account when the policy is public."""
    policy = point.policy
    caller = call.principal
    outsider = caller is None or caller.kind == "anonymous" or caller.account != point.account
    if policy and outsider and point.public_access_block.get("RestrictPublicBuckets"):
        from nuvem.services.s3.policy import policy_is_public
        if policy_is_public(policy):
            policy = ""
    return ResourceView(account=point.account,
                        policy=(f"access-point-policy:{point.name}", policy) if policy else None)


SERVICE.authorize = authorize
