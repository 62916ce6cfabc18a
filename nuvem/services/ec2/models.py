"""EC2 records."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nuvem.store import Scope, record


@record("ec2.KeyPair", scope=Scope.REGION, key=("KeyName",), indexes=("KeyPairId",))
@dataclass
class KeyPair:
    account: str
    region: str
    KeyName: str
    KeyPairId: str
    KeyType: str
    KeyFingerprint: str
    PublicKey: str                    # OpenSSH format; AWS keeps only the public half
    CreateTime: datetime

    @property
    def arn(self) -> str:
        return f"arn:aws:ec2:{self.region}:{self.account}:key-pair/{self.KeyPairId}"
