"""SNS's side of authorization: the topic an access touches, its owner and its topic policy (the
default one until SetTopicAttributes Policy / AddPermission change it), for the central
authorizer; and SNS's word for a denial, `AuthorizationError` (403), where other query services
say `AccessDenied`."""
from __future__ import annotations

import re

from nuvem.context import Call
from nuvem.errors import AwsError
from nuvem.iam.middleware import ResourceView
from nuvem.services.sns.common import default_policy
from nuvem.services.sns.errors import AuthorizationError
from nuvem.services.sns.models import Topic


def resource_view(call: Call, access) -> ResourceView | None:
    arn = access.resources[0] if access.resources else ""
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sns" or "*" in arn:
        return None
    if call.tx is not None:     # shared: only read here (common.topic_of copies it for a writer)
        topic = call.tx.get_shared(Topic, parts[4], parts[3], parts[5])
        if topic is not None:   # the handler's `topic_of` takes it from here
            call.memo[("sns.Topic", parts[4], parts[3], parts[5])] = (call.tx, topic)
    else:
        with call.runtime.store.read() as read:
            topic = read.get(Topic, parts[4], parts[3], parts[5])
    if topic is None:
        return ResourceView(account=parts[4], exists=False)   # the handler answers NotFound
    policy = topic.attributes.get("Policy") or default_policy(topic)
    return ResourceView(account=topic.account, policy=(f"topic-policy:{topic.arn}", policy))


# The ARN template of sns:Publish's resource type (topic), as iam/actions.py matches a parameter
# against it: a platform endpoint's ARN (a TargetArn) fits it too.
_TOPIC_ARN = re.compile(r"arn:[^:]*:sns:[^:]*:[^:]*:[^:]+")


def publish_accesses(call: Call) -> list | None:
    """Publish's one access: sns:Publish on the TopicArn or TargetArn it names. The generic
    reading of the reference data would also take any other parameter that looks like a topic's
    ARN (a Message holding one) for a resource the caller must be allowed. None: the generic
    reading (no target, or more than one: the handler refuses the call)."""
    from nuvem.iam.actions import Access
    params = call.params
    named = [params[k] for k in ("TopicArn", "TargetArn", "PhoneNumber") if params.get(k)]
    if len(named) != 1 or not isinstance(named[0], str) or not _TOPIC_ARN.fullmatch(named[0]):
        return None
    return [Access("sns:Publish", [named[0]], {})]


_ACCESSES = {"Publish": publish_accesses}


def authorize(call: Call, operation) -> None:
    try:
        call.runtime.authorizer.authorize(call, operation, resource_view,
                                          accesses_of=_ACCESSES.get(operation.name))
    except AwsError as e:
        if e.code in ("AccessDenied", "AccessDeniedException"):
            raise AuthorizationError(e.message) from None
        raise
