"""SQS records.

Messages are keyed `(queue_id, ready, seq)`: `ready` is when the message is next visible, in
microseconds since the epoch (its send time plus delay, or the end of its visibility timeout).
ReceiveMessage is then a range scan of the keys with `ready <= now`, in order, and a receive
re-puts the message under its new ready time with a new receipt nonce. A receipt handle carries
the queue id and that nonce, which is an index of the record, so DeleteMessage and
ChangeMessageVisibility find it by one index lookup: no operation's cost grows with the queue's
depth (GetQueueAttributes' Approximate* counts excepted). `queue_id` is new for every incarnation of a queue name, so a re-created queue
never sees the old one's messages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from nuvem.store.records import Scope, record


@record("sqs.Queue", scope=Scope.REGION, key=("name",))
@dataclass
class Queue:
    account: str
    region: str
    name: str
    id: str
    created: datetime
    modified: datetime
    attributes: dict[str, str] = field(default_factory=dict)
    seq: int = 0                               # last message sequence number
    purged_at: datetime | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account}:{self.name}"

    @property
    def fifo(self) -> bool:
        return self.attributes.get("FifoQueue") == "true"

    def int_attr(self, name: str) -> int:
        return int(self.attributes[name])

    @property
    def wait_key(self) -> str:
        """The long-poll waiters' key (core/waiters.py)."""
        return f"sqs/{self.account}/{self.region}/{self.id}"


@record("sqs.DeletedQueue", scope=Scope.REGION, key=("name",))
@dataclass
class DeletedQueue:
    """A queue name deleted recently: CreateQueue answers QueueDeletedRecently for 60 s."""
    account: str
    region: str
    name: str
    deleted: datetime


@record("sqs.Message", scope=Scope.REGION, key=("queue_id", "ready", "seq"), indexes=("receipt",))
@dataclass
class Message:
    account: str
    region: str
    queue_id: str
    ready: int                   # µs since the epoch when the message is (again) visible
    seq: int
    id: str                      # MessageId
    body: str
    md5_body: str
    sent: int                    # µs since the epoch (SentTimestamp)
    sender_id: str
    attributes: dict = field(default_factory=dict)         # MessageAttributes as sent
    md5_attributes: str | None = None
    system_attributes: dict = field(default_factory=dict)  # MessageSystemAttributes (AWSTraceHeader)
    md5_system: str | None = None
    receive_count: int = 0
    first_receive: int | None = None
    receipt: str | None = None   # nonce of the latest receive (receipt handles find it by index)
    received: int | None = None  # µs of the latest receive (the 12-hour visibility cap)
    group_id: str | None = None
    dedup_id: str | None = None
    sequence_number: str | None = None
    dead_letter_source: str | None = None


@record("sqs.Dedup", scope=Scope.REGION, key=("queue_id", "dedup_key"))
@dataclass
class Dedup:
    """A FIFO deduplication id seen in the last 5 minutes, with what its send answered."""
    account: str
    region: str
    queue_id: str
    dedup_key: str               # the id, prefixed by the group when DeduplicationScope=messageGroup
    expires: datetime
    message_id: str
    sequence_number: str


@record("sqs.ReceiveAttempt", scope=Scope.REGION, key=("queue_id", "attempt_id"))
@dataclass
class ReceiveAttempt:
    """A FIFO ReceiveRequestAttemptId: a retry within 5 minutes gets the same messages."""
    account: str
    region: str
    queue_id: str
    attempt_id: str
    expires: datetime
    handles: list[str] = field(default_factory=list)


@record("sqs.MoveTask", scope=Scope.REGION, key=("source", "handle"))
@dataclass
class MoveTask:
    account: str
    region: str
    source: str                  # SourceArn (the dead-letter queue)
    handle: str                  # TaskHandle
    destination: str | None
    started: int                 # ms
    status: str                  # RUNNING, COMPLETED, CANCELLED, FAILED
    moved: int = 0
    to_move: int = 0
    rate: int | None = None            # MaxNumberOfMessagesPerSecond; None: all at once
    failure: str | None = None         # FailureReason of a FAILED task
