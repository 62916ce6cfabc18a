"""S3's records. Buckets are global (one name space for all accounts); objects, uploads and parts
are keyed under their bucket so listing is a range scan in key order.

Versions of one key are records `(bucket, key, rank)`: a new version takes the rank below the
newest, so the scan meets a key's versions newest first and the first one is the current version.
Bytes up to `INLINE_LIMIT` live in the record; larger bodies are content-addressed blobs, one per
stored chunk (a multipart object keeps its parts' blobs, so completing copies nothing).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nuvem.store.records import Scope, record

INLINE_LIMIT = 64 * 1024


@dataclass
class Chunk:
    digest: str
    size: int


@record("s3.Bucket", scope=Scope.GLOBAL, key=("name",), indexes=("account",))
@dataclass
class Bucket:
    name: str
    account: str
    region: str
    created: datetime
    versioning: str = ""               # "" (never enabled), "Enabled" or "Suspended"
    mfa_delete: str = ""
    object_lock: bool = False
    ownership: str = "BucketOwnerEnforced"   # the default for new buckets since April 2023
    acl: dict = field(default_factory=dict)  # {"Grants": [...]} when ACLs are in use
    # Configurations as the API's request dicts, by name: Policy (text), Cors, Website,
    # Lifecycle, Notification, Encryption, PublicAccessBlock, Logging, RequestPayment,
    # Accelerate, Replication, ObjectLock, and the analytics/metrics/inventory/... families.
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.name}"


# What listing pages read of each version (listing.py unpacks them in this order): the store's
# summary of an S3Object, so a page parses no documents. The checksum is in it as a listing
# shows it (its algorithm and type), not as the dict with its value: parsing that dict was a
# third of a page's summaries.
LISTED_FIELDS = ("key", "delete_marker", "last_modified", "etag", "size", "storage_class",
                 "checksum_algorithm", "checksum_type", "owner", "version_id")


def _listed_checksum(checksum: dict[str, str]) -> tuple[list[str] | None, str | None]:
    """A listing's ChecksumAlgorithm (a list of the one algorithm) and ChecksumType."""
    if not checksum:
        return None, None
    return [checksum["Algorithm"]], checksum.get("Type", "FULL_OBJECT")


def _summary_v1(summary: list) -> list:
    """Version 1's summary held the checksum's dict where version 2's has its listing form."""
    *head, checksum, owner, version_id = summary
    return [*head, *_listed_checksum(checksum), owner, version_id]


# version 2: the summary's checksum_algorithm and checksum_type (the document is unchanged)
@record("s3.Object", scope=Scope.GLOBAL, key=("bucket", "key", "rank"), blobs=("digests",),
        summary=LISTED_FIELDS, version=2, migrations={1: lambda doc: doc},
        summary_migrations={1: _summary_v1})
@dataclass
class S3Object:
    bucket: str
    key: str
    rank: int
    version_id: str                    # "null" for objects written while unversioned
    last_modified: datetime
    owner: str = ""
    delete_marker: bool = False
    etag: str = ""                     # quoted, as on the wire
    size: int = 0
    data: bytes | None = None          # the body when small
    chunks: list[Chunk] = field(default_factory=list)
    part_sizes: list[int] = field(default_factory=list)     # multipart: each part's size
    headers: dict[str, str] = field(default_factory=dict)   # ContentType, CacheControl, ...
    metadata: dict[str, str] = field(default_factory=dict)
    storage_class: str = "STANDARD"
    checksum: dict[str, str] = field(default_factory=dict)  # Algorithm, Value, Type
    part_checksums: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    acl: dict = field(default_factory=dict)
    sse: dict[str, Any] = field(default_factory=dict)  # ServerSideEncryption, BucketKeyEnabled, ...
    lock: dict[str, Any] = field(default_factory=dict)      # Mode, RetainUntilDate, LegalHold
    customer_key: str = ""             # SSE-C: the key's salted HMAC (customer_keys.py)
    upload_id: str = ""                # the multipart upload completed into this version

    @property
    def digests(self) -> list[str]:
        return [c.digest for c in self.chunks]

    @property
    def checksum_algorithm(self) -> list[str] | None:
        return _listed_checksum(self.checksum)[0]

    @property
    def checksum_type(self) -> str | None:
        return _listed_checksum(self.checksum)[1]


@record("s3.Upload", scope=Scope.GLOBAL, key=("bucket", "key", "upload_id"),
        indexes=("upload_id",))
@dataclass
class Upload:
    bucket: str
    key: str
    upload_id: str                     # starts with the time, so a key's uploads list in order
    initiated: datetime
    owner: str
    initiator: str                     # the caller's ARN
    headers: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    storage_class: str = "STANDARD"
    checksum_algorithm: str = ""
    checksum_type: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    acl: dict = field(default_factory=dict)
    sse: dict[str, Any] = field(default_factory=dict)  # ServerSideEncryption, BucketKeyEnabled, ...
    lock: dict[str, Any] = field(default_factory=dict)
    customer_key: str = ""             # SSE-C: the key's salted HMAC (customer_keys.py)
    key_before: str | None = None      # the key's live version when the upload began
    #                                    (multipart.key_state); None in uploads older than it


@record("s3.Part", scope=Scope.GLOBAL, key=("bucket", "upload_id", "number"),
        blobs=("digests",))
@dataclass
class Part:
    bucket: str
    upload_id: str
    number: int
    etag: str
    size: int
    last_modified: datetime
    chunks: list[Chunk] = field(default_factory=list)
    data: bytes | None = None
    checksum: dict[str, str] = field(default_factory=dict)

    @property
    def digests(self) -> list[str]:
        return [c.digest for c in self.chunks]





@record("s3.AccountSettings", scope=Scope.ACCOUNT, key=())
@dataclass
class AccountSettings:
    """Account-wide S3 settings, written through S3 Control (PutPublicAccessBlock)."""
    account: str
    public_access_block: dict[str, bool] = field(default_factory=dict)
