"""Record and event classes shared by the store tests (module level, so type hints resolve)."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from nuvem.store import Scope, record


class Color(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass
class Attachment:
    name: str
    data: bytes
    when: datetime | None = None


@record("test.Item", scope=Scope.REGION, key=("table", "sort"), indexes=("owner", "labels"))
@dataclass
class Item:
    account: str
    region: str
    table: str
    sort: str
    owner: str | None = None
    labels: list[str] = field(default_factory=list)
    n: int = 0


@record("test.Queue", scope=Scope.REGION, key=("name",), indexes=("url",))
@dataclass
class Queue:
    account: str
    region: str
    name: str
    url: str = ""

    @property
    def arn(self) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account}:{self.name}"


@record("test.User", scope=Scope.ACCOUNT, key=("name",))
@dataclass
class User:
    account: str
    name: str
    arn: str = ""


@record("test.Name", scope=Scope.GLOBAL, key=("name",))
@dataclass
class BucketName:
    name: str
    owner: str


@record("test.Numbered", scope=Scope.GLOBAL, key=("group", "n"))
@dataclass
class Numbered:
    group: str
    n: int


@record("test.Rich", scope=Scope.GLOBAL, key=("id",))
@dataclass
class Rich:
    id: str
    created: datetime
    day: date
    raw: bytes
    price: Decimal
    color: Color
    attachments: list[Attachment] = field(default_factory=list)
    by_name: dict[str, Attachment] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)
    tags: set[str] = field(default_factory=set)
    pair: tuple[str, int] = ("a", 1)
    extra: dict[str, Any] = field(default_factory=dict)
    maybe: Attachment | None = None


@record("test.Object", scope=Scope.ACCOUNT, key=("bucket", "key"), blobs=("digest", "parts"))
@dataclass
class StoredObject:
    account: str
    bucket: str
    key: str
    digest: str = ""
    parts: list[str] = field(default_factory=list)


def _v1_to_v2(doc: dict) -> dict:
    doc["display"] = doc.pop("title").upper()
    return doc


def _v2_to_v3(doc: dict) -> dict:
    doc["size"] = len(doc["display"])
    return doc


@record("test.Doc", scope=Scope.GLOBAL, key=("id",), version=3,
        migrations={1: _v1_to_v2, 2: _v2_to_v3})
@dataclass
class Doc:
    id: str
    display: str
    size: int
