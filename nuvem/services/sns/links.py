"""The links SNS puts in its messages, followed with a plain GET (admin.py serves the HTTP):
SubscribeURL confirms the subscription, UnsubscribeURL deletes it, SigningCertURL gives the
certificate that verifies the signatures. Answers are the ConfirmSubscription / Unsubscribe
results, as SNS answers these links."""
from __future__ import annotations

from nuvem.context import Call
from nuvem.services.sns import delivery, signing
from nuvem.services.sns.common import subscription_of, topic_of
from nuvem.services.sns.errors import InvalidParameter, NotFound, invalid

CERT_PATH = signing.CERT_PATH
_OPERATIONS = {delivery.CONFIRM_PATH: "ConfirmSubscription",
               delivery.UNSUBSCRIBE_PATH: "Unsubscribe"}


def certificate(runtime) -> str:
    return signing.signing_key(runtime).certificate


def operation(path: str) -> str | None:
    return _OPERATIONS.get(path)


def follow(call: Call, operation: str, params: dict) -> dict:
    """Runs in its own transaction (`call.tx`)."""
    from nuvem.services.sns import subscriptions
    parts = (params.get("TopicArn") or params.get("SubscriptionArn") or "").split(":")
    if len(parts) > 3:      # SNS's links are on the regional endpoint of the topic they name
        call.region = parts[3]
    if operation == "ConfirmSubscription":
        if not params.get("TopicArn") or not params.get("Token"):
            raise invalid("Token" if params.get("TopicArn") else "TopicArn")
        try:    # a link to a topic that is not there (another region's) says only "Topic",
            # unless its token is a subscription's there, which SNS then confirms
            sub = subscriptions.confirm(call, params["TopicArn"], params["Token"])
        except InvalidParameter:
            try:
                topic_of(call, params["TopicArn"])
            except (InvalidParameter, NotFound):
                raise invalid("Topic") from None
            raise
        return {"SubscriptionArn": sub.arn}
    subscriptions.remove(call, subscription_of(call, params.get("SubscriptionArn")))
    return {}
