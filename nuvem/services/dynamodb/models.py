"""DynamoDB records.

An item is keyed `(table_id, pk, sk)`: `pk` and `sk` are the order-preserving encodings of its
partition and sort key values (`values.key_bytes`; `sk` is b"" for a table without a sort key),
so a Query reads one partition's range of the store in sort-key order and never scans the table.
Secondary indexes are maintained records keyed `(table_id, index, ipk, isk, pk, sk)` (the table's
own key last, to keep index keys unique), written in the same transaction as the item. `table_id`
is new for every incarnation of a table name, so a re-created table never sees old items.

Attribute values are kept exactly as the wire has them after parsing (`{"S": "x"}`, `{"N": "1.5"}`
with canonical number text, `{"B": b"..."}`, sets as lists, `{"M": {...}}`, `{"L": [...]}`).
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Annotated

from nuvem.store.records import FieldCodec, Scope, decode_untyped, record, record_type


# -- how items are stored ------------------------------------------------------------------------
# An item's attributes are stored as one JSON text in the wire's own form (B values as base64),
# written by the C encoder and read back by json.loads alone unless the text has a B or BS
# value: no per-value walk for the common item, which is most of what a Query costs.
def _base64(value):
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    raise TypeError(f"an attribute value cannot hold {type(value).__name__}")


# The C encoder made once, compact and not ASCII-escaped, no circular check: JSONEncoder.encode
# makes one per call (a 10-attribute item's text 5.4 -> 4.7 us in a hot loop).
_encode_attrs = json.encoder.c_make_encoder(None, _base64, json.encoder.encode_basestring, None,
                                            ":", ",", False, False, True)


def encode_attrs(attrs: dict) -> str:
    return "".join(_encode_attrs(attrs, 0))


def decode_attrs(text: str) -> dict:
    attrs = json.loads(text)
    # Compact JSON: a B or BS type (or an attribute so named) shows as `"B":` / `"BS":`; inside
    # a string value the quotes would be escaped.
    if '"B":' in text or '"BS":' in text:
        attrs = {name: _binary(value) for name, value in attrs.items()}
    return attrs


def _binary(value: dict) -> dict:
    """One attribute value with its B and BS values (at any depth) as bytes again."""
    (kind, v), = value.items()
    if kind == "B":
        return {"B": base64.b64decode(v)}
    if kind == "BS":
        return {"BS": [base64.b64decode(x) for x in v]}
    if kind == "M":
        return {"M": {k: _binary(x) for k, x in v.items()}}
    if kind == "L":
        return {"L": [_binary(x) for x in v]}
    return value


AttributeMap = Annotated[dict, FieldCodec(encode_attrs, decode_attrs)]


_scan_string = json.decoder.scanstring          # one JSON string, from after its opening quote
_scan_value = json.JSONDecoder().scan_once      # one JSON value, from its first character


def stored_attrs(cls: type, version: int, doc: str) -> tuple[str, int]:
    """The attributes' JSON text and the size of an Item or IndexItem from its stored document
    (`store.get_document`, `store.query(documents=True)`), without decoding the attributes."""
    meta = record_type(cls)
    if version == meta.version:
        # Only those two are read: the document holds the record's fields in order, the key
        # fields first (ids, names and base64: a `"attrs":"` cannot show in them), then the
        # attributes' text, then the size. Parsing whole documents cost a Query page twice this.
        text, end = _scan_string(doc, doc.index('"attrs":"') + 9)
        return text, _scan_value(doc, doc.index('"size":', end) + 7)[0]
    record = meta.decode(version, doc)
    return encode_attrs(record.attrs), record.size


def _attrs_as_text(data: dict) -> dict:
    """Version 1 stored attributes as an untyped field (tagged JSON); 2 as one JSON text."""
    return {**data, "attrs": encode_attrs(decode_untyped(data["attrs"]))}


@record("dynamodb.Table", scope=Scope.REGION, key=("name",))
@dataclass
class Table:
    account: str
    region: str
    name: str
    id: str                                    # TableId (a UUID), new per incarnation
    created: datetime
    key_schema: list[dict]                     # KeySchema as given: [{AttributeName, KeyType}]
    attribute_definitions: list[dict]          # AttributeDefinitions as given
    billing_mode: str = "PROVISIONED"          # PROVISIONED | PAY_PER_REQUEST
    provisioned: dict = field(default_factory=dict)     # ProvisionedThroughput (description form)
    on_demand: dict | None = None              # OnDemandThroughput
    # Index descriptions in DescribeTable's form (IndexName, KeySchema, Projection, IndexStatus,
    # ProvisionedThroughput, Backfilling, ...), without the counts (those come from TableStats).
    global_indexes: list[dict] = field(default_factory=list)
    local_indexes: list[dict] = field(default_factory=list)
    status: str = "ACTIVE"                     # CREATING | ACTIVE | UPDATING | DELETING ...
    stream: dict | None = None                 # StreamSpecification when enabled
    stream_label: str | None = None            # LatestStreamLabel (an ISO timestamp)
    ttl_attribute: str | None = None           # TimeToLiveSpecification.AttributeName when on
    ttl_status: str = "DISABLED"               # ENABLED | DISABLED (ENABLING/DISABLING not kept)
    deletion_protection: bool = False
    table_class: str = "STANDARD"              # STANDARD | STANDARD_INFREQUENT_ACCESS
    table_class_given: bool = False            # set by CreateTable or UpdateTable: always shown
    table_class_changed: datetime | None = None  # TableClassSummary.LastUpdateDateTime
    warm: dict | None = None                   # WarmThroughput a request configured
    sse: dict | None = None                    # SSEDescription when set
    pitr: bool = False                         # point-in-time recovery
    pitr_since: datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)
    policy: str | None = None                  # resource-based policy (JSON)
    policy_revision: str | None = None
    restored_from: dict | None = None          # RestoreSummary
    last_decrease: datetime | None = None
    decreases_today: int = 0
    last_increase: datetime | None = None
    billing_changed: datetime | None = None    # LastUpdateToPayPerRequestDateTime
    ttl_changed: datetime | None = None        # the last UpdateTimeToLive (one an hour)
    pitr_recovery_days: int = 35

    @property
    def arn(self) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account}:table/{self.name}"

    # worked out once per decoded table (a table's key schema never changes): every item call
    # asks for them several times
    @cached_property
    def hash_key(self) -> str:
        return next(k["AttributeName"] for k in self.key_schema if k["KeyType"] == "HASH")

    @cached_property
    def range_key(self) -> str | None:
        return next((k["AttributeName"] for k in self.key_schema if k["KeyType"] == "RANGE"), None)

    @cached_property
    def key_types(self) -> tuple[tuple[str, str], ...]:
        """(name, declared type) of each key attribute, the hash key first."""
        return tuple((name, self.attribute_type(name)) for name in (self.hash_key, self.range_key)
                     if name)

    def attribute_type(self, name: str) -> str | None:
        """The declared type (S, N, B) of a key attribute."""
        return next((d["AttributeType"] for d in self.attribute_definitions
                     if d["AttributeName"] == name), None)


@record("dynamodb.TableStats", scope=Scope.REGION, key=("table_id",))
@dataclass
class TableStats:
    """ItemCount and TableSizeBytes of a table and of each index, exact at every read (AWS
    refreshes them about every six hours; exact values are within what it promises). Writes
    since the last flush are counted in memory (table_stats.py)."""
    account: str
    region: str
    table_id: str
    items: int = 0
    size: int = 0
    indexes: dict[str, list[int]] = field(default_factory=dict)   # index -> [items, bytes]
    unflushed: int = 0       # the token of the process whose writes are not all stored here


@record("dynamodb.Item", scope=Scope.REGION, key=("table_id", "pk", "sk"), version=2,
        migrations={1: _attrs_as_text})
@dataclass
class Item:
    account: str
    region: str
    table_id: str
    pk: bytes
    sk: bytes
    attrs: AttributeMap                        # the item, attribute name -> AttributeValue
    size: int = 0                              # values.item_size(attrs)


@record("dynamodb.IndexItem", scope=Scope.REGION,
        key=("table_id", "index", "ipk", "isk", "pk", "sk"), version=2,
        migrations={1: _attrs_as_text})
@dataclass
class IndexItem:
    """An item as a secondary index holds it: its projected attributes (always with the table's
    and the index's keys)."""
    account: str
    region: str
    table_id: str
    index: str
    ipk: bytes
    isk: bytes
    pk: bytes
    sk: bytes
    attrs: AttributeMap
    size: int = 0


# -- streams, TTL, backups (services/dynamodb/streams.py, ttl.py, backups.py) -------------------
@record("dynamodb.Stream", scope=Scope.REGION, key=("table", "label"))
@dataclass
class Stream:
    """One stream of a table: each enabling makes a new one (a new label). A disabled stream stays
    readable, its one shard closed, until its records age out (24 hours)."""
    account: str
    region: str
    table: str                                 # table name
    label: str                                 # StreamLabel (an ISO timestamp)
    table_id: str
    view_type: str
    created: datetime
    key_schema: list[dict] = field(default_factory=list)
    enabled: bool = True
    disabled: datetime | None = None
    first_seq: int = 0                         # the shard's StartingSequenceNumber
    next_seq: int = 0                          # the next record's sequence number
    trimmed: int = 0                           # records up to this sequence number were dropped
    policy: str | None = None                  # resource-based policy (JSON)
    policy_revision: str | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account}:table/{self.table}/stream/{self.label}"


@record("dynamodb.StreamRecord", scope=Scope.REGION, key=("stream", "seq"))
@dataclass
class StreamRecord:
    """A change record, keyed by its stream ("table/label") and sequence number, so GetRecords
    reads a range."""
    account: str
    region: str
    stream: str
    seq: int
    event_id: str
    event_name: str                            # INSERT | MODIFY | REMOVE
    created: datetime
    dynamodb: dict                             # Keys, NewImage, OldImage, SizeBytes, ...
    service: bool = False                      # a TTL deletion


@record("dynamodb.TtlEntry", scope=Scope.GLOBAL,
        key=("expires", "account", "region", "table_id", "pk", "sk"), indexes=("table_id",))
@dataclass
class TtlEntry:
    """An item with a TTL value, keyed by its expiry (epoch seconds) first, so the sweep reads
    only what is due, across accounts and regions."""
    expires: int
    account: str
    region: str
    table_id: str
    pk: bytes
    sk: bytes
    table: str = ""                            # table name


@record("dynamodb.Backup", scope=Scope.REGION, key=("arn",))
@dataclass
class Backup:
    account: str
    region: str
    arn: str
    name: str
    table: dict                                # SourceTableDetails
    features: dict                             # SourceTableFeatureDetails
    created: datetime
    size: int = 0
    items: int = 0
    backup_type: str = "USER"
    status: str = "AVAILABLE"
    source: dict = field(default_factory=dict)  # the Table record's schema fields, for restores


@record("dynamodb.BackupItem", scope=Scope.REGION, key=("backup", "pk", "sk"))
@dataclass
class BackupItem:
    account: str
    region: str
    backup: str                                # the backup's ARN
    pk: bytes
    sk: bytes
    attrs: dict


@record("dynamodb.Export", scope=Scope.REGION, key=("arn",))
@dataclass
class Export:
    """An ExportTableToPointInTime run: its ExportDescription, as DescribeExport answers it."""
    account: str
    region: str
    arn: str
    table_arn: str
    description: dict
    client_token: str | None = None
