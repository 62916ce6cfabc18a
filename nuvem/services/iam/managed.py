"""AWS managed policies: read-only, shared by every account, from `nuvem/iam/data`."""
from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from datetime import datetime

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
                    "iam", "data", "managed_policies.json")


@dataclass(frozen=True)
class AwsPolicy:
    PolicyName: str
    Arn: str
    Path: str
    PolicyId: str
    DefaultVersionId: str
    Description: str
    CreateDate: datetime
    UpdateDate: datetime
    Document: str            # JSON text, as GetPolicyVersion gives it


@functools.lru_cache(maxsize=1)
def aws_policies() -> dict[str, AwsPolicy]:
    """ARN → policy, in name order."""
    with open(DATA) as f:
        data = json.load(f)
    out = {}
    for p in sorted(data["policies"], key=lambda p: p["PolicyName"].lower()):
        out[p["Arn"]] = AwsPolicy(
            PolicyName=p["PolicyName"], Arn=p["Arn"], Path=p["Path"], PolicyId=p["PolicyId"],
            DefaultVersionId=p["DefaultVersionId"], Description=p.get("Description", ""),
            CreateDate=datetime.fromisoformat(p["CreateDate"]),
            UpdateDate=datetime.fromisoformat(p["UpdateDate"]),
            Document=json.dumps(p["Document"], indent=4))
    return out


def aws_policy(arn: str) -> AwsPolicy | None:
    return aws_policies().get(arn)
