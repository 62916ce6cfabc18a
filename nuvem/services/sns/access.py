"""SNS's side of authorization: the topic an access touches, its owner and its topic policy (the
default one until SetTopicAttributes Policy / AddPermission change it), for the central
authorizer; and SNS's word for a denial, `AuthorizationError` (403), where other query services
say `AccessDenied`."""
from __future__ import annotations

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
    if call.tx is not None:
        topic = call.tx.get(Topic, parts[4], parts[3], parts[5])
    else:
        with call.runtime.store.read() as read:
            topic = read.get(Topic, parts[4], parts[3], parts[5])
    if topic is None:
        return ResourceView(account=parts[4], exists=False)   # the handler answers NotFound
    policy = topic.attributes.get("Policy") or default_policy(topic)
    return ResourceView(account=topic.account, policy=(f"topic-policy:{topic.arn}", policy))


def authorize(call: Call, operation) -> None:
    try:
        call.runtime.authorizer.authorize(call, operation, resource_view)
    except AwsError as e:
        if e.code in ("AccessDenied", "AccessDeniedException"):
            raise AuthorizationError(e.message) from None
        raise
