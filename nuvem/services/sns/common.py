"""Helpers shared by the SNS operation modules: ARNs, lookups, default documents, paging."""
from __future__ import annotations

import base64
import dataclasses
import functools
import json
import re

from nuvem.context import Call
from nuvem.services.sns.errors import InvalidParameter, NotFound, SnsError, invalid
from nuvem.services.sns.models import Subscription, Topic

PAGE = 100            # ListTopics / ListSubscriptions page size
_ARN = re.compile(r"arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]{1,256})")
_SUB_ARN = re.compile(r"arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]{1,256}):"
                      r"([0-9a-f-]{36})")

_JSON_AT = ("\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); "
            "line: {}, column: {}]")
_TOKEN_START = re.compile(r"(?![tfnNI])[^\W\d]\w*")    # a Java identifier, not true/false/null


def json_failure(error: ValueError) -> str:
    """"failed to parse JSON." and, where Python's reader stops where SNS's (Jackson) does, what
    Jackson says there: "Unexpected character ('i' (code 105)): was expecting double-quote to
    start field name\n at [Source: ...; line: 1, column: 2]"."""
    detail = None
    if isinstance(error, json.JSONDecodeError) and error.pos < len(error.doc):
        char, column = error.doc[error.pos], error.colno
        unexpected = f"Unexpected character ('{char}' (code {ord(char)})): "
        token = _TOKEN_START.match(error.doc, error.pos)
        if error.msg.startswith("Expecting property name") and char.isprintable():
            detail = unexpected + "was expecting double-quote to start field name"
        elif error.msg == "Expecting ':' delimiter" and char.isprintable():
            detail = unexpected + "was expecting a colon to separate field name and value"
        elif error.msg == "Expecting value" and token:
            detail = (f"Unrecognized token '{token.group()}': was expecting (JSON String, Number, "
                      "Array, Object or token 'null', 'true' or 'false')")
            column += len(token.group())
        if detail:
            detail = " " + detail + _JSON_AT.format(error.lineno, column)
    return "failed to parse JSON." + (detail or "")


def dumps(doc) -> str:
    return json.dumps(doc, separators=(",", ":"))


def default_policy(topic: Topic) -> str:
    """The policy AWS gives a new topic: the owner account may manage, subscribe and publish."""
    return _default_policy(topic.arn, topic.account)


@functools.lru_cache(maxsize=1024)
def _default_policy(arn: str, account: str) -> str:
    # made once per topic: every call on a topic is authorized against its policy, and the one
    # text object also keeps its hash for the authorizer's caches
    return dumps({
        "Version": "2008-10-17", "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
            "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                       "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                       "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
            "Resource": arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": account}}}]})


def _too_short(member: str, arn: str | None) -> SnsError | None:
    """SNS's error for an ARN of fewer than its 6 elements, which says how many it has."""
    elements = (arn or "").count(":") + 1
    if elements >= 6:
        return None
    return invalid(f"{member} Reason: An ARN must have at least 6 elements, not {elements}")


def parse_topic_arn(arn: str | None, member: str = "TopicArn",
                    region: str | None = None) -> tuple[str, str, str]:
    """(region, account, name) of a topic ARN, or InvalidParameter; also when it is not of
    `region` (SNS serves only its own region's topics)."""
    m = _ARN.fullmatch(arn or "")
    if not m or (region is not None and m.group(1) != region):
        raise _too_short(member, arn) or invalid(member)
    return m.group(1), m.group(2), m.group(3)


def find_topic(read, arn: str | None, member: str = "TopicArn",
               region: str | None = None) -> Topic | None:
    region, account, name = parse_topic_arn(arn, member, region)
    return read.get(Topic, account, region, name)


def topic_of(ctx: Call, arn: str | None, member: str = "TopicArn", *,
             shared: bool = False) -> Topic:
    """The topic an ARN names, or NotFound. `shared`: the caller never changes it, so it may be
    the instance other calls hold too (`store.get_shared`), as the authorizer read it."""
    region, account, name = parse_topic_arn(arn, member, ctx.region)
    seen = ctx.memo.get(("sns.Topic", account, region, name))
    if seen is not None and seen[0] is ctx.tx:      # read by access.resource_view
        return seen[1] if shared else own(seen[1])
    topic = (ctx.store.get_shared if shared else ctx.store.get)(Topic, account, region, name)
    if topic is None:
        raise NotFound("Topic does not exist")
    return topic


def own(topic: Topic) -> Topic:
    """A copy of a shared topic record that the caller may change (its attributes are its only
    mutable field)."""
    return dataclasses.replace(topic, attributes=dict(topic.attributes))


def subscription_of(ctx: Call, arn: str | None) -> Subscription:
    m = _SUB_ARN.fullmatch(arn or "")
    if not m:
        raise _too_short("SubscriptionArn", arn) or invalid("SubscriptionId")
    sub = ctx.store.get(Subscription, m.group(2), m.group(1), m.group(3), m.group(4))
    if sub is None:
        raise NotFound("Subscription does not exist")
    return sub


def subscriptions_of(read, topic: Topic) -> list[Subscription]:
    return list(read.query(Subscription, account=topic.account, region=topic.region,
                           prefix=(topic.name,)))


def page(items: list, req: dict, key, result: str, size: int = PAGE) -> dict:
    """`items` sorted by `key(item)`; NextToken paging as SNS's List* operations do it."""
    start = 0
    token = req.get("NextToken")
    if token:
        try:
            after = base64.urlsafe_b64decode(token.encode()).decode()
        except (ValueError, UnicodeDecodeError):
            raise invalid("NextToken") from None
        start = next((i for i, it in enumerate(items) if key(it) > after), len(items))
    chunk = items[start:start + size]
    out: dict = {result: chunk}
    if start + size < len(items):
        out["NextToken"] = base64.urlsafe_b64encode(key(chunk[-1]).encode()).decode()
    return out


def check_policy(text: str, member: str = "Policy") -> None:
    try:
        doc = json.loads(text)
    except ValueError:
        raise InvalidParameter(f"Invalid parameter: {member} Error: null") from None
    if not isinstance(doc, dict) or "Statement" not in doc:
        raise InvalidParameter(f"Invalid parameter: {member} Error: null")
