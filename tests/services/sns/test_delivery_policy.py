"""Delivery policies: the retry schedule of each protocol, the checks when a policy is set, and
the effective policies SNS reports (the deliveries themselves: tests/scenarios/test_s18_sns.py)."""
import itertools
import json

import pytest
from botocore.exceptions import ClientError

from nuvem.services.sns.models import Subscription, Topic
from nuvem.services.sns.retries import (AWS_MANAGED, CUSTOMER_MANAGED, HTTP_DEFAULT, RetryPolicy,
                                        policy_for)

_names = itertools.count()


def schedule(policy):
    return [policy.delay(n) for n in range(1, policy.numRetries + 2)]


def test_the_default_http_policy_is_three_retries_twenty_seconds_apart():
    assert schedule(HTTP_DEFAULT) == [20, 20, 20, None]


def test_aws_managed_endpoints_phases():
    delays = [AWS_MANAGED.delay(n) for n in range(1, 17)]
    assert delays[:5] == [0, 0, 0, 1, 1]                  # 3 immediate, 2 one second apart
    backoff = delays[5:15]                                # 10 from 1 s to 20 s, rising
    assert backoff[0] == 1 and backoff[-1] == 20 and backoff == sorted(backoff)
    assert delays[15] == 20                               # then 100,000 twenty seconds apart
    assert AWS_MANAGED.delay(100_015) == 20 and AWS_MANAGED.delay(100_016) is None


def test_customer_managed_endpoints_phases():
    delays = schedule(CUSTOMER_MANAGED)
    assert delays[:2] == [10, 10]
    assert delays[2] == 10 and delays[11] == 600 and delays[2:12] == sorted(delays[2:12])
    assert delays[12:50] == [600] * 38 and delays[50] is None


@pytest.mark.parametrize("curve", ["linear", "arithmetic", "geometric", "exponential"])
def test_every_backoff_curve_rises_from_min_to_max(curve):
    policy = RetryPolicy(minDelayTarget=2, maxDelayTarget=50, numRetries=8, numNoDelayRetries=1,
                         numMaxDelayRetries=1, backoffFunction=curve)
    delays = schedule(policy)
    assert delays[0] == 0 and delays[1] == 2 and delays[6] == 50 and delays[7] == 50
    assert delays[1:7] == sorted(delays[1:7]) and delays[8] is None


def test_which_policy_a_subscription_gets():
    topic = Topic(account="000000000000", region="us-east-1", name="t", attributes={
        "DeliveryPolicy": json.dumps({"http": {"defaultHealthyRetryPolicy": {
            "numRetries": 5, "minDelayTarget": 2, "maxDelayTarget": 30}}})})

    def sub(protocol, policy=None):
        return Subscription(account="000000000000", region="us-east-1", topic="t", id="x",
                            protocol=protocol, endpoint="e", owner="000000000000",
                            attributes={"DeliveryPolicy": json.dumps(policy)} if policy else {})

    assert policy_for(topic, sub("sqs")) is AWS_MANAGED
    assert policy_for(topic, sub("email")) is CUSTOMER_MANAGED
    assert policy_for(topic, sub("http")) == RetryPolicy(numRetries=5, minDelayTarget=2,
                                                         maxDelayTarget=30)
    own = {"healthyRetryPolicy": {"numRetries": 1}}
    assert policy_for(topic, sub("https", own)).numRetries == 1      # the subscription's wins
    topic.attributes["DeliveryPolicy"] = json.dumps({"http": {
        "defaultHealthyRetryPolicy": {"numRetries": 7}, "disableSubscriptionOverrides": True}})
    assert policy_for(topic, sub("https", own)).numRetries == 7


# -- over the wire -------------------------------------------------------------------------------
@pytest.fixture
def sns(nuvem):
    return nuvem.client("sns")


def http_subscription(sns):
    topic = sns.create_topic(Name=f"policy-{next(_names)}")["TopicArn"]
    arn = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint="http://127.0.0.1:9/hook",
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    return topic, arn


@pytest.mark.parametrize("policy, says", [
    ({"healthyRetryPolicy": {"minDelayTarget": 0}}, "minDelayTarget must be at least 1"),
    ({"healthyRetryPolicy": {"minDelayTarget": 30, "maxDelayTarget": 20}},
     "minDelayTarget must be less than or equal to maxDelayTarget"),
    ({"healthyRetryPolicy": {"maxDelayTarget": 3601}}, "maxDelayTarget must be less than"),
    ({"healthyRetryPolicy": {"numRetries": 101}}, "numRetries must be less than or equal to 100"),
    ({"healthyRetryPolicy": {"numRetries": 2, "numNoDelayRetries": 3}}, "the sum of"),
    ({"healthyRetryPolicy": {"numRetries": 100, "minDelayTarget": 60, "maxDelayTarget": 60}},
     "at most 3600 are allowed"),
    ({"healthyRetryPolicy": {"backoffFunction": "cubic"}}, "backoffFunction must be one of"),
    ({"healthyRetryPolicy": {"numRetries": "3"}}, "numRetries must be a non-negative integer"),
    ({"healthyRetryPolicy": {"retries": 3}}, "retries is not a valid field"),
    ({"throttlePolicy": {"maxReceivesPerSecond": 0}}, "maxReceivesPerSecond must be a positive"),
    ({"requestPolicy": {"headerContentType": "json"}}, "headerContentType must be a media type"),
])
def test_a_bad_subscription_policy_is_invalid_parameter(sns, policy, says):
    _, arn = http_subscription(sns)
    with pytest.raises(ClientError) as e:
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="DeliveryPolicy",
                                        AttributeValue=json.dumps(policy))
    error = e.value.response["Error"]
    assert (error["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]) == \
        ("InvalidParameter", 400)
    assert error["Message"].startswith("Invalid parameter: DeliveryPolicy: ") and says in \
        error["Message"]


def test_a_bad_topic_policy_is_invalid_parameter_and_changes_nothing(sns):
    topic, _ = http_subscription(sns)
    before = sns.get_topic_attributes(TopicArn=topic)["Attributes"]["EffectiveDeliveryPolicy"]
    with pytest.raises(ClientError) as e:
        sns.set_topic_attributes(TopicArn=topic, AttributeName="DeliveryPolicy",
                                 AttributeValue=json.dumps({"http": {
                                     "defaultHealthyRetryPolicy": {"numRetries": -1}}}))
    assert e.value.response["Error"]["Code"] == "InvalidParameter"
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"][
        "EffectiveDeliveryPolicy"] == before


def test_effective_policies_merge_topic_and_subscription(sns):
    topic, arn = http_subscription(sns)
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DeliveryPolicy",
                             AttributeValue=json.dumps({"http": {
                                 "defaultHealthyRetryPolicy": {"numRetries": 5,
                                                               "backoffFunction": "exponential"},
                                 "defaultThrottlePolicy": {"maxReceivesPerSecond": 3}}}))
    attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    http = json.loads(attrs["EffectiveDeliveryPolicy"])["http"]
    assert http["defaultHealthyRetryPolicy"] == {
        "minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 5, "numMaxDelayRetries": 0,
        "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "exponential"}
    assert http["disableSubscriptionOverrides"] is False
    assert http["defaultThrottlePolicy"] == {"maxReceivesPerSecond": 3}
    assert http["defaultRequestPolicy"] == {"headerContentType": "text/plain; charset=UTF-8"}
    assert json.loads(attrs["DeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"] == {
        "numRetries": 5, "backoffFunction": "exponential"}     # as set

    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="DeliveryPolicy",
                                    AttributeValue=json.dumps({
                                        "healthyRetryPolicy": {"minDelayTarget": 5,
                                                               "maxDelayTarget": 10}}))
    effective = json.loads(sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"][
        "EffectiveDeliveryPolicy"])
    assert effective["healthyRetryPolicy"] == {
        "minDelayTarget": 5, "maxDelayTarget": 10, "numRetries": 5, "numMaxDelayRetries": 0,
        "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "exponential"}
    assert effective["throttlePolicy"] == {"maxReceivesPerSecond": 3}
    assert effective["sicklyRetryPolicy"] is None and effective["guaranteed"] is False


def test_delivery_policies_are_kept_as_sns_keeps_them(nuvem):
    """LocalStack's AWS-validated test_topic_delivery_policy_crud and
    test_subscribe_external_http_endpoint_content_type: a topic's policy loses its nulls and gets
    disableSubscriptionOverrides; a subscription's has every member, null when not set."""
    sns = nuvem.client("sns")
    topic = sns.create_topic(Name=f"kept-{next(_names)}.fifo", Attributes={
        "FifoTopic": "true", "DeliveryPolicy": json.dumps(
            {"http": {"defaultRequestPolicy": {"headerContentType": "application/json"}}})})[
        "TopicArn"]

    def topic_policy():
        attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
        return json.loads(attrs["DeliveryPolicy"]) if "DeliveryPolicy" in attrs else None

    def set_topic_policy(value):
        sns.set_topic_attributes(TopicArn=topic, AttributeName="DeliveryPolicy",
                                 AttributeValue=value)

    kept = topic_policy()
    assert kept == {"http": {"disableSubscriptionOverrides": False,
                             "defaultRequestPolicy": {"headerContentType": "application/json"}}}
    assert list(kept["http"]) == ["disableSubscriptionOverrides", "defaultRequestPolicy"]
    retry = {"minDelayTarget": 5, "maxDelayTarget": 6, "numRetries": 1}
    set_topic_policy(json.dumps({"http": {"defaultHealthyRetryPolicy": retry}}))
    assert topic_policy() == {"http": {"defaultHealthyRetryPolicy": retry,
                                       "disableSubscriptionOverrides": False}}
    set_topic_policy(json.dumps({"http": {"defaultHealthyRetryPolicy": None}}))
    assert topic_policy() == {"http": {"disableSubscriptionOverrides": False}}
    set_topic_policy("")
    assert topic_policy() is None

    standard = sns.create_topic(Name=f"kept-{next(_names)}")["TopicArn"]
    arn = sns.subscribe(TopicArn=standard, Protocol="http", Endpoint="http://example.com/",
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="DeliveryPolicy",
                                    AttributeValue=json.dumps(
                                        {"requestPolicy": {"headerContentType": "text/csv"}}))
    attrs = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    own = json.loads(attrs["DeliveryPolicy"])
    effective = json.loads(attrs["EffectiveDeliveryPolicy"])
    assert own == {"healthyRetryPolicy": None, "sicklyRetryPolicy": None, "throttlePolicy": None,
                   "requestPolicy": {"headerContentType": "text/csv"}, "guaranteed": False}
    assert list(own) == list(effective)
    assert effective["healthyRetryPolicy"] == {
        "minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3, "numMaxDelayRetries": 0,
        "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear"}
    assert effective["requestPolicy"] == {"headerContentType": "text/csv"}
