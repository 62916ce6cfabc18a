"""Queue policies decide for other accounts and for AWS service principals (SNS, S3), which
reach SQS through the internal client with aws:SourceArn."""
import json

import pytest
from botocore.exceptions import ClientError

from nuvem.config import Config
from nuvem.context import Principal
from nuvem.core.internal import service_principal
from nuvem.runtime import Runtime

OWNER, OTHER = "000000000000", "111111111111"


def test_cross_account_needs_the_queue_policy(nuvem, sqs, qname):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    other = nuvem.client("sqs", key=OTHER)
    with pytest.raises(ClientError) as e:
        other.send_message(QueueUrl=url, MessageBody="hi")
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
            "Action": "sqs:SendMessage", "Resource": arn}]})})
    other.send_message(QueueUrl=url, MessageBody="hi")
    with pytest.raises(ClientError) as e:          # only SendMessage was granted
        other.receive_message(QueueUrl=url)
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    got = sqs.receive_message(QueueUrl=url, AttributeNames=["SenderId"])["Messages"][0]
    assert got["Attributes"]["SenderId"] == OTHER


def test_the_queue_url_names_the_resource_not_a_body_that_looks_like_an_arn(nuvem, sqs, qname):
    """A message body holding another queue's ARN does not make the call about that queue."""
    open_url = sqs.create_queue(QueueName=qname + "-open")["QueueUrl"]
    open_arn = sqs.get_queue_attributes(QueueUrl=open_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=open_url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
            "Action": "sqs:SendMessage", "Resource": open_arn}]})})
    closed_url = sqs.create_queue(QueueName=qname + "-closed")["QueueUrl"]
    other = nuvem.client("sqs", key=OTHER)
    other.send_message(QueueUrl=open_url, MessageBody=open_arn)
    with pytest.raises(ClientError) as e:
        other.send_message(QueueUrl=closed_url, MessageBody=open_arn)
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "Messages" not in sqs.receive_message(QueueUrl=closed_url)


@pytest.fixture
def runtime():
    rt = Runtime(Config(ephemeral=True))
    yield rt
    rt.store.close()


def test_service_principals_need_a_matching_source_arn(runtime):
    root = Principal.root(OWNER)
    internal = runtime.internal
    url = internal.call("sqs", "CreateQueue", {"QueueName": "events"}, principal=root,
                        account=OWNER, region="us-east-1")["QueueUrl"]
    arn = f"arn:aws:sqs:us-east-1:{OWNER}:events"
    topic = f"arn:aws:sns:us-east-1:{OWNER}:orders"
    sns = service_principal("sns.amazonaws.com")

    def send(source_arn, who=sns):
        return internal.call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "m"},
                             principal=who, account=OWNER, region="us-east-1",
                             source_arn=source_arn)

    with pytest.raises(Exception) as e:
        send(topic)
    assert getattr(e.value, "code", "") == "AccessDenied"
    internal.call("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]})}},
        principal=root, account=OWNER, region="us-east-1")
    assert send(topic)["MessageId"]
    with pytest.raises(Exception) as e:
        send(topic.replace("orders", "other"))
    assert getattr(e.value, "code", "") == "AccessDenied"
    with pytest.raises(Exception) as e:
        send(topic, service_principal("s3.amazonaws.com"))
    assert getattr(e.value, "code", "") == "AccessDenied"


def test_calls_of_one_batch_are_each_judged_by_their_source_and_the_current_policy(runtime):
    """An SNS fan-out's deliveries share one `batch` (the global condition keys, worked out once
    per region) and the authorizer keeps service principals' decisions: each call is still
    judged by its own source ARN, principal and region, and a changed policy at once."""
    root = Principal.root(OWNER)
    internal = runtime.internal
    topic = f"arn:aws:sns:us-east-1:{OWNER}:orders"
    urls = {}
    for region in ("us-east-1", "eu-west-1"):
        urls[region] = internal.call("sqs", "CreateQueue", {"QueueName": "batched"},
                                     principal=root, account=OWNER, region=region)["QueueUrl"]
    batch: dict = {}

    def allow(region, source):
        arn = f"arn:aws:sqs:{region}:{OWNER}:batched"
        internal.call("sqs", "SetQueueAttributes", {"QueueUrl": urls[region], "Attributes": {
            "Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": source},
                              "StringEquals": {"aws:RequestedRegion": region}}}]})}},
            principal=root, account=OWNER, region=region)

    def send(region, source=topic, who=service_principal("sns.amazonaws.com")):
        try:
            internal.call("sqs", "SendMessage", {"QueueUrl": urls[region], "MessageBody": "m"},
                          principal=who, account=OWNER, region=region, source_arn=source,
                          source_account=OWNER, validated=True, batch=batch)
        except Exception as e:
            return getattr(e, "code", repr(e))
        return "sent"

    allow("us-east-1", topic)
    allow("eu-west-1", topic)
    assert [send("us-east-1"), send("eu-west-1"), send("us-east-1")] == ["sent"] * 3
    assert send("us-east-1", topic + "-other") == "AccessDenied"
    assert send("us-east-1", who=service_principal("s3.amazonaws.com")) == "AccessDenied"
    allow("eu-west-1", topic + "-other")
    assert [send("eu-west-1"), send("us-east-1")] == ["AccessDenied", "sent"]
    assert send("eu-west-1", topic + "-other") == "sent"


def test_a_queue_policy_deny_stops_the_owners_root_too(sqs, qname):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.send_message(QueueUrl=url, MessageBody="before")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn}]})})
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="after")
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "before"
