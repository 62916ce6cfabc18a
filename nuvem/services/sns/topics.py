"""Topics: CreateTopic, DeleteTopic, ListTopics, Get/SetTopicAttributes, Add/RemovePermission,
tags, and the data protection policy (stored)."""
from __future__ import annotations

import json
import re

from nuvem.context import Call
from nuvem.services.sns import SERVICE
from nuvem.services.sns import retries
from nuvem.services.sns.common import (check_policy, default_policy, dumps, find_topic, page,
                                       subscriptions_of, topic_of)
from nuvem.services.sns.errors import (InvalidParameter, ResourceNotFound, TagLimitExceeded,
                                       TagPolicy, invalid)
from nuvem.services.sns.models import Topic

_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
_FIFO_NAME = re.compile(r"[A-Za-z0-9_-]{1,251}\.fifo")
MAX_TAGS = 50
_FEEDBACK = tuple(f"{kind}{what}" for kind in ("Application", "HTTP", "Lambda", "SQS", "Firehose")
                  for what in ("SuccessFeedbackRoleArn", "SuccessFeedbackSampleRate",
                               "FailureFeedbackRoleArn"))
SETTABLE = ("DeliveryPolicy", "DisplayName", "Policy", "TracingConfig", "KmsMasterKeyId",
            "SignatureVersion", "ContentBasedDeduplication", "ArchivePolicy",
            "FifoThroughputScope", *_FEEDBACK)
CREATE_ONLY = ("FifoTopic",)
# what a topic policy can grant (subscription and platform actions are out of its scope)
_TOPIC_ACTIONS = {"*", "AddPermission", "DeleteTopic", "GetTopicAttributes",
                  "ListSubscriptionsByTopic", "Publish", "Receive", "RemovePermission",
                  "SetTopicAttributes", "Subscribe"}


def _check_attribute(name: str, value: str, fifo: bool) -> str:
    if name not in SETTABLE and name not in CREATE_ONLY:
        raise invalid("AttributeName")
    if name == "Policy":
        check_policy(value)
    elif name == "DeliveryPolicy" and value:
        try:
            doc = json.loads(value)
        except ValueError:
            raise invalid("DeliveryPolicy: failed to parse JSON") from None
        retries.check_topic_policy(doc)
        value = dumps(retries.kept_topic_policy(doc))
    elif name == "SignatureVersion" and value not in ("1", "2"):
        raise invalid("SignatureVersion")
    elif name in ("ContentBasedDeduplication", "FifoTopic"):
        if value.lower() not in ("true", "false"):
            raise invalid(f"Attributes Reason: {name} must be true or false")
        if name == "ContentBasedDeduplication" and not fifo and value.lower() == "true":
            raise invalid("Attributes Reason: Content-based deduplication can only be set for "
                          "FIFO topics")
        value = value.lower()
    elif name == "TracingConfig" and value not in ("PassThrough", "Active"):
        raise invalid("Attributes Reason: Invalid value for TracingConfig")
    elif name == "DisplayName" and len(value) > 100:
        raise invalid("DisplayName")
    return value


def _check_tags(tags: list[dict] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in tags or []:
        key, value = tag.get("Key", ""), tag.get("Value", "")
        if key in out:
            raise InvalidParameter("Invalid parameter: Duplicated keys are not allowed.")
        if key.lower().startswith("aws:"):
            raise InvalidParameter("Invalid parameter: Tag Reason: Tag keys can't start with "
                                   "the reserved prefix aws:")
        if not re.fullmatch(r"[\w\s+=.:/@-]{1,128}", key, re.UNICODE) or len(value) > 256:
            raise TagPolicy("Invalid tag")
        out[key] = value
    return out


@SERVICE.op("CreateTopic")
def create_topic(ctx: Call, req: dict) -> dict:
    name = req["Name"]
    attributes = dict(req.get("Attributes") or {})
    fifo = attributes.get("FifoTopic", "false").lower() == "true"
    if fifo and not _FIFO_NAME.fullmatch(name):
        raise invalid("Fifo Topic names must end with .fifo and must be made up of only "
                      "uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, "
                      "and must be between 1 and 256 characters long.")
    if not fifo and not _NAME.fullmatch(name):
        raise invalid("Topic Name")
    attributes = {k: _check_attribute(k, v, fifo) for k, v in attributes.items()}
    if not fifo:    # a standard topic lists no FifoTopic, even when created with "false"
        attributes.pop("FifoTopic", None)
    tags = _check_tags(req.get("Tags"))
    existing = ctx.store.get(Topic, ctx.account, ctx.region, name)
    if existing is not None:
        current = _attributes_out(ctx, existing)
        if any(current.get(k) != v for k, v in attributes.items() if k != "Policy") or \
                ("Policy" in attributes and
                 json.loads(attributes["Policy"]) != json.loads(current["Policy"])):
            raise invalid("Attributes Reason: Topic already exists with different attributes")
        old_tags = ctx.store.tags(existing.arn)
        if tags and any(old_tags.get(k) != v for k, v in tags.items()):
            raise invalid("Tags Reason: Topic already exists with different tags")
        return {"TopicArn": existing.arn}
    if len(tags) > MAX_TAGS:
        raise TagLimitExceeded()
    if req.get("DataProtectionPolicy"):
        check_policy(req["DataProtectionPolicy"], "DataProtectionPolicy")
    topic = Topic(account=ctx.account, region=ctx.region, name=name, attributes=attributes,
                  data_protection_policy=req.get("DataProtectionPolicy"), created=ctx.now)
    if fifo:
        topic.attributes["FifoTopic"] = "true"
        topic.attributes.setdefault("ContentBasedDeduplication", "false")
    ctx.store.put(topic)
    if tags:
        ctx.store.tag(topic.arn, tags)
    return {"TopicArn": topic.arn}


@SERVICE.op("DeleteTopic")
def delete_topic(ctx: Call, req: dict) -> dict:
    topic = find_topic(ctx.store, req["TopicArn"], region=ctx.region)
    if topic is None:       # "Deleting a topic that doesn't exist doesn't result in an error."
        return {}
    for sub in subscriptions_of(ctx.store, topic):
        ctx.store.delete(sub)
    ctx.store.delete(topic)
    return {}


@SERVICE.op("ListTopics")
def list_topics(ctx: Call, req: dict) -> dict:
    topics = [{"TopicArn": t.arn} for t in ctx.store.query(Topic, account=ctx.account,
                                                           region=ctx.region)]
    return page(topics, req, lambda t: t["TopicArn"], "Topics")


def _attributes_out(ctx: Call, topic: Topic) -> dict[str, str]:
    subs = subscriptions_of(ctx.store, topic)
    out = {
        "TopicArn": topic.arn, "Owner": topic.account,
        "Policy": topic.attributes.get("Policy") or default_policy(topic),
        "DisplayName": topic.attributes.get("DisplayName", ""),
        "SubscriptionsConfirmed": str(sum(1 for s in subs if s.confirmed)),
        "SubscriptionsPending": str(sum(1 for s in subs if not s.confirmed)),
        "SubscriptionsDeleted": "0",
        "EffectiveDeliveryPolicy": dumps(retries.effective_for_topic(topic)),
    }
    out.update({k: v for k, v in topic.attributes.items() if k not in ("Policy", "DisplayName")})
    return out


@SERVICE.op("GetTopicAttributes")
def get_topic_attributes(ctx: Call, req: dict) -> dict:
    return {"Attributes": _attributes_out(ctx, topic_of(ctx, req["TopicArn"]))}


@SERVICE.op("SetTopicAttributes")
def set_topic_attributes(ctx: Call, req: dict) -> dict:
    topic = topic_of(ctx, req["TopicArn"])
    name, value = req["AttributeName"], req.get("AttributeValue") or ""
    if name in CREATE_ONLY:
        raise invalid("AttributeName")
    value = _check_attribute(name, value, topic.fifo)
    if value == "" and name in ("Policy", "DeliveryPolicy", "KmsMasterKeyId", "ArchivePolicy"):
        topic.attributes.pop(name, None)
    else:
        topic.attributes[name] = value
    ctx.store.put(topic)
    return {}


# -- permissions --------------------------------------------------------------------------------

def _policy_doc(topic: Topic) -> dict:
    return json.loads(topic.attributes.get("Policy") or default_policy(topic))


@SERVICE.op("AddPermission")
def add_permission(ctx: Call, req: dict) -> dict:
    topic = topic_of(ctx, req["TopicArn"])
    doc = _policy_doc(topic)
    label = req["Label"]
    if any(s.get("Sid") == label for s in doc.get("Statement", [])):
        raise invalid("Statement already exists")
    if not req.get("AWSAccountId") or not req.get("ActionName"):
        raise invalid("AWSAccountId" if not req.get("AWSAccountId") else "ActionName")
    principals = [f"arn:aws:iam::{a}:root" for a in req["AWSAccountId"]]
    actions = [a if a.startswith("SNS:") else f"SNS:{a}" for a in req["ActionName"]]
    if any(a[4:] not in _TOPIC_ACTIONS for a in actions):
        raise invalid("Policy statement action out of service scope!")
    doc.setdefault("Statement", []).append({
        "Sid": label, "Effect": "Allow",
        "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
        "Action": actions[0] if len(actions) == 1 else actions, "Resource": topic.arn})
    topic.attributes["Policy"] = dumps(doc)
    ctx.store.put(topic)
    return {}


@SERVICE.op("RemovePermission")
def remove_permission(ctx: Call, req: dict) -> dict:
    topic = topic_of(ctx, req["TopicArn"])
    doc = _policy_doc(topic)
    kept = [s for s in doc.get("Statement", []) if s.get("Sid") != req["Label"]]
    if len(kept) != len(doc.get("Statement", [])):
        doc["Statement"] = kept
        topic.attributes["Policy"] = dumps(doc)
        ctx.store.put(topic)
    return {}


# -- tags ---------------------------------------------------------------------------------------

def _tagged(ctx: Call, arn: str) -> Topic:
    try:
        topic = find_topic(ctx.store, arn, "ResourceArn")
    except InvalidParameter:
        topic = None
    if topic is None:
        raise ResourceNotFound("Resource does not exist")
    return topic


@SERVICE.op("TagResource")
def tag_resource(ctx: Call, req: dict) -> dict:
    topic = _tagged(ctx, req["ResourceArn"])
    tags = _check_tags(req.get("Tags"))
    current = ctx.store.tags(topic.arn)
    if len({**current, **tags}) > MAX_TAGS:
        raise TagLimitExceeded()
    ctx.store.tag(topic.arn, tags)
    return {}


@SERVICE.op("UntagResource")
def untag_resource(ctx: Call, req: dict) -> dict:
    topic = _tagged(ctx, req["ResourceArn"])
    ctx.store.untag(topic.arn, req.get("TagKeys") or [])
    return {}


@SERVICE.op("ListTagsForResource")
def list_tags_for_resource(ctx: Call, req: dict) -> dict:
    topic = _tagged(ctx, req["ResourceArn"])
    return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(ctx.store.tags(topic.arn).items())]}


# -- data protection policy (stored, not applied) -------------------------------------------------

@SERVICE.op("PutDataProtectionPolicy")
def put_data_protection_policy(ctx: Call, req: dict) -> dict:
    topic = topic_of(ctx, req["ResourceArn"], "ResourceArn")
    check_policy(req["DataProtectionPolicy"], "DataProtectionPolicy")
    topic.data_protection_policy = req["DataProtectionPolicy"]
    ctx.store.put(topic)
    return {}


@SERVICE.op("GetDataProtectionPolicy")
def get_data_protection_policy(ctx: Call, req: dict) -> dict:
    topic = topic_of(ctx, req["ResourceArn"], "ResourceArn")
    return {"DataProtectionPolicy": topic.data_protection_policy or ""}
