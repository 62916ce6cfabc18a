"""Amazon S3: buckets, objects, multipart uploads, listing, versioning and bucket configurations.

Families: buckets.py (create/delete/list/head/location), config.py (the plain Put/Get/Delete bucket
configurations and their shared helpers), policy.py (bucket policy), lifecycle.py (lifecycle
configuration and its sweep), notifications.py (notification configuration), reporting.py
(analytics, metrics, inventory and intelligent-tiering configurations by Id), objects.py (object
reads and writes), listing.py (ListObjects v1/v2, ListObjectVersions), multipart.py.
"""
from nuvem.services import Service

SERVICE = Service("s3")
# They read or write whole objects (up to 5 GiB) or up to 1,000 keys: served on a worker thread.
SERVICE.blocking = frozenset({"CopyObject", "UploadPartCopy", "CompleteMultipartUpload",
                              "DeleteObjects"})

from nuvem.services.s3 import (access, acl, bodies, buckets, config, endpoints,  # noqa: E402,F401
                               lifecycle, listing, multipart, notifications, objects, policy,
                               reporting)

# Operations whose body S3 checks by Content-MD5 or x-amz-checksum-* (the model's
# httpChecksumRequired/requestChecksumRequired): wrapped here, so no other operation pays for it.
SERVICE.operations.update({name: bodies.integrity_required(SERVICE.operations[name]) for name in (
    "DeleteObjects", "PutBucketAcl", "PutBucketCors", "PutBucketEncryption",
    "PutBucketLifecycleConfiguration", "PutBucketLogging", "PutBucketOwnershipControls",
    "PutBucketPolicy", "PutBucketReplication", "PutBucketRequestPayment", "PutBucketTagging",
    "PutBucketVersioning", "PutBucketWebsite", "PutObjectAcl", "PutObjectLegalHold",
    "PutObjectLockConfiguration", "PutObjectRetention", "PutObjectTagging",
    "PutPublicAccessBlock")})
