"""The call context: everything an operation may touch, and nothing else (DESIGN principle 2)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from nuvem.protocol.wire import HttpRequest

if TYPE_CHECKING:
    from nuvem.runtime import Runtime


@dataclass(frozen=True)
class Principal:
    """Who is calling. `kind` is root, user, assumed-role, service or anonymous."""
    kind: str
    account: str
    arn: str
    user_id: str

    @classmethod
    def root(cls, account: str) -> "Principal":
        return cls("root", account, f"arn:aws:iam::{account}:root", account)

    @classmethod
    def anonymous(cls) -> "Principal":
        return cls("anonymous", "", "*", "anonymous")

    @property
    def name(self) -> str:
        return self.arn.rsplit(":", 1)[-1] if self.kind != "anonymous" else "anonymous"


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

    @property
    def now(self) -> datetime:
        return self.runtime.clock.now()

    @property
    def ids(self):
        return self.runtime.ids

    @property
    def store(self):
        return self.tx

    def emit(self, event) -> None:
        self.tx.emit(event)
