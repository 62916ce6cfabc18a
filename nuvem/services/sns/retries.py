"""Delivery policies: when SNS tries a failed delivery again ("Amazon SNS message delivery
retries").

A policy has four phases after the first attempt: `numNoDelayRetries` at once, then
`numMinDelayRetries` `minDelayTarget` seconds apart, then a backoff phase whose delays rise from
`minDelayTarget` to `maxDelayTarget` along `backoffFunction`, then `numMaxDelayRetries`
`maxDelayTarget` seconds apart; `numRetries` counts them all. Only HTTP/S subscriptions take a
custom policy (the topic's `http.defaultHealthyRetryPolicy`, overridden by the subscription's
`healthyRetryPolicy` unless the topic sets `disableSubscriptionOverrides`); SQS, Lambda and
Firehose get AWS's policy for AWS-managed endpoints, e-mail and SMS the one for customer-managed
endpoints. AWS names the four backoff curves without giving formulas: ours are in `_CURVES`.
Nuvem adds no jitter, so a test on the manual clock knows when each retry comes.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from nuvem.services.sns.errors import invalid
from nuvem.services.sns.models import Subscription, Topic

MAX_HTTP_RETRY_SECONDS = 3600     # an HTTP/S policy's retries may not span more (a hard limit)
MAX_HTTP_RETRIES = 100
_MEDIA_TYPE = re.compile(r"[a-z]+/[a-z0-9.+-]+", re.IGNORECASE)
DEFAULT_CONTENT_TYPE = "text/plain; charset=UTF-8"


def _linear(t: float) -> float:
    return t


def _arithmetic(t: float) -> float:      # each step one more than the last
    return t * t


def _geometric(t: float) -> float:       # each step a fixed multiple of the last
    return t ** 3


def _exponential(t: float) -> float:     # doubling steps: flat at first, steep at the end
    return (2 ** (10 * t) - 1) / (2 ** 10 - 1)


_CURVES = {"linear": _linear, "arithmetic": _arithmetic, "geometric": _geometric,
           "exponential": _exponential}
_FIELDS = ("minDelayTarget", "maxDelayTarget", "numRetries", "numMaxDelayRetries",
           "numNoDelayRetries", "numMinDelayRetries", "backoffFunction")


@dataclass(frozen=True)
class RetryPolicy:
    minDelayTarget: int = 20
    maxDelayTarget: int = 20
    numRetries: int = 3
    numMaxDelayRetries: int = 0
    numNoDelayRetries: int = 0
    numMinDelayRetries: int = 0
    backoffFunction: str = "linear"

    def delay(self, retry: int) -> float | None:
        """Seconds to wait before the `retry`-th retry (1 for the first), None past the last."""
        if retry > self.numRetries:
            return None
        if retry <= self.numNoDelayRetries:
            return 0.0
        retry -= self.numNoDelayRetries
        if retry <= self.numMinDelayRetries:
            return float(self.minDelayTarget)
        retry -= self.numMinDelayRetries
        steps = (self.numRetries - self.numNoDelayRetries - self.numMinDelayRetries -
                 self.numMaxDelayRetries)
        if retry > steps:
            return float(self.maxDelayTarget)
        t = (retry - 1) / (steps - 1) if steps > 1 else 1.0
        low, high = self.minDelayTarget, self.maxDelayTarget
        return low + (high - low) * _CURVES[self.backoffFunction](t)

    def as_json(self) -> dict:
        return {name: getattr(self, name) for name in _FIELDS}


HTTP_DEFAULT = RetryPolicy()
AWS_MANAGED = RetryPolicy(minDelayTarget=1, maxDelayTarget=20, numRetries=100_015,
                          numNoDelayRetries=3, numMinDelayRetries=2, numMaxDelayRetries=100_000,
                          backoffFunction="exponential")       # sqs, lambda, firehose
CUSTOMER_MANAGED = RetryPolicy(minDelayTarget=10, maxDelayTarget=600, numRetries=50,
                               numMinDelayRetries=2, numMaxDelayRetries=38,
                               backoffFunction="exponential")  # email, email-json, sms


def _doc(text: str | None) -> dict:
    try:
        doc = json.loads(text) if text else {}
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _parts(topic: Topic | None, sub: Subscription) -> tuple[dict, dict]:
    """The topic's `http` section and the subscription's policy (empty when the topic forbids
    subscription overrides)."""
    http = _doc(topic.attributes.get("DeliveryPolicy") if topic else None).get("http") or {}
    own = {} if http.get("disableSubscriptionOverrides") else \
        _doc(sub.attributes.get("DeliveryPolicy"))
    return http, own


def policy_for(topic: Topic | None, sub: Subscription) -> RetryPolicy:
    if sub.protocol in ("email", "email-json", "sms"):
        return CUSTOMER_MANAGED
    if sub.protocol not in ("http", "https"):
        return AWS_MANAGED
    return _http_policy(*_parts(topic, sub))


def _http_policy(http: dict, own: dict) -> RetryPolicy:
    fields = {**(http.get("defaultHealthyRetryPolicy") or {}),
              **(own.get("healthyRetryPolicy") or {})}
    return RetryPolicy(**{k: v for k, v in fields.items() if k in _FIELDS and v is not None})


def content_type(topic: Topic | None, sub: Subscription) -> str:
    """The Content-Type of an HTTP/S delivery: requestPolicy.headerContentType."""
    http, own = _parts(topic, sub)
    return ((own.get("requestPolicy") or {}).get("headerContentType") or
            (http.get("defaultRequestPolicy") or {}).get("headerContentType") or
            DEFAULT_CONTENT_TYPE)


def effective_for_topic(topic: Topic) -> dict:
    """A topic's EffectiveDeliveryPolicy: its `http` section over the defaults (other
    protocols' sections as set)."""
    doc = _doc(topic.attributes.get("DeliveryPolicy"))
    http = doc.get("http") or {}
    retry = {**HTTP_DEFAULT.as_json(), **(http.get("defaultHealthyRetryPolicy") or {})}
    effective = {"defaultHealthyRetryPolicy": retry,
                 "disableSubscriptionOverrides": http.get("disableSubscriptionOverrides", False),
                 "defaultRequestPolicy": http.get("defaultRequestPolicy") or
                 {"headerContentType": DEFAULT_CONTENT_TYPE}}
    if http.get("defaultThrottlePolicy"):
        effective["defaultThrottlePolicy"] = http["defaultThrottlePolicy"]
    return {**doc, "http": effective}


def effective(topic: Topic | None, sub: Subscription) -> dict:
    """A subscription's EffectiveDeliveryPolicy: its policy merged over the topic's."""
    http, own = _parts(topic, sub)
    return {"healthyRetryPolicy": _http_policy(http, own).as_json(),
            "sicklyRetryPolicy": None,
            "throttlePolicy": own.get("throttlePolicy") or http.get("defaultThrottlePolicy"),
            "requestPolicy": own.get("requestPolicy") or http.get("defaultRequestPolicy"),
            "guaranteed": False}


# -- policies as SNS keeps them (Get*Attributes' DeliveryPolicy) ---------------------------------
_TOPIC_HTTP_ORDER = ("defaultHealthyRetryPolicy", "defaultSicklyRetryPolicy",
                     "defaultThrottlePolicy", "disableSubscriptionOverrides",
                     "defaultRequestPolicy")


def _retry_in_order(section: dict | None) -> dict | None:
    return None if section is None else {k: section[k] for k in _FIELDS if k in section}


def kept_topic_policy(doc: dict) -> dict:
    """A topic's DeliveryPolicy as SNS keeps it: members set to null dropped, the `http`
    section's disableSubscriptionOverrides false unless set, its members in SNS's order."""
    out = {k: v for k, v in doc.items() if v is not None}
    http = out.get("http")
    if http is not None:
        http = {k: v for k, v in http.items() if v is not None}
        http.setdefault("disableSubscriptionOverrides", False)
        if "defaultHealthyRetryPolicy" in http:
            http["defaultHealthyRetryPolicy"] = _retry_in_order(http["defaultHealthyRetryPolicy"])
        out["http"] = {**{k: http[k] for k in _TOPIC_HTTP_ORDER if k in http}, **http}
    return out


def kept_subscription_policy(doc: dict) -> dict:
    """A subscription's DeliveryPolicy as SNS keeps it: every member, null when not set."""
    return {"healthyRetryPolicy": _retry_in_order(doc.get("healthyRetryPolicy")),
            "sicklyRetryPolicy": doc.get("sicklyRetryPolicy"),
            "throttlePolicy": doc.get("throttlePolicy"),
            "requestPolicy": doc.get("requestPolicy"),
            "guaranteed": doc.get("guaranteed", False)}


# -- checks when a policy is set -----------------------------------------------------------------
def check_topic_policy(doc) -> None:
    """SetTopicAttributes DeliveryPolicy: `{"http": {"defaultHealthyRetryPolicy": ...,
    "defaultThrottlePolicy": ..., "defaultRequestPolicy": ..., "disableSubscriptionOverrides":
    bool}}` (other protocols' sections are kept as given)."""
    if not isinstance(doc, dict):
        raise invalid("DeliveryPolicy: the policy must be a JSON object")
    http = doc.get("http")
    if http is None:
        return
    if not isinstance(http, dict):
        raise invalid("DeliveryPolicy: http must be a JSON object")
    _check_retry(http.get("defaultHealthyRetryPolicy"), "http.defaultHealthyRetryPolicy")
    _check_throttle(http.get("defaultThrottlePolicy"), "http.defaultThrottlePolicy")
    _check_request(http.get("defaultRequestPolicy"), "http.defaultRequestPolicy")
    if not isinstance(http.get("disableSubscriptionOverrides", False), bool):
        raise invalid("DeliveryPolicy: http.disableSubscriptionOverrides must be a boolean")


def check_subscription_policy(doc) -> None:
    """A subscription's DeliveryPolicy (used by HTTP/S subscriptions only)."""
    if not isinstance(doc, dict):
        raise invalid("DeliveryPolicy: the policy must be a JSON object")
    _check_retry(doc.get("healthyRetryPolicy"), "healthyRetryPolicy")
    _check_throttle(doc.get("throttlePolicy"), "throttlePolicy")
    _check_request(doc.get("requestPolicy"), "requestPolicy")


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_retry(section, where: str) -> None:
    if section is None:
        return
    if not isinstance(section, dict):
        raise invalid(f"DeliveryPolicy: {where} must be a JSON object")
    for name, value in section.items():
        if name not in _FIELDS:
            raise invalid(f"DeliveryPolicy: {where}.{name} is not a valid field")
        if name == "backoffFunction":
            if value not in _CURVES:
                raise invalid(f"DeliveryPolicy: {where}.backoffFunction must be one of "
                              "linear, arithmetic, geometric, exponential")
        elif not _whole(value) or value < 0:
            raise invalid(f"DeliveryPolicy: {where}.{name} must be a non-negative integer")
    policy = RetryPolicy(**section)
    if policy.minDelayTarget < 1:
        raise invalid(f"DeliveryPolicy: {where}.minDelayTarget must be at least 1")
    if policy.minDelayTarget > policy.maxDelayTarget:
        raise invalid(f"DeliveryPolicy: {where}.minDelayTarget must be less than or equal to "
                      "maxDelayTarget")
    if policy.maxDelayTarget > MAX_HTTP_RETRY_SECONDS:
        raise invalid(f"DeliveryPolicy: {where}.maxDelayTarget must be less than or equal to "
                      f"{MAX_HTTP_RETRY_SECONDS}")
    if policy.numRetries > MAX_HTTP_RETRIES:
        raise invalid(f"DeliveryPolicy: {where}.numRetries must be less than or equal to "
                      f"{MAX_HTTP_RETRIES}")
    if policy.numNoDelayRetries + policy.numMinDelayRetries + policy.numMaxDelayRetries > \
            policy.numRetries:
        raise invalid(f"DeliveryPolicy: {where}.numRetries must be greater than or equal to the "
                      "sum of numNoDelayRetries, numMinDelayRetries and numMaxDelayRetries")
    total = sum(policy.delay(n) for n in range(1, policy.numRetries + 1))
    if total > MAX_HTTP_RETRY_SECONDS:
        raise invalid(f"DeliveryPolicy: {where}: the retries would take {total:.0f} seconds; "
                      f"at most {MAX_HTTP_RETRY_SECONDS} are allowed")


def _check_throttle(section, where: str) -> None:
    if section is None:
        return
    rate = section.get("maxReceivesPerSecond") if isinstance(section, dict) else None
    if not isinstance(section, dict) or (rate is not None and (not _whole(rate) or rate < 1)):
        raise invalid(f"DeliveryPolicy: {where}.maxReceivesPerSecond must be a positive integer")


def _check_request(section, where: str) -> None:
    if section is None:
        return
    # AWS lists the media types it accepts (text/plain, application/json, application/xml and
    # more, with or without parameters); any well-formed one is taken here.
    kind = section.get("headerContentType") if isinstance(section, dict) else None
    if not isinstance(section, dict) or (kind is not None and (
            not isinstance(kind, str) or not _MEDIA_TYPE.fullmatch(kind.split(";")[0].strip()))):
        raise invalid(f"DeliveryPolicy: {where}.headerContentType must be a media type such as "
                      "text/plain or application/json")
