"""STS records: one per set of temporary credentials, GLOBAL and keyed by the access key id
(`ASIA` + 16), so authentication finds a session without knowing its account."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from nuvem.store import Scope, record


@record("sts.Session", scope=Scope.GLOBAL, key=("AccessKeyId",))
@dataclass
class Session:
    AccessKeyId: str
    SecretAccessKey: str
    SessionToken: str
    Expiration: datetime
    account: str
    kind: str                        # "assumed-role" | "federated-user" | "user" | "root"
    CallerArn: str                   # what GetCallerIdentity shows
    UserId: str                      # AROA...:session, <account>:<name>, AIDA..., <account>
    entity_arn: str | None = None    # the role (assumed-role) or user (federated, session token)
    entity_name: str | None = None
    session_policies: list[str] = field(default_factory=list)   # documents (inline + PolicyArns)
    no_permissions_without_policy: bool = False                  # GetFederationToken
    tags: dict[str, str] = field(default_factory=dict)
    transitive_tag_keys: list[str] = field(default_factory=list)
    source_identity: str | None = None
    chained: bool = False
    mfa: bool = False
    mfa_at: datetime | None = None
    created: datetime | None = None
