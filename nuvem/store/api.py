"""The store's contract: what services, the gateway and the event dispatcher may rely on.

Backend-neutral: every method here must be implementable on SQLite (`sqlite.py`, the default)
and later on PostgreSQL. Backend tricks stay inside the backend module.

Model
-----
A *record* is a dataclass declared with `@record(kind, scope=..., key=(...))` (see `records.py`).
Its storage key is its scope fields followed by its key fields:

    Scope.REGION   (account, region, *key)
    Scope.ACCOUNT  (account, *key)
    Scope.GLOBAL   (*key)

Key components are `str`, `int` (64-bit) or `bytes`. Records of one kind are kept in key order,
compared like Python tuples, through an order-preserving byte encoding (`records.encode_key`), so
a range scan reads only its range (S3 listing, DynamoDB sort keys).

Transactions
------------
    with store.tx() as tx:            # BEGIN IMMEDIATE ... COMMIT; writes serialize
        q = tx.get(Queue, account, region, "orders")
        q.visible = 3
        tx.put(q)
        tx.emit(QueueChanged(...))    # outbox row, committed (or rolled back) with the rest
    # committed and durable here, before the caller answers

An exception inside the block rolls everything back (records, tags, outbox rows) and propagates.
A `store.tx()` opened inside another on the same thread joins it as a savepoint: it commits with
the outer one, and an exception leaving it undoes only its own changes.
`store.read()` gives a consistent read-only snapshot that never blocks writers. Objects returned
by `get`/`query` are copies: change them, then `put` them. Iterators from `query`/`resources` must
be consumed inside their block.

Events
------
`tx.emit(event)` takes a dataclass whose class has an `event_type: ClassVar[str]` (see
`nuvem.core.events.event`). The `outbox_*` methods are for the dispatcher only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Protocol, TypeVar

if TYPE_CHECKING:
    from .blobs import BlobStore

R = TypeVar("R")
KeyPart = str | int | bytes


class StoreError(Exception):
    """Base class of store failures that are not programming errors."""


class FormatTooNew(StoreError):
    """The database (or one record) was written by a newer Nuvem: refuse rather than corrupt it."""


class MigrationMissing(StoreError):
    """A stored record is older than its class and no migration covers the gap."""


class Busy(StoreError):
    """`tx(wait=False)` found another transaction open: the caller may retry where blocking is
    fine (the gateway moves the call from the event loop to a worker thread)."""


class UnknownKind(StoreError):
    """A record kind met by ARN that no record class registered with this store declares."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall clock in UTC. Anything with `.now() -> datetime` can replace it (tests use a fake)."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


@dataclass
class Resource:
    """A row of the resources table: every stored record that has an ARN."""
    arn: str
    kind: str
    account: str | None
    region: str | None
    key: tuple[KeyPart, ...]          # the record's own key fields (without account/region)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class OutboxEntry:
    seq: int                          # commit order
    type: str                         # the event's `event_type`
    payload: str                      # JSON of the event dataclass
    created: datetime
    attempts: int                     # failed delivery rounds so far
    pending: tuple[str, ...] | None   # subscribers still owed the event; None = all


@dataclass
class OutboxRetry:
    seq: int
    attempts: int
    next_attempt: datetime
    pending: tuple[str, ...]
    error: str


@dataclass
class DeadLetter:
    seq: int
    type: str
    payload: str
    created: datetime
    failed: datetime
    attempts: int
    subscribers: tuple[str, ...]      # the subscribers that never accepted it
    error: str                        # the last error, with its traceback


class ReadView(Protocol):
    """Reads, shared by snapshots (`store.read()`) and transactions (`store.tx()`)."""

    def get(self, cls: type[R], *key: KeyPart) -> R | None:
        """The record of kind `cls` at its full storage key (scope fields first), or None."""

    def get_shared(self, cls: type[R], *key: KeyPart) -> R | None:
        """`get`, but the record may be the very instance other calls got for the same stored
        version of it: the caller must never change it. For the records a hot path only reads
        (a DynamoDB table on an item call): decoding one can cost more than the call's query."""

    def get_document(self, cls: type, *key: KeyPart) -> tuple[int, str] | None:
        """The stored version and JSON text of the record at a full storage key, undecoded (as
        `query(documents=True)` gives them), or None: a DynamoDB item sent as stored."""

    def query(self, cls: type[R], *, account: str | None = None, region: str | None = None,
              prefix: tuple[KeyPart, ...] = (), startswith: str | bytes | None = None,
              index: tuple[str, Any] | None = None,
              gt: tuple | None = None, ge: tuple | None = None,
              lt: tuple | None = None, le: tuple | None = None,
              start_after: tuple | None = None, limit: int | None = None,
              reverse: bool = False, fields: Iterable[str] | None = None,
              stored: Iterable[str] = (), positional: bool = False, documents: bool = False,
              shared: bool = False) -> Iterator[R]:
        """Records of kind `cls` in key order (descending if `reverse`).

        - `account` / `region`: the scope. Leaving them out lists across accounts or regions;
          then `prefix`, bounds and `start_after` are not allowed (they follow the scope).
        - `prefix`: leading key fields that must match exactly.
        - `startswith`: the key field after `prefix` starts with this string (S3 `Prefix`).
        - `index=(name, value)`: only records whose declared index `name` has `value`, still in
          key order.
        - `gt/ge/lt/le`: bounds on the key (after the scope), compared like Python tuples, so
          `le=("a",)` excludes `("a", 1)` and `gt=("a",)` includes it.
        - `start_after`: a key (after the scope) to resume after, in the scan direction.
        - `limit`: at most this many records.
        - `fields`: read only these fields of each record, for scans that need a few fields of
          many records (a listing page). Yields read-only named tuples (`<Class>Fields`) with
          one attribute per field, each value decoded exactly as in the whole record (records
          stored at an older version are migrated first), instead of records: no properties or
          methods, and nothing to `put` back. A backend may read whole documents anyway; the
          views are the same.
        - `stored`: some of `fields` whose views hold their stored JSON values instead, as the
          whole record's would encode (a datetime's `isoformat()` text), for a page that passes
          them on without decoding them (S3 listings' LastModified).
        - `positional`: with `fields`, the views may also be plain lists of the same values in
          the same order (as a page of summaries parses, with no tuple to make of each), for a
          page that reads them by position only.
        - `documents`: yield each record's stored `(version, JSON text)` instead, for a hot path
          that passes stored text on as it is (a DynamoDB page of items); a document at an older
          version than the class's must go through `record_type(cls).decode`.
        - `shared`: whole records as `get_shared` gives them, each possibly the instance other
          calls got for the same stored version: the caller must never change one. For records
          a hot path reads again and again unchanged (a topic's subscriptions on each publish).
        """

    def count(self, cls: type, *, account: str | None = None, region: str | None = None,
              prefix: tuple[KeyPart, ...] = (), startswith: str | bytes | None = None,
              index: tuple[str, Any] | None = None) -> int:
        """How many records `query` would yield with these filters."""

    def by_arn(self, arn: str) -> Any | None:
        """The record whose `arn` this is, or None."""

    def resource(self, arn: str) -> Resource | None:
        """The resources row for `arn`, with its tags, or None."""

    def resources(self, *, account: str | None = None, region: str | None = None,
                  kinds: Iterable[str] | None = None,
                  tags: Mapping[str, Iterable[str] | None] | None = None,
                  start_after: str | None = None, limit: int | None = None) -> Iterator[Resource]:
        """Resources in ARN order. `tags={"env": ["prod", "dev"], "team": None}` keeps resources
        that have `env` equal to one of those values AND any value of `team`."""

    def tags(self, arn: str) -> dict[str, str]:
        """Tags of a resource. KeyError if no record has this ARN."""


class Tx(ReadView, Protocol):
    """One transaction. Reads see its own writes. After a commit, `wrote` says whether it
    changed anything (callers drop caches only then)."""

    wrote: bool

    def put(self, record: Any) -> None:
        """Insert or replace the record at its key; keeps indexes, blob references and the
        resources row (for records with an `arn`) in step. Tags survive a replace."""

    def insert(self, record: Any) -> bool:
        """`put` unless a record is stored at its key already (that one is left as it is);
        returns whether it stored the record. A write that replaces only what it has read
        learns this way, without a read, that there was nothing to read (a new key)."""

    def delete(self, record_or_cls: Any, *key: KeyPart) -> bool:
        """Delete by record or by `(cls, *full_key)`. Also drops its resources row and tags.
        Returns whether a record was there."""

    def add(self, cls: type, *key: KeyPart, counts: Mapping[tuple, int]) -> None:
        """Add integers to a stored record's counters in place, without decoding it: `counts`
        maps a path into the record (a field, then dict keys or list positions) to the amount;
        a counter not stored yet counts as 0 (a missing list position is added only right past
        the list's end, so give a new list's counters in order, the first one non-zero). A missing record is first stored as its key makes
        it (its other fields at their defaults). For counters that every call changes (a
        DynamoDB table's item count); not for key, index, blob or summary fields."""

    def tag(self, arn: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite tags on a resource. KeyError if no record has this ARN."""

    def untag(self, arn: str, keys: Iterable[str]) -> None:
        """Remove tag keys (missing keys are ignored). KeyError if no record has this ARN."""

    def emit(self, event: Any) -> None:
        """Queue an event in the outbox, committed with this transaction."""

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` right after the outermost transaction commits, while its write lock
        is still held (so no other transaction sees the store between the commit and the
        callback); dropped if the transaction, or the savepoint it was given in, rolls back.
        For in-memory state that must move with what is committed; it must not raise or
        block."""


class Store(Protocol):
    blobs: "BlobStore"
    ephemeral: bool

    def tx(self, wait: bool = True) -> Tx:
        """A write transaction: use as a context manager. Nested on one thread: a savepoint.
        `wait=False`: raise Busy on entry instead of waiting for another transaction to end."""

    def read(self) -> ReadView:
        """A read-only snapshot: use as a context manager. Sees only committed data (not the
        open transaction of the same thread)."""

    def register(self, *classes: type) -> None:
        """Declare record classes, so `by_arn` can decode kinds this process has not touched."""

    def reset(self) -> None:
        """Wipe all state: records, resources, outbox, dead letters, blobs."""

    def close(self) -> None:
        """Close connections; an ephemeral store deletes its files. Idempotent."""

    def gc_blobs(self, *, grace: float = 600.0) -> int:
        """Delete blob files no record references and no writer touched in `grace` seconds."""

    # -- outbox, for the dispatcher -----------------------------------------------------------
    def add_emit_listener(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback()` after each commit that emitted events. Returns a remover."""

    def outbox_due(self, now: datetime, limit: int) -> list[OutboxEntry]:
        """Undelivered events whose next attempt is due, in commit order."""

    def outbox_next_due(self) -> datetime | None:
        """When the earliest undelivered event is due, or None if the outbox is empty."""

    def outbox_settle(self, *, done: Iterable[int] = (), retry: Iterable[OutboxRetry] = (),
                      dead: Iterable[DeadLetter] = ()) -> None:
        """Record a delivery round in one transaction: delete `done`, reschedule `retry`, move
        `dead` to the dead-letter table."""

    def outbox_size(self) -> int:
        """Events not yet delivered."""

    def dead_letters(self, *, limit: int = 100) -> list[DeadLetter]:
        """Dead-lettered events, oldest first."""
