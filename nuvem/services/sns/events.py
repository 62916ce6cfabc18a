"""SNS's events (cheap to import: the runtime subscribes their handlers at start).

Publish fans out itself (delivery.fan_out_in_publish), or for a big topic commits a `Published`
whose handler (delivery.fan_out) does it: the topic's subscriptions are matched, SQS queues sent
to at once, and one `Delivery` committed per other match (or failed send), so each is delivered,
retried with backoff and dead-lettered on its own: a down endpoint never holds back the others.
`ConfirmationRequested` sends the SubscriptionConfirmation message of an http/https/email
subscription (or of another account's SQS queue), `UnsubscribeConfirmationRequested` the UnsubscribeConfirmation message of an
http/https subscription that was removed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from nuvem.core.events import event


@dataclass
class Message:
    account: str                 # the topic's account, region and name
    region: str
    topic: str
    message_id: str
    message: str
    timestamp: str               # ISO 8601 with milliseconds, as SNS writes it
    subject: str | None = None
    structure: str | None = None           # "json": a message per protocol
    attributes: dict = field(default_factory=dict)     # as Publish takes them
    group_id: str | None = None
    dedup_id: str | None = None
    sequence: str | None = None
    trace_header: str | None = None         # Publish's X-Amzn-Trace-Id, passed on to SQS


@event("sns.Published")
class Published:
    message: Message


@event("sns.Delivery")
class Delivery:
    subscription: str            # the id at the end of the subscription ARN ("" for `phone`)
    message: Message
    phone: str | None = None     # Publish straight to a PhoneNumber: an SMS, captured


@event("sns.ConfirmationRequested")
class ConfirmationRequested:
    account: str
    region: str
    topic: str
    subscription: str
    token: str
    message_id: str
    timestamp: str


@event("sns.UnsubscribeConfirmationRequested")
class UnsubscribeConfirmationRequested:
    account: str
    region: str
    topic: str
    token: str                   # the sns.Unsubscribed record's key
    message_id: str
    timestamp: str
