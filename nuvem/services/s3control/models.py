"""S3 Control's records: access points ("Managing access to shared datasets with access points").

An access point is a named network endpoint over one bucket with its own policy; it holds no data.
Its alias (`<name>-<34 random characters>-s3alias`) may be used wherever S3 takes a bucket name,
so the alias is indexed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from nuvem.store.records import Scope, record

BPA_DEFAULT = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
               "RestrictPublicBuckets": True}


@record("s3control.AccessPoint", scope=Scope.REGION, key=("name",), indexes=("alias", "bucket"))
@dataclass
class AccessPoint:
    account: str
    region: str
    name: str
    bucket: str
    bucket_account: str
    alias: str
    created: datetime
    vpc_id: str = ""                   # VpcConfiguration.VpcId: the NetworkOrigin is then "VPC"
    public_access_block: dict[str, bool] = field(default_factory=lambda: dict(BPA_DEFAULT))
    policy: str = ""

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:{self.region}:{self.account}:accesspoint/{self.name}"

    @property
    def network_origin(self) -> str:
        return "VPC" if self.vpc_id else "Internet"
