"""Amazon S3 Control: the account-level S3 settings and access points.

S3 Control is S3's own control plane (one service in AWS, two endpoints), so it reads S3's
buckets and writes S3's account settings (`s3.AccountSettings`), and S3's data plane reads the
access points recorded here (nuvem/services/s3/accesspoints.py).

Families: account.py (Put/Get/DeletePublicAccessBlock), accesspoints.py (access points and their
policies).
"""
from nuvem.services import Service

SERVICE = Service("s3control")

from nuvem.services.s3control import accesspoints, account  # noqa: E402,F401
