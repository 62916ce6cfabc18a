"""Amazon S3: buckets, objects, multipart uploads, listing, versioning and bucket configurations.

Families: buckets.py (create/delete/list/head/location), config.py (the Put/Get/Delete bucket
configurations), objects.py (object reads and writes), listing.py (ListObjects v1/v2,
ListObjectVersions), multipart.py.
"""
from nuvem.services import Service

SERVICE = Service("s3")

from nuvem.services.s3 import (access, acl, buckets, config, endpoints, listing,  # noqa: E402,F401
                               multipart, objects)
