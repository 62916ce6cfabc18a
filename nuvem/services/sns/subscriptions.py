"""Subscriptions: Subscribe, ConfirmSubscription, Unsubscribe, ListSubscriptions(ByTopic),
Get/SetSubscriptionAttributes.

sqs, lambda, sms and application subscriptions are confirmed at once; http/https and
email/email-json stay `PendingConfirmation` until the token sent in the SubscriptionConfirmation
message comes back (ConfirmSubscription, or a GET of its SubscribeURL, see admin.py). So does an
SQS queue of another account subscribed by someone outside it: "when the queue owner creates a
subscription, the subscription doesn't require confirmation"; otherwise the queue receives the
SubscriptionConfirmation message.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta

from nuvem.context import Call
from nuvem.services.sns import SERVICE
from nuvem.services.sns import platform, retries
from nuvem.services.sns.common import (dumps, json_failure, page, parse_topic_arn, subscription_of,
                                       subscriptions_of, topic_of)
from nuvem.services.sns.errors import InvalidParameter, NotFound, invalid
from nuvem.services.sns.events import ConfirmationRequested, UnsubscribeConfirmationRequested
from nuvem.services.sns.filters import FilterPolicyError, FilterScopeError
from nuvem.services.sns.filters import parse as parse_filter
from nuvem.services.sns.models import Subscription, Topic, Unsubscribed, partition

PROTOCOLS = ("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda",
             "firehose")
NEEDS_CONFIRMATION = ("http", "https", "email", "email-json")
RAW_PROTOCOLS = ("sqs", "http", "https", "firehose")
SETTABLE = ("DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery",
            "RedrivePolicy", "SubscriptionRoleArn", "ReplayPolicy")
TOKEN_LIFETIME = timedelta(days=3)     # "confirmation tokens are valid for three days"
_SQS_ARN = re.compile(r"arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?")
_LAMBDA_ARN = re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:.+)?")
# digits, single separators between them: SNS takes "+12/34-567.890", refuses "+15--551234567"
_PHONE = re.compile(r"\+?[0-9]+(?:[-./ ][0-9]+)*")
_TOKEN = re.compile(r"[0-9a-f]+")      # the form of the tokens SNS (and Nuvem) sends


def _check_endpoint(read, topic: Topic, protocol: str, endpoint: str) -> str:
    if protocol not in PROTOCOLS:
        raise invalid(f"Amazon SNS does not support this protocol string: {protocol}")
    bad = invalid("Endpoint must match the specified protocol")
    if protocol in ("http", "https"):
        if not endpoint.lower().startswith(protocol + "://") or len(endpoint) <= len(protocol) + 3:
            raise bad
    elif protocol in ("email", "email-json"):
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", endpoint):
            raise invalid("Email address")
    elif protocol == "sms":
        if not _PHONE.fullmatch(endpoint) or not 7 <= sum(c.isdigit() for c in endpoint) <= 15:
            raise InvalidParameter(f"Invalid SMS endpoint: {endpoint}")   # no "Invalid parameter: "
    elif protocol == "sqs":
        if not _SQS_ARN.fullmatch(endpoint):
            raise invalid("SQS endpoint ARN")
        if endpoint.endswith(".fifo") and not topic.fifo:
            raise invalid("Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be "
                          "subscribed to standard SNS topics")
    elif protocol == "lambda":
        if not _LAMBDA_ARN.fullmatch(endpoint):
            raise invalid("Lambda endpoint ARN")
    elif protocol in ("application", "firehose"):
        if not endpoint.startswith("arn:"):
            raise bad
        if ":endpoint/" in endpoint and platform.find_endpoint(read, endpoint, "Endpoint") is None:
            # SNS's wording, without a space before the ARN
            raise invalid(f"Endpoint Reason: Endpoint does not exist for endpoint arn{endpoint}")
    if topic.fifo and protocol not in ("sqs", "firehose"):
        raise invalid(f"Invalid protocol type: {protocol}")
    return endpoint


def _check_attributes(protocol: str, fifo: bool, attributes: dict,
                      current: dict | None = None) -> dict:
    """Subscribe's attributes (`current` None), or one SetSubscriptionAttributes change over
    `current`. Subscribe's messages say "Attributes Reason: ", SetSubscriptionAttributes' do not."""
    reason = "Attributes Reason: " if current is None else ""
    out = dict(current or {})
    for name, value in attributes.items():
        if name not in SETTABLE:
            raise invalid(f"Attributes Reason: Unknown attribute {name}" if current is None
                          else "AttributeName")
        if name == "RawMessageDelivery":
            if value.lower() not in ("true", "false"):
                raise invalid(f"{reason}RawMessageDelivery: Invalid value [{value}]. Must be true "
                              "or false.")
            if protocol not in RAW_PROTOCOLS and value.lower() == "true":
                raise invalid(f"{reason}Delivery protocol [{protocol}] does not support raw "
                              "message delivery.")
            value = value.lower()
        elif name == "FilterPolicyScope":
            if value not in ("MessageAttributes", "MessageBody"):
                raise invalid(f"{reason}FilterPolicyScope: Invalid value [{value}]. Please use "
                              "either MessageBody or MessageAttributes")
        elif name in ("DeliveryPolicy", "RedrivePolicy", "ReplayPolicy") and value:
            try:
                doc = json.loads(value)
            except ValueError as e:
                raise invalid(f"{reason}{name}: {json_failure(e)}") from None
            if name == "DeliveryPolicy":
                retries.check_subscription_policy(doc)
                value = dumps(retries.kept_subscription_policy(doc))
            if name == "RedrivePolicy" and not (isinstance(doc, dict) and
                                                 _SQS_ARN.fullmatch(doc.get("deadLetterTargetArn") or "")):
                raise invalid(f"{reason}RedrivePolicy: deadLetterTargetArn is an invalid arn")
            if name == "RedrivePolicy" and fifo and not doc["deadLetterTargetArn"].endswith(".fifo"):
                raise invalid(f"{reason}RedrivePolicy: must use a FIFO queue as DLQ for a FIFO "
                              "Subscription to a FIFO Topic.")
        out[name] = value
    scope = out.get("FilterPolicyScope", "MessageAttributes")
    if out.get("FilterPolicy"):
        try:
            if not parse_filter(out["FilterPolicy"], scope):
                out.pop("FilterPolicy")
        except FilterPolicyError as e:
            member = "" if isinstance(e, FilterScopeError) else "FilterPolicy: "
            raise invalid(f"{reason}{member}{e}") from None
    for name in [k for k, v in out.items() if v == ""]:
        out.pop(name)
    return out


# what a subscription without these attributes has
_DEFAULTS = {"RawMessageDelivery": "false", "FilterPolicyScope": "MessageAttributes"}


def _same_attributes(sub: Subscription, attributes: dict) -> bool:
    """Whether Subscribe's `attributes` are the subscription's: those the request leaves out
    are not compared, and a default matches an attribute never set."""
    return all(sub.attributes.get(k, _DEFAULTS.get(k)) == v for k, v in attributes.items())


def _needs_confirmation(ctx: Call, protocol: str, endpoint: str) -> bool:
    if protocol == "sqs":       # ARN: arn:aws:sqs:<region>:<account>:<name>
        return endpoint.split(":")[4] != ctx.account
    return protocol in NEEDS_CONFIRMATION


def _request_confirmation(ctx: Call, sub: Subscription) -> None:
    sub.token = ctx.ids.token_bytes(64).hex()
    sub.token_sent = ctx.now
    ctx.emit(ConfirmationRequested(account=sub.account, region=sub.region, topic=sub.topic,
                                   subscription=sub.id, token=sub.token,
                                   message_id=ctx.ids.uuid(), timestamp=timestamp(ctx.now)))


def timestamp(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@SERVICE.op("Subscribe")
def subscribe(ctx: Call, req: dict) -> dict:
    topic = topic_of(ctx, req["TopicArn"])
    protocol = (req.get("Protocol") or "").lower()
    endpoint = req.get("Endpoint") or ""
    _check_endpoint(ctx.store, topic, protocol, endpoint)
    attributes = _check_attributes(protocol, topic.fifo, dict(req.get("Attributes") or {}))
    for sub in subscriptions_of(ctx.store, topic):
        if sub.protocol == protocol and sub.endpoint == endpoint:
            if req.get("Attributes") and not _same_attributes(sub, attributes):
                raise invalid("Attributes Reason: Subscription already exists with different "
                              "attributes")
            if not sub.confirmed:
                if _needs_confirmation(ctx, protocol, endpoint):
                    _request_confirmation(ctx, sub)   # SNS sends the confirmation again
                else:                                 # the queue's owner subscribes it now
                    sub.confirmed, sub.token, sub.token_sent = True, None, None
                ctx.store.put(sub)
            return {"SubscriptionArn": sub.arn if sub.confirmed or req.get("ReturnSubscriptionArn")
                    else "pending confirmation"}
    owner = ctx.account
    sub = Subscription(account=topic.account, region=topic.region, topic=topic.name,
                       id=ctx.ids.uuid(), protocol=protocol, endpoint=endpoint, owner=owner,
                       attributes=attributes,
                       confirmed=not _needs_confirmation(ctx, protocol, endpoint),
                       created=ctx.now, principal=ctx.principal.arn if ctx.principal else None)
    if not sub.confirmed:
        _request_confirmation(ctx, sub)
    ctx.store.put(sub)
    if sub.confirmed or req.get("ReturnSubscriptionArn"):
        return {"SubscriptionArn": sub.arn}
    return {"SubscriptionArn": "pending confirmation"}


def confirm(ctx: Call, topic_arn: str, token: str) -> Subscription:
    """The subscription `token` confirms, now confirmed (ConfirmSubscription and the
    SubscribeURL link)."""
    if not _TOKEN.fullmatch(token):
        raise InvalidParameter("Invalid token")
    region, account, _ = parse_topic_arn(topic_arn, region=ctx.region)
    try:
        topic = topic_of(ctx, topic_arn)
    except NotFound:    # SNS goes by the token then: it confirms the subscription the token is for
        topic = None
    sub = next(ctx.store.query(Subscription, account=account, region=region,
                               index=("token", token), limit=1), None)
    if sub is None:
        if topic is None:
            raise invalid("Token")
        return _restore(ctx, topic, token)
    if topic is not None and sub.topic != topic.name:
        raise invalid("Token")
    if sub.token_sent is not None and ctx.now - sub.token_sent > TOKEN_LIFETIME:
        raise invalid("Token")
    if not sub.confirmed:
        sub.confirmed = True
        ctx.store.put(sub)
    return sub


@SERVICE.op("ConfirmSubscription")
def confirm_subscription(ctx: Call, req: dict) -> dict:
    sub = confirm(ctx, req["TopicArn"], req["Token"])
    if (req.get("AuthenticateOnUnsubscribe") or "").lower() == "true":
        sub.attributes["ConfirmationWasAuthenticated"] = "true"
        ctx.store.put(sub)
    return {"SubscriptionArn": sub.arn}


def _restore(ctx: Call, topic: Topic, token: str) -> Subscription:
    """The SubscribeURL of an UnsubscribeConfirmation: the removed subscription, back as it was
    (same ARN, confirmed), within the token's three days."""
    gone = ctx.store.get(Unsubscribed, topic.account, topic.region, topic.name, token)
    if gone is None or ctx.now - gone.at > TOKEN_LIFETIME:
        raise invalid("Token")
    ctx.store.delete(gone)
    sub = gone.subscription
    sub.confirmed, sub.token, sub.token_sent = True, None, None
    ctx.store.put(sub)
    return sub


@SERVICE.op("Unsubscribe")
def unsubscribe(ctx: Call, req: dict) -> dict:
    if req.get("SubscriptionArn") is None:      # SNS's words, not the front end's (extras/sns)
        raise invalid("SubscriptionArn Reason: no value for required parameter")
    try:
        sub = subscription_of(ctx, req["SubscriptionArn"])
    except NotFound:        # removed already: SNS answers a repeated Unsubscribe as the first
        return {}
    remove(ctx, sub)
    return {}


def remove(ctx: Call, sub: Subscription) -> None:
    """Unsubscribe (the operation and the UnsubscribeURL). An HTTP/S endpoint then gets an
    UnsubscribeConfirmation message, whose SubscribeURL restores the subscription ("HTTP/HTTPS
    unsubscribe confirmation JSON format")."""
    ctx.store.delete(sub)
    if sub.protocol in ("http", "https") and sub.confirmed:
        for gone in list(ctx.store.query(Unsubscribed, account=sub.account, region=sub.region,
                                         prefix=(sub.topic,))):
            if ctx.now - gone.at > TOKEN_LIFETIME:      # its link no longer restores anything
                ctx.store.delete(gone)
        token = ctx.ids.token_bytes(64).hex()
        ctx.store.put(Unsubscribed(account=sub.account, region=sub.region, topic=sub.topic,
                                   token=token, subscription=sub, at=ctx.now))
        ctx.emit(UnsubscribeConfirmationRequested(
            account=sub.account, region=sub.region, topic=sub.topic, token=token,
            message_id=ctx.ids.uuid(), timestamp=timestamp(ctx.now)))


def _summary(sub: Subscription) -> dict:
    return {"SubscriptionArn": sub.arn if sub.confirmed else "PendingConfirmation",
            "Owner": sub.owner, "Protocol": sub.protocol, "Endpoint": sub.endpoint,
            "TopicArn": sub.topic_arn}


def _sort_key(sub: dict) -> str:
    return sub["TopicArn"] + "\x00" + sub["_id"]


def _listing(subs: list[Subscription], req: dict) -> dict:
    items = [{**_summary(s), "_id": s.id} for s in subs]
    out = page(items, req, _sort_key, "Subscriptions")
    for item in out["Subscriptions"]:
        item.pop("_id")
    return out


@SERVICE.op("ListSubscriptions")
def list_subscriptions(ctx: Call, req: dict) -> dict:
    subs = [s for s in ctx.store.query(Subscription, account=ctx.account, region=ctx.region)]
    return _listing(subs, req)


@SERVICE.op("ListSubscriptionsByTopic")
def list_subscriptions_by_topic(ctx: Call, req: dict) -> dict:
    topic = topic_of(ctx, req["TopicArn"])
    return _listing(subscriptions_of(ctx.store, topic), req)


@SERVICE.op("GetSubscriptionAttributes")
def get_subscription_attributes(ctx: Call, req: dict) -> dict:
    sub = subscription_of(ctx, req["SubscriptionArn"])
    topic = ctx.store.get(Topic, sub.account, sub.region, sub.topic)
    out = {"SubscriptionArn": sub.arn, "TopicArn": sub.topic_arn, "Owner": sub.owner,
           "Protocol": sub.protocol, "Endpoint": sub.endpoint,
           "ConfirmationWasAuthenticated": sub.attributes.get("ConfirmationWasAuthenticated",
                                                              "true" if sub.confirmed else "false"),
           "PendingConfirmation": "false" if sub.confirmed else "true",
           "RawMessageDelivery": "false"}
    if sub.protocol in ("http", "https"):
        out["EffectiveDeliveryPolicy"] = dumps(retries.effective(topic, sub))
    out["SubscriptionPrincipal"] = (sub.principal or
                                    f"arn:{partition(sub.region)}:iam::{sub.owner}:root")
    out.update({k: v for k, v in sub.attributes.items() if k != "ConfirmationWasAuthenticated"})
    if "FilterPolicy" in out:
        out.setdefault("FilterPolicyScope", "MessageAttributes")
    else:       # the scope is listed with a filter policy only
        out.pop("FilterPolicyScope", None)
    return {"Attributes": out}


@SERVICE.op("SetSubscriptionAttributes")
def set_subscription_attributes(ctx: Call, req: dict) -> dict:
    sub = subscription_of(ctx, req["SubscriptionArn"])
    name = req["AttributeName"]
    if name not in SETTABLE:
        raise invalid("AttributeName")
    kept = {k: v for k, v in sub.attributes.items() if k == "ConfirmationWasAuthenticated"}
    rest = {k: v for k, v in sub.attributes.items() if k != "ConfirmationWasAuthenticated"}
    value = req.get("AttributeValue") or ""
    fifo = sub.topic.endswith(".fifo")     # only a FIFO topic's name ends so
    if name == "FilterPolicy" and not value:
        rest.pop("FilterPolicy", None)
        new = _check_attributes(sub.protocol, fifo, {}, rest)
    else:
        new = _check_attributes(sub.protocol, fifo, {name: value}, rest)
    sub.attributes = {**new, **kept}
    ctx.store.put(sub)
    return {}

