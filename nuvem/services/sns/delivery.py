"""Delivery: the event handlers that fan a published message out and deliver it.

`fan_out_in_publish` (in Publish's transaction) or `fan_out` (on `Published`, for a big topic)
matches the topic's confirmed subscriptions against their filter policies, sends to SQS queues at
once and commits one `Delivery` per other match. `deliver` (on `Delivery`) delivers to one
subscription: sqs through the internal client as sns.amazonaws.com (the queue policy decides),
http/https as a real POST of the signed JSON envelope, email/email-json into the mailbox (or the
SMTP relay), sms captured in the mailbox. A failed delivery is retried when the subscription's
delivery policy says (retries.py), then redriven to its dead-letter queue; other deliveries go on
meanwhile.
`confirm` (on `ConfirmationRequested`) sends the SubscriptionConfirmation message (to an
endpoint, a mailbox, or another account's queue),
`confirm_unsubscribe` an HTTP/S endpoint's UnsubscribeConfirmation.
"""
from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

from nuvem.core.events import GiveUp, RetryAfter
from nuvem.core.internal import service_principal
from nuvem.errors import AwsError
from nuvem.services.sns import filters, retries, signing
from nuvem.services.sns.events import (ConfirmationRequested, Delivery, Message, Published,
                                      UnsubscribeConfirmationRequested)
from nuvem.services.sns.models import (FailedDelivery, Subscription, Topic, Unsubscribed,
                                      partition)

log = logging.getLogger("nuvem.sns")

HTTP_TIMEOUT = 15.0       # seconds SNS waits for an HTTP/S endpoint
USER_AGENT = "Amazon Simple Notification Service Agent"
SENDER = "no-reply@sns.amazonaws.com"
CONFIRM_PATH = "/_nuvem/sns/confirm"
UNSUBSCRIBE_PATH = "/_nuvem/sns/unsubscribe"


def topic_arn(account: str, region: str, name: str) -> str:
    return f"arn:{partition(region)}:sns:{region}:{account}:{name}"


# Subscriptions a Publish fans out to itself; a topic with more leaves it to a `Published`
# event, so a publish to a big topic answers without waiting for its deliveries.
PUBLISH_FANS_OUT = 100


def fan_out(runtime, event: Published) -> None:
    """SQS subscriptions are delivered here at once, all in this one transaction (each send a
    savepoint of it): a local queue never hangs, and a publish then costs one commit instead of
    an outbox event, a read and a commit per subscription. A send that fails (no such queue, the
    queue policy denies) is undone and leaves a `Delivery`, which the dispatcher retries on its
    own (its attempts and the redrive policy as for any delivery). The other protocols always
    go through a `Delivery`."""
    m = event.message
    with runtime.store.tx() as tx:
        subs = list(tx.query(Subscription, account=m.account, region=m.region,
                             prefix=(m.topic,)))
        _fan_out(runtime, tx, None, subs, m)


def fan_out_in_publish(ctx, topic: Topic, m: Message) -> bool:
    """What `fan_out` does, done by Publish itself in its own transaction (a savepoint of it):
    the publish then needs no outbox event, dispatcher round and second commit, and its
    deliveries commit with it. False, with nothing done: a topic with more than
    PUBLISH_FANS_OUT subscriptions, or a fan-out that failed; the caller emits `Published`."""
    # shared: read on every publish and never changed by a fan-out
    subs = list(ctx.store.query(Subscription, account=m.account, region=m.region,
                                prefix=(m.topic,), limit=PUBLISH_FANS_OUT + 1, shared=True))
    if len(subs) > PUBLISH_FANS_OUT:
        return False
    try:
        with ctx.runtime.store.tx() as tx:
            _fan_out(ctx.runtime, tx, topic, subs, m)
    except Exception:
        log.warning("sns: fan-out of %s in Publish failed; left to the dispatcher",
                    m.message_id, exc_info=True)
        return False
    return True


def _fan_out(runtime, tx, topic: Topic | None, subs: list, m: Message) -> None:
    subs = [sub for sub in subs if sub.confirmed and _passes(sub, m)]
    if subs and topic is None:
        topic = tx.get(Topic, m.account, m.region, m.topic)
    envelopes = _Envelopes(runtime, topic, m)
    batch: dict = {}      # the deliveries' shared authorization work (Call.batch)
    for sub in subs:
        if topic is not None and sub.protocol == "sqs" and \
                _sqs_now(runtime, topic, sub, m, envelopes, batch):
            continue
        tx.emit(Delivery(subscription=sub.id, message=m))


class _Envelopes:
    """One publish's JSON envelope for its SQS subscriptions, serialized once: they differ only
    in the UnsubscribeURL, put in place of a placeholder no message can contain."""

    def __init__(self, runtime, topic: Topic | None, m: Message):
        self.runtime, self.topic, self.m = runtime, topic, m
        self._template: tuple[str, str] | None = None

    def text(self, sub: Subscription) -> str:
        if self._template is None:
            placeholder = json.dumps("\x00" + self.runtime.ids.uuid())
            envelope = notification(self.runtime, self.topic, sub, self.m)
            envelope["UnsubscribeURL"] = json.loads(placeholder)
            self._template = (json.dumps(envelope, indent=2), placeholder)
        template, placeholder = self._template
        return template.replace(placeholder, _unsubscribe_json(self.runtime, sub), 1)


_URLS_KEPT = 4096


def _unsubscribe_json(runtime, sub: Subscription) -> str:
    """The UnsubscribeURL as JSON text, kept per subscription on the runtime: quoting the ARN
    costs more than the rest of a subscription's envelope, and every publish needs it again."""
    urls = runtime.caches.get("sns.unsubscribe")
    if urls is None:
        urls = runtime.caches["sns.unsubscribe"] = {}
    text = urls.get(sub.arn)
    if text is None:
        if len(urls) >= _URLS_KEPT:
            urls.clear()
        text = urls[sub.arn] = json.dumps(unsubscribe_url(runtime, sub))
    return text


def _sqs_now(runtime, topic: Topic, sub: Subscription, m: Message,
             envelopes: _Envelopes, batch: dict) -> bool:
    """Deliver to an SQS subscription inside `fan_out`; False: leave it to a `Delivery`."""
    try:
        if _raw(sub):
            _sqs(runtime, topic, sub, m, batch)
        else:       # its own savepoint: a failed send leaves no trace
            _send_to_queue(runtime, topic, sub.endpoint, envelopes.text(sub), m, batch=batch)
        return True
    except Exception:
        log.info("sns: delivery of %s to %s failed; left to a Delivery event (its delivery "
                 "policy decides)", m.message_id, sub.arn, exc_info=True)
        return False


def _passes(sub: Subscription, m: Message) -> bool:
    text = sub.attributes.get("FilterPolicy")
    if not text:
        return True
    try:
        policy = json.loads(text)
    except ValueError:
        return False
    scope = sub.attributes.get("FilterPolicyScope", "MessageAttributes")
    body = _text_for(m, sub.protocol) if scope == "MessageBody" else None
    return filters.matches(policy, attributes=m.attributes, body=body, scope=scope)


def _text_for(m: Message, protocol: str) -> str:
    """The message a protocol gets: with MessageStructure json, its own entry (if a string) or
    `default`."""
    if m.structure != "json":
        return m.message
    doc = json.loads(m.message)
    entry = doc.get(protocol)
    return entry if isinstance(entry, str) else doc["default"]


def deliver(runtime, event: Delivery) -> None:
    m = event.message
    if event.phone is not None:
        _sms(runtime, event.phone, m)
        return
    with runtime.store.read() as read:
        sub = read.get(Subscription, m.account, m.region, m.topic, event.subscription)
        topic = read.get(Topic, m.account, m.region, m.topic)
    if sub is None or topic is None or not sub.confirmed:
        log.info("sns: subscription %s is gone; message %s not delivered", event.subscription,
                 m.message_id)
        return
    try:
        if sub.protocol == "sqs":
            _sqs(runtime, topic, sub, m)
        elif sub.protocol in ("http", "https"):
            _http(runtime, topic, sub, notification(runtime, topic, sub, m), m)
        elif sub.protocol in ("email", "email-json"):
            _email(runtime, topic, sub, m)
        elif sub.protocol == "sms":
            _sms(runtime, sub.endpoint, m, topic)
        else:   # lambda (until Lambda exists), application, firehose: stored only
            log.info("sns: %s delivery not emulated; message %s to %s dropped", sub.protocol,
                     m.message_id, sub.endpoint)
    except Exception as error:
        _failed(runtime, topic, sub, m, error)
        return
    _forget_failures(runtime, sub, m)


def _failed(runtime, topic: Topic, sub: Subscription, m: Message, error: Exception) -> None:
    """Counts a failed attempt and raises RetryAfter with the delay the subscription's
    delivery policy gives the next retry (retries.py). A client-side error (the queue is gone,
    its policy refuses SNS: an AWS error with a 4xx status) is not retried, as SNS does not.
    Then, or once the policy is exhausted, a subscription with a RedrivePolicy gets the message
    in its dead-letter queue; without one SNS discards it, and Nuvem dead-letters the event
    (GiveUp) so that it can be seen."""
    with runtime.store.tx() as tx:
        record = tx.get(FailedDelivery, sub.account, sub.region, sub.topic, sub.id,
                        m.message_id) or FailedDelivery(account=sub.account, region=sub.region,
                                                        topic=sub.topic, subscription=sub.id,
                                                        message_id=m.message_id)
        record.failures += 1
        client_side = isinstance(error, AwsError) and error.status < 500
        delay = None if client_side else retries.policy_for(topic, sub).delay(record.failures)
        if delay is None:
            tx.delete(record)
        else:
            tx.put(record)
    if delay is not None:
        raise RetryAfter(timedelta(seconds=delay), f"delivery to {sub.arn} failed ({error}); "
                         f"retry {record.failures} in {delay:g} s") from error
    redrive = sub.attributes.get("RedrivePolicy")
    if not redrive:
        raise GiveUp(f"delivery of {m.message_id} to {sub.arn} failed {record.failures} "
                     f"time(s); discarded (no RedrivePolicy): {error}") from error
    target = json.loads(redrive)["deadLetterTargetArn"]
    log.warning("sns: message %s to %s failed %d time(s); moved to %s", m.message_id, sub.arn,
                record.failures, target)
    _sqs(runtime, topic, sub, m, queue=target)


def _forget_failures(runtime, sub: Subscription, m: Message) -> None:
    with runtime.store.read() as read:
        found = read.get(FailedDelivery, sub.account, sub.region, sub.topic, sub.id, m.message_id)
    if found is not None:
        with runtime.store.tx() as tx:
            tx.delete(found)


# SNS writes the ARNs in its links as they are, colons unescaped
def unsubscribe_url(runtime, sub: Subscription) -> str:
    return (runtime.config.endpoint + UNSUBSCRIBE_PATH + "?Action=Unsubscribe&SubscriptionArn=" +
            urllib.parse.quote(sub.arn, safe=":"))


def subscribe_url(runtime, sub: Subscription, token: str) -> str:
    return (runtime.config.endpoint + CONFIRM_PATH + "?Action=ConfirmSubscription&TopicArn=" +
            urllib.parse.quote(sub.topic_arn, safe=":") + "&Token=" + urllib.parse.quote(token))


def notification(runtime, topic: Topic, sub: Subscription, m: Message) -> dict:
    """The JSON envelope of a Notification, in the order SNS writes its fields; signed, but for
    a FIFO topic's (SNS sends those unsigned)."""
    out: dict = {"Type": "Notification", "MessageId": m.message_id}
    if m.sequence is not None:
        out["SequenceNumber"] = m.sequence
    out["TopicArn"] = topic.arn
    if m.subject is not None:
        out["Subject"] = m.subject
    out["Message"] = _text_for(m, sub.protocol)
    out["Timestamp"] = m.timestamp
    if m.sequence is None:
        signing.sign(runtime, out, topic.attributes.get("SignatureVersion", "1"))
    out["UnsubscribeURL"] = unsubscribe_url(runtime, sub)
    if m.attributes:
        out["MessageAttributes"] = {
            name: {"Type": a["DataType"], "Value": a.get("StringValue", a.get("BinaryValue"))}
            for name, a in m.attributes.items()}
    return out


def _raw(sub: Subscription) -> bool:
    return sub.attributes.get("RawMessageDelivery") == "true"


def _sqs(runtime, topic: Topic, sub: Subscription, m: Message, batch: dict | None = None,
         queue: str | None = None) -> None:
    """To the subscription's queue, or to `queue` (its dead-letter queue, which gets what the
    endpoint would: a raw subscription's message with its attributes, else the envelope)."""
    queue = queue or sub.endpoint
    if _raw(sub):
        _send_to_queue(runtime, topic, queue, _text_for(m, sub.protocol), m, attributes=True,
                       batch=batch)
    else:
        _send_to_queue(runtime, topic, queue,
                       json.dumps(notification(runtime, topic, sub, m), indent=2), m)


def _send_to_queue(runtime, topic: Topic, queue_arn: str, body: str, m: Message,
                   attributes: bool = False, batch: dict | None = None) -> None:
    parts = queue_arn.split(":")
    region, account, name = parts[3], parts[4], parts[5]
    params: dict = {"QueueUrl": f"{runtime.config.endpoint}/{account}/{name}",
                    "MessageBody": body}
    if attributes and m.attributes:
        params["MessageAttributes"] = {
            n: ({"DataType": a["DataType"], "StringValue": a["StringValue"]}
                if "StringValue" in a else
                {"DataType": a["DataType"], "BinaryValue": base64.b64decode(a["BinaryValue"])})
            for n, a in m.attributes.items()}
    if name.endswith(".fifo"):
        params["MessageGroupId"] = m.group_id or "default"
        params["MessageDeduplicationId"] = m.dedup_id or m.message_id
    elif m.group_id and not topic.fifo:
        # a standard topic passes a group to a standard (fair) queue; a FIFO topic does not
        params["MessageGroupId"] = m.group_id
    if m.trace_header:      # X-Ray propagation: the queue's message carries AWSTraceHeader
        params["MessageSystemAttributes"] = {"AWSTraceHeader": {
            "DataType": "String", "StringValue": m.trace_header}}
    runtime.internal.call("sqs", "SendMessage", params,
                          principal=service_principal("sns.amazonaws.com"), account=account,
                          region=region, source_arn=topic.arn, source_account=topic.account,
                          validated=True, batch=batch)


def _post(url: str, body: str, headers: dict) -> int:
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "User-Agent": USER_AGENT, "Accept-Encoding": "gzip,deflate", **headers})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def _http(runtime, topic: Topic, sub: Subscription, envelope: dict, m: Message | None,
          kind: str = "Notification") -> None:
    headers = {"Content-Type": retries.content_type(topic, sub),
               "x-amz-sns-message-type": kind, "x-amz-sns-message-id": envelope["MessageId"],
               "x-amz-sns-topic-arn": envelope["TopicArn"]}
    if kind != "SubscriptionConfirmation":      # Notification, UnsubscribeConfirmation
        headers["x-amz-sns-subscription-arn"] = sub.arn
    if kind == "Notification" and _raw(sub):
        headers["x-amz-sns-rawdelivery"] = "true"
        body = envelope["Message"]
    else:
        body = json.dumps(envelope, indent=2)
    status = _post(sub.endpoint, body, headers)
    # "Amazon SNS considers HTTP status codes 200–499 as successful deliveries" for retry
    # purposes: only 5xx and connection failures are retried (Amazon SNS message delivery retries)
    if status >= 500:
        raise RuntimeError(f"{sub.endpoint} answered HTTP {status}")
    if status >= 300:
        log.warning("sns: %s answered HTTP %d to %s; not retried", sub.endpoint, status, kind)


def _display_name(topic: Topic) -> str:
    return topic.attributes.get("DisplayName") or "AWS Notifications"


def _email(runtime, topic: Topic, sub: Subscription, m: Message) -> None:
    from nuvem.engines import mail
    if sub.protocol == "email-json":
        body = json.dumps(notification(runtime, topic, sub, m), indent=2)
    else:
        body = (f"{_text_for(m, 'email')}\n\n--\nIf you wish to stop receiving notifications "
                f"from this topic, please click or visit the link below to unsubscribe:\n"
                f"{unsubscribe_url(runtime, sub)}\n")
    mail.send(runtime, sender=f"{_display_name(topic)} <{SENDER}>", to=[sub.endpoint],
              subject=m.subject or "AWS Notification Message",
              body=body, headers={"X-Amz-Sns-Topic-Arn": topic.arn,
                                  "X-Amz-Sns-Message-Id": m.message_id})


def _sms(runtime, phone: str, m: Message, topic: Topic | None = None) -> None:
    from nuvem.engines import mail
    text = _text_for(m, "sms")
    name = topic.attributes.get("DisplayName") if topic else None
    mail.send(runtime, sender=name or "AWS SMS", to=[phone], subject="", channel="sms",
              body=f"{name}> {text}" if name else text,
              headers={"X-Amz-Sns-Message-Id": m.message_id})


def confirm(runtime, event: ConfirmationRequested) -> None:
    with runtime.store.read() as read:
        sub = read.get(Subscription, event.account, event.region, event.topic, event.subscription)
        topic = read.get(Topic, event.account, event.region, event.topic)
    if sub is None or topic is None or sub.confirmed or sub.token != event.token:
        return      # confirmed, unsubscribed or asked again since: nothing to send
    url = subscribe_url(runtime, sub, event.token)
    text = (f"You have chosen to subscribe to the topic {topic.arn}.\nTo confirm the "
            "subscription, visit the SubscribeURL included in this message.")
    envelope = {"Type": "SubscriptionConfirmation", "MessageId": event.message_id,
                "Token": event.token, "TopicArn": topic.arn, "Message": text,
                "SubscribeURL": url, "Timestamp": event.timestamp}
    signing.sign(runtime, envelope, topic.attributes.get("SignatureVersion", "1"))
    if sub.protocol in ("http", "https"):
        _http(runtime, topic, sub, envelope, None, kind="SubscriptionConfirmation")
        return
    if sub.protocol == "sqs":   # a queue of another account: its owner confirms
        _send_to_queue(runtime, topic, sub.endpoint, json.dumps(envelope, indent=2),
                       Message(account=topic.account, region=topic.region, topic=topic.name,
                               message_id=event.message_id, message=text,
                               timestamp=event.timestamp))
        return
    from nuvem.engines import mail
    if sub.protocol == "email-json":
        body = json.dumps(envelope, indent=2)
    else:
        body = (f"You have chosen to subscribe to the topic: \n{topic.arn}\n\nTo confirm this "
                "subscription, click or visit the link below (If this was in error no action is "
                f"necessary): \nConfirm subscription: {url}\n")
    mail.send(runtime, sender=f"{_display_name(topic)} <{SENDER}>", to=[sub.endpoint],
              subject="AWS Notification - Subscription Confirmation", body=body,
              headers={"X-Amz-Sns-Topic-Arn": topic.arn})


def confirm_unsubscribe(runtime, event: UnsubscribeConfirmationRequested) -> None:
    with runtime.store.read() as read:
        gone = read.get(Unsubscribed, event.account, event.region, event.topic, event.token)
        topic = read.get(Topic, event.account, event.region, event.topic)
    if gone is None or topic is None:
        return      # restored since, or the topic is gone: nothing to send
    sub = gone.subscription
    envelope = {"Type": "UnsubscribeConfirmation", "MessageId": event.message_id,
                "Token": event.token, "TopicArn": topic.arn,
                "Message": f"You have chosen to deactivate subscription {sub.arn}.\nTo cancel "
                           "this operation and restore the subscription, visit the SubscribeURL "
                           "included in this message.",
                "SubscribeURL": subscribe_url(runtime, sub, event.token),
                "Timestamp": event.timestamp}
    signing.sign(runtime, envelope, topic.attributes.get("SignatureVersion", "1"))
    _http(runtime, topic, sub, envelope, None, kind="UnsubscribeConfirmation")
