"""The call context: everything an operation may touch, and nothing else (DESIGN principle 2)."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from nuvem.protocol.wire import HttpRequest

if TYPE_CHECKING:
    from nuvem.runtime import Runtime


@dataclass(frozen=True)
class Principal:
    """Who is calling. `kind` is root, user, assumed-role, federated-user, service or anonymous.

    Temporary credentials (STS) add: `entity_arn` (the role behind an assumed-role session, the
    user behind a federated user), `session_key` (the temporary access key id, so authorization
    finds the session's policies), `tags` (session tags, as aws:PrincipalTag), `mfa` (None for
    long-term keys; True/False for sessions: aws:MultiFactorAuthPresent) and `source_identity`.
    """
    kind: str
    account: str
    arn: str
    user_id: str
    entity_arn: str | None = None
    session_key: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    mfa: bool | None = None
    mfa_at: datetime | None = None
    source_identity: str | None = None
    chained: bool = False
    issued_at: datetime | None = None      # aws:TokenIssueTime of temporary credentials

    @classmethod
    @functools.lru_cache(maxsize=256)
    def root(cls, account: str) -> "Principal":
        # One per account, kept: a root key's every call asks, and making a frozen Principal
        # costs 2 µs (it is immutable, so callers may share it).
        return cls("root", account, f"arn:aws:iam::{account}:root", account)

    @classmethod
    def anonymous(cls) -> "Principal":
        return cls("anonymous", "", "*", "anonymous")

    @property
    def name(self) -> str:
        return self.arn.rsplit(":", 1)[-1] if self.kind != "anonymous" else "anonymous"

    @property
    def entity_name(self) -> str:
        """The IAM name behind the caller: the user (also behind a federated user or a
        GetSessionToken session) or the role behind an assumed-role session."""
        return (self.entity_arn or self.arn).rsplit("/", 1)[-1]


@dataclass
class Call:
    request: HttpRequest
    runtime: "Runtime"
    request_id: str
    received_at: datetime
    service: str = ""
    protocol: str = ""
    operation: str = ""
    params: dict = field(default_factory=dict)
    account: str = ""
    region: str = ""
    principal: Principal | None = None
    access_key: str | None = None
    tx: Any = None             # the store transaction this call runs in
    status: int = 0            # for the audit line
    error: str = ""
    # calls one service makes to another (core/internal.py): aws:SourceArn / aws:SourceAccount
    source_arn: str | None = None
    source_account: str | None = None
    # records a service read in this call's transaction and may read again (S3: the bucket,
    # for authorization and then the handler)
    memo: dict = field(default_factory=dict)
    # the last run of a long poll (errors.WaitFor): answer with what there is, do not wait
    last_attempt: bool = False
    # a streamed upload's body, read outside the call's transaction (errors.ReadBodyFirst)
    received: Any = None
    # one dict shared by the internal calls a service makes together as one principal from one
    # source (an SNS fan-out's deliveries): the authorizer keeps their global condition keys
    # there, per region, instead of working them out for each call. None: a call on its own.
    batch: dict | None = None

    @classmethod
    def by_service(cls, runtime: "Runtime", tx, service: str, operation: str, *,
                   account: str = "", region: str = "") -> "Call":
        """A call a service's own background job makes (S3's lifecycle sweep, DynamoDB's TTL
        deletions, an SQS move task), as its service principal, in the transaction `tx`."""
        host = f"{service}.amazonaws.com"
        call = cls(request=HttpRequest.build("POST", "/"), runtime=runtime,
                   request_id=runtime.ids.request_id(), received_at=runtime.clock.now(),
                   service=service, operation=operation, account=account, region=region,
                   principal=Principal("service", "", host, host))
        call.tx = tx
        return call

    @property
    def now(self) -> datetime:
        return self.runtime.clock.now()

    @property
    def ids(self):
        return self.runtime.ids

    @property
    def store(self):
        return self.tx

    @property
    def blobs(self):
        """Content-addressed files for large bytes; records hold their digests."""
        return self.runtime.store.blobs

    def emit(self, event) -> None:
        self.tx.emit(event)

    @property
    def internal(self):
        """Calls to other services, as a service principal (core/internal.py)."""
        return self.runtime.internal
