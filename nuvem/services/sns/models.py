"""SNS records: topics, subscriptions, and the key pair Nuvem signs messages with."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from nuvem.store import Scope, record


def partition(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else \
        "aws-us-gov" if region.startswith("us-gov-") else "aws"


@record("sns.Topic", scope=Scope.REGION, key=("name",))
@dataclass
class Topic:
    account: str
    region: str
    name: str
    attributes: dict[str, str] = field(default_factory=dict)   # the settable ones, as set
    data_protection_policy: str | None = None
    created: datetime | None = None
    sequence: int = 0                # the last FIFO SequenceNumber handed out

    @property
    def arn(self) -> str:
        return f"arn:{partition(self.region)}:sns:{self.region}:{self.account}:{self.name}"

    @property
    def fifo(self) -> bool:
        return self.attributes.get("FifoTopic", "false").lower() == "true"


@record("sns.Subscription", scope=Scope.REGION, key=("topic", "id"), indexes=("token",))
@dataclass
class Subscription:
    account: str                     # the topic's account and region
    region: str
    topic: str                       # the topic's name
    id: str                          # the uuid at the end of the subscription ARN
    protocol: str
    endpoint: str
    owner: str                       # the subscriber's account
    attributes: dict[str, str] = field(default_factory=dict)
    confirmed: bool = False
    token: str | None = None         # the confirmation token while pending
    token_sent: datetime | None = None
    created: datetime | None = None
    principal: str | None = None     # who subscribed it (SubscriptionPrincipal); None: the root

    @property
    def topic_arn(self) -> str:
        return f"arn:{partition(self.region)}:sns:{self.region}:{self.account}:{self.topic}"

    @property
    def arn(self) -> str:
        return f"{self.topic_arn}:{self.id}"


@record("sns.PlatformApplication", scope=Scope.REGION, key=("platform", "name"))
@dataclass
class PlatformApplication:
    """A mobile push application (APNS, GCM/FCM, ADM, ...). Its credentials are kept, never
    checked with the push service, and never shown again (as in SNS)."""
    account: str
    region: str
    platform: str
    name: str
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return (f"arn:{partition(self.region)}:sns:{self.region}:{self.account}:"
                f"app/{self.platform}/{self.name}")


@record("sns.PlatformEndpoint", scope=Scope.REGION, key=("platform", "application", "id"))
@dataclass
class PlatformEndpoint:
    """A device of a platform application: its attributes hold Token, Enabled and
    CustomUserData."""
    account: str
    region: str
    platform: str
    application: str                 # the application's name
    id: str
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return (f"arn:{partition(self.region)}:sns:{self.region}:{self.account}:"
                f"endpoint/{self.platform}/{self.application}/{self.id}")


@record("sns.SigningKey", scope=Scope.GLOBAL, key=("name",))
@dataclass
class SigningKey:
    """The RSA key Nuvem signs SNS messages with, and its self-signed certificate (PEM). Made
    once, on first use, and kept with the rest of the state."""
    name: str
    private_key: str
    certificate: str


@record("sns.Deduplication", scope=Scope.REGION, key=("topic", "dedup_id"))
@dataclass
class Deduplication:
    """A FIFO topic's deduplication id seen in the last five minutes, and what it answered."""
    account: str
    region: str
    topic: str
    dedup_id: str
    message_id: str
    sequence: str
    expires: datetime


@record("sns.FailedDelivery", scope=Scope.REGION, key=("topic", "subscription", "message_id"))
@dataclass
class FailedDelivery:
    """How many times delivering one message to one subscription has failed so far: when its
    delivery policy is exhausted the message goes to the subscription's RedrivePolicy
    dead-letter queue."""
    account: str
    region: str
    topic: str
    subscription: str
    message_id: str
    failures: int = 0


@record("sns.Unsubscribed", scope=Scope.REGION, key=("topic", "token"))
@dataclass
class Unsubscribed:
    """An HTTP/S subscription removed by Unsubscribe, kept for the three days the SubscribeURL
    of its UnsubscribeConfirmation message can restore it."""
    account: str
    region: str
    topic: str
    token: str
    subscription: Subscription
    at: datetime
