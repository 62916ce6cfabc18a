"""SNS's control plane over the wire with boto3 and the AWS CLI: topics, attributes, tags,
subscriptions, publish validation, FIFO deduplication, errors with SNS's codes and statuses."""
import itertools
import json
import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from tests.scenarios.test_s18_sns import make_queue

_names = itertools.count()


def err(e):
    return (e.value.response["Error"]["Code"],
            e.value.response["ResponseMetadata"]["HTTPStatusCode"],
            e.value.response["Error"]["Message"])


@pytest.fixture
def sns(nuvem):
    return nuvem.client("sns")


@pytest.fixture
def topic(sns):
    return sns.create_topic(Name=f"api-{next(_names)}")["TopicArn"]


def test_create_topic_is_idempotent_and_has_aws_defaults(sns):
    arn = sns.create_topic(Name="orders")["TopicArn"]
    assert arn == "arn:aws:sns:us-east-1:000000000000:orders"
    assert sns.create_topic(Name="orders")["TopicArn"] == arn
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["Owner"] == "000000000000" and attrs["DisplayName"] == ""
    policy = json.loads(attrs["Policy"])
    assert policy["Id"] == "__default_policy_ID"
    assert "SNS:Publish" in policy["Statement"][0]["Action"]
    assert json.loads(attrs["EffectiveDeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"][
        "numRetries"] == 3
    with pytest.raises(ClientError) as e:
        sns.create_topic(Name="orders", Attributes={"DisplayName": "other"})
    assert err(e)[:2] == ("InvalidParameter", 400)


@pytest.mark.parametrize("name, attributes", [
    ("bad name", {}), ("x" * 257, {}), ("plain.fifo", {}), ("nofifo", {"FifoTopic": "true"}),
])
def test_topic_name_rules(sns, name, attributes):
    with pytest.raises(ClientError) as e:
        sns.create_topic(Name=name, Attributes=attributes)
    assert err(e)[:2] == ("InvalidParameter", 400)
    assert err(e)[2].startswith("Invalid parameter: ")


def test_fifo_topic_attributes(sns):
    arn = sns.create_topic(Name="f1.fifo", Attributes={"FifoTopic": "true",
                                                      "ContentBasedDeduplication": "true"})[
        "TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["FifoTopic"] == "true" and attrs["ContentBasedDeduplication"] == "true"
    # LocalStack's AWS-validated test_create_topic_with_attributes (2025): no FifoThroughputScope
    # unless it is set
    assert "FifoThroughputScope" not in attrs


def test_a_standard_topic_created_with_fifo_false_lists_no_fifo_attribute(sns):
    """LocalStack's AWS-validated test_topic_get_attributes_with_fifo_false."""
    arn = sns.create_topic(Name=f"api-{next(_names)}", Attributes={"FifoTopic": "false"})[
        "TopicArn"]
    assert "FifoTopic" not in sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert sns.create_topic(Name=arn.split(":")[-1], Attributes={"FifoTopic": "false"})[
        "TopicArn"] == arn
    with pytest.raises(ClientError) as e:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="FifoTopic", AttributeValue="false")
    assert err(e) == ("InvalidParameter", 400, "Invalid parameter: AttributeName")


def test_set_topic_attributes(sns, topic):
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="Shop")
    sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion", AttributeValue="2")
    attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attrs["DisplayName"] == "Shop" and attrs["SignatureVersion"] == "2"
    for name, value in (("Bogus", "x"), ("SignatureVersion", "3"), ("Policy", "{not json")):
        with pytest.raises(ClientError) as e:
            sns.set_topic_attributes(TopicArn=topic, AttributeName=name, AttributeValue=value)
        assert err(e)[:2] == ("InvalidParameter", 400)


def test_missing_topic_is_not_found(sns):
    missing = "arn:aws:sns:us-east-1:000000000000:nope"
    for call in (lambda: sns.get_topic_attributes(TopicArn=missing),
                 lambda: sns.publish(TopicArn=missing, Message="x"),
                 lambda: sns.subscribe(TopicArn=missing, Protocol="sqs",
                                       Endpoint="arn:aws:sqs:us-east-1:000000000000:q"),
                 lambda: sns.list_subscriptions_by_topic(TopicArn=missing)):
        with pytest.raises(ClientError) as e:
            call()
        assert err(e) == ("NotFound", 404, "Topic does not exist")
    sns.delete_topic(TopicArn=missing)          # deleting a missing topic is not an error
    with pytest.raises(ClientError) as e:
        sns.get_topic_attributes(TopicArn="not-an-arn")
    assert err(e)[:2] == ("InvalidParameter", 400)


def test_a_topic_of_another_region_is_an_invalid_parameter(sns, nuvem):
    # SNS serves its own region's topics: another region's ARN is refused, even for DeleteTopic
    arn = nuvem.client("sns", region="eu-central-1").create_topic(Name="elsewhere")["TopicArn"]
    for call in (lambda: sns.get_topic_attributes(TopicArn=arn),
                 lambda: sns.publish(TopicArn=arn, Message="x"),
                 lambda: sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="a@example.com"),
                 lambda: sns.delete_topic(TopicArn=arn)):
        with pytest.raises(ClientError) as e:
            call()
        assert err(e) == ("InvalidParameter", 400, "Invalid parameter: TopicArn")


def test_a_malformed_topic_arn_says_how_many_elements_it_has(sns):
    """LocalStack's AWS-validated test_publish_wrong_arn_format and test_create_topic_with_attributes
    (an empty TopicArn is a one-element ARN, not a missing parameter)."""
    for call, arn, elements in ((sns.publish, "randomstring", 1), (sns.publish, "randomstring:1", 2),
                                (sns.publish, "", 1), (sns.get_topic_attributes, "test-topic", 1)):
        kwargs = {"Message": "Good news everyone!"} if call == sns.publish else {}
        with pytest.raises(ClientError) as e:
            call(TopicArn=arn, **kwargs)
        assert err(e) == ("InvalidParameter", 400, "Invalid parameter: TopicArn Reason: An ARN "
                          f"must have at least 6 elements, not {elements}")


def test_list_topics_pages_by_100(nuvem):
    sns = nuvem.client("sns", region="eu-west-3")
    arns = {sns.create_topic(Name=f"p{i:03d}")["TopicArn"] for i in range(105)}
    first = sns.list_topics()
    assert len(first["Topics"]) == 100 and "NextToken" in first
    second = sns.list_topics(NextToken=first["NextToken"])
    assert "NextToken" not in second
    assert {t["TopicArn"] for t in first["Topics"] + second["Topics"]} == arns
    paged = [t for p in sns.get_paginator("list_topics").paginate() for t in p["Topics"]]
    assert len(paged) == 105


def test_tags(sns):
    arn = sns.create_topic(Name="tagged", Tags=[{"Key": "env", "Value": "dev"}])["TopicArn"]
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}])
    tags = sns.list_tags_for_resource(ResourceArn=arn)["Tags"]
    assert tags == [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a"}]
    sns.untag_resource(ResourceArn=arn, TagKeys=["env"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    with pytest.raises(ClientError) as e:
        sns.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert err(e)[:2] == ("TagLimitExceeded", 400)
    with pytest.raises(ClientError) as e:
        sns.list_tags_for_resource(ResourceArn=arn + "-missing")
    assert err(e)[:2] == ("ResourceNotFound", 404)
    with pytest.raises(ClientError) as e:     # LocalStack's AWS-validated test_tags
        sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "k2", "Value": "v2"}] * 2)
    assert err(e) == ("InvalidParameter", 400, "Invalid parameter: Duplicated keys are not allowed.")


def test_delete_topic_removes_its_subscriptions(sns):
    arn = sns.create_topic(Name="doomed")["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:q1")
    sns.delete_topic(TopicArn=arn)
    assert arn not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert all(s["TopicArn"] != arn for s in sns.list_subscriptions()["Subscriptions"])


def test_subscriptions_lifecycle(sns, topic):
    q = "arn:aws:sqs:us-east-1:000000000000:sub-q"
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=q)["SubscriptionArn"]
    assert sub.startswith(topic + ":")
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=q)["SubscriptionArn"] == sub
    pending = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="x@example.com")
    assert pending["SubscriptionArn"] == "pending confirmation"
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert sorted(s["SubscriptionArn"] for s in listed) == sorted([sub, "PendingConfirmation"])
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["Protocol"] == "sqs" and attrs["PendingConfirmation"] == "false"
    assert attrs["RawMessageDelivery"] == "false"
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery",
                                    AttributeValue="true")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                    AttributeValue='{"color": ["red"]}')
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["RawMessageDelivery"] == "true"
    assert json.loads(attrs["FilterPolicy"]) == {"color": ["red"]}
    assert attrs["FilterPolicyScope"] == "MessageAttributes"
    with pytest.raises(ClientError) as e:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                        AttributeValue='{"color": "red"}')
    assert err(e)[:2] == ("InvalidParameter", 400)
    topic_attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert (topic_attrs["SubscriptionsConfirmed"], topic_attrs["SubscriptionsPending"]) == ("1", "1")
    sns.unsubscribe(SubscriptionArn=sub)
    sns.unsubscribe(SubscriptionArn=sub)        # gone already: not an error, as in SNS
    with pytest.raises(ClientError) as e:
        sns.get_subscription_attributes(SubscriptionArn=sub)
    assert err(e)[:2] == ("NotFound", 404)


@pytest.mark.parametrize("protocol, endpoint", [
    ("http", "https://example.com"), ("email", "not-an-address"), ("sqs", "queue-name"),
    ("carrier-pigeon", "x"), ("sms", "call me"),
])
def test_subscribe_endpoint_rules(sns, topic, protocol, endpoint):
    with pytest.raises(ClientError) as e:
        sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint)
    assert err(e)[:2] == ("InvalidParameter", 400)


def test_sms_endpoint_and_phone_number_errors(sns, topic):
    """LocalStack's AWS-validated test_publish_wrong_phone_format."""
    with pytest.raises(ClientError) as e:
        sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="NAA+15551234567")
    assert err(e) == ("InvalidParameter", 400, "Invalid SMS endpoint: NAA+15551234567")
    for number in ("+1a234", "NAA+15551234567"):
        with pytest.raises(ClientError) as e:
            sns.publish(PhoneNumber=number, Message="x")
        assert err(e) == ("InvalidParameter", 400,
                          f"Invalid parameter: PhoneNumber Reason: {number} is not valid to publish to")


def test_sms_endpoints_take_single_separators_between_digits(sns, topic):
    """LocalStack's AWS-validated test_subscribe_sms_obscure_phone_number and
    test_subscribe_invalid_sms."""
    assert sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+12/34-567.890")[
        "SubscriptionArn"].startswith(topic + ":")
    for number in ("+15--551234567", "NAA+15551234567", "+15551234567.", "/+15551234567"):
        with pytest.raises(ClientError) as e:
            sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint=number)
        assert err(e) == ("InvalidParameter", 400, f"Invalid SMS endpoint: {number}")


def test_subscribe_is_idempotent_over_default_attributes(nuvem, sns, topic):
    """LocalStack's AWS-validated test_subscribe_idempotency and
    test_create_subscriptions_with_attributes: an empty FilterPolicy is none, the scope is
    listed with a filter policy only, and a default value matches a missing attribute."""
    _, queue_arn = make_queue(nuvem, f"idem-{next(_names)}", topic)

    def subscribe(attributes=None):
        extra = {} if attributes is None else {"Attributes": attributes}
        return sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                             ReturnSubscriptionArn=True, **extra)["SubscriptionArn"]

    arn = subscribe({"RawMessageDelivery": "TrUe", "FilterPolicyScope": "MessageBody",
                     "FilterPolicy": ""})
    attrs = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attrs["RawMessageDelivery"] == "true"
    assert "FilterPolicy" not in attrs and "FilterPolicyScope" not in attrs
    sns.unsubscribe(SubscriptionArn=arn)
    arn = subscribe({"RawMessageDelivery": "True"})
    for attributes in ({"RawMessageDelivery": "true"}, None, {},
                       {"RawMessageDelivery": "true", "FilterPolicyScope": "MessageAttributes"},
                       {"FilterPolicyScope": "MessageAttributes"}):
        assert subscribe(attributes) == arn
    with pytest.raises(ClientError) as e:
        subscribe({"RawMessageDelivery": "false", "FilterPolicyScope": "MessageBody"})
    assert err(e) == ("InvalidParameter", 400, "Invalid parameter: Attributes Reason: "
                      "Subscription already exists with different attributes")


def test_no_phone_number_is_opted_out(sns):
    """LocalStack's AWS-validated test_list_opted_out: nobody replies STOP to the mailbox."""
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == []
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15551234567")[
        "isOptedOut"] is False
    sns.opt_in_phone_number(phoneNumber="+15551234567")
    with pytest.raises(ClientError) as e:
        sns.check_if_phone_number_is_opted_out(phoneNumber="invalid-number")
    assert err(e)[:2] == ("InvalidParameter", 400)


def test_email_raw_delivery_is_refused(sns, topic):
    with pytest.raises(ClientError) as e:
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="a@example.com",
                      Attributes={"RawMessageDelivery": "true"})
    assert err(e)[:2] == ("InvalidParameter", 400)


def test_confirm_with_a_bad_token(sns, topic):
    """LocalStack's AWS-validated test_sns_confirm_subscription_wrong_token: a token of SNS's form
    that confirms nothing (also on a topic that does not exist), and one not of that form."""
    for arn in (topic, topic[:-1] + "i"):
        with pytest.raises(ClientError) as e:
            sns.confirm_subscription(TopicArn=arn, Token="0" * 64)
        assert err(e) == ("InvalidParameter", 400, "Invalid parameter: Token")
    with pytest.raises(ClientError) as e:
        sns.confirm_subscription(TopicArn=topic, Token="randomtoken")
    assert err(e) == ("InvalidParameter", 400, "Invalid token")


def sub_arn_in(xml: str) -> str:
    return xml.split("<SubscriptionArn>")[1].split("</SubscriptionArn>")[0]


_INVALID, _ATTRIBUTE = "InvalidParameter", "ParameterValueInvalid"


@pytest.mark.parametrize("kwargs, code, fragment", [
    ({"Message": ""}, _INVALID, "Empty message"),
    ({"Message": "x", "Subject": "a\nb"}, _INVALID, "Subject"),
    ({"Message": "x" * (256 * 1024 + 1)}, _INVALID, "Message too long"),
    ({"Message": "{}", "MessageStructure": "json"}, _INVALID, "No default entry"),
    # LocalStack's AWS-validated test_message_structure_json_exc: an object is no entry
    ({"Message": '{"default": {"object": "test"}}', "MessageStructure": "json"}, _INVALID,
     "No default entry"),
    ({"Message": "nope", "MessageStructure": "json"}, _INVALID, "failed to parse"),
    ({"Message": "x", "MessageDeduplicationId": "d"}, _INVALID, "MessageDeduplicationId"),
    # message attributes: ParameterValueInvalid in SNS's words, without "Invalid parameter: "
    # (LocalStack's AWS-validated test_empty_or_wrong_message_attributes and
    # test_message_attributes_prefixes)
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "Number", "StringValue": "abc"}}},
     _ATTRIBUTE, "Could not cast message attribute 'a' value to number"),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "Number", "StringValue": "NaN"}}},
     _ATTRIBUTE, "Could not cast message attribute 'a' value to number"),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "Number", "StringValue": "1_0"}}},
     _ATTRIBUTE, "Could not cast message attribute 'a' value to number"),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "Weird", "StringValue": "1"}}},
     _ATTRIBUTE, "The message attribute 'a' has an invalid message attribute type, the set of "
                 "supported type prefixes is Binary, Number, and String."),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "String.", "StringValue": "1"}}},
     _ATTRIBUTE, "invalid message attribute type"),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "String.Array",
                                                   "StringValue": "x"}}}, _ATTRIBUTE, "JSON array"),
    ({"Message": "x", "MessageAttributes": {f"a{i}": {"DataType": "String", "StringValue": "v"}
                                            for i in range(11)}},
     _ATTRIBUTE, "exceeds the allowed maximum"),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "String", "StringValue": ""}}},
     _ATTRIBUTE, "The message attribute 'a' must contain non-empty message attribute value for "
                 "message attribute type 'String'."),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "Number", "BinaryValue": b"1"}}},
     _ATTRIBUTE, "The message attribute 'a' with type 'Number' must use field 'String'."),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "Binary", "StringValue": "1"}}},
     _ATTRIBUTE, "The message attribute 'a' with type 'Binary' must use field 'Binary'."),
    ({"Message": "x", "MessageAttributes": {"a" * 257: {"DataType": "String", "StringValue": "v"}}},
     _ATTRIBUTE, "Length of message attribute name must be less than 256 bytes."),
    ({"Message": "x", "MessageAttributes": {"a^": {"DataType": "String", "StringValue": "v"}}},
     _ATTRIBUTE, "Invalid non-alphanumeric character '#x5E' was found in the message attribute "
                 "name. Can only include alphanumeric characters, hyphens, underscores, or dots."),
    ({"Message": "x", "MessageAttributes": {".a": {"DataType": "String", "StringValue": "v"}}},
     _ATTRIBUTE, "Invalid message attribute name starting with character '.' was found."),
    ({"Message": "x", "MessageAttributes": {"a.": {"DataType": "String", "StringValue": "v"}}},
     _ATTRIBUTE, "Invalid message attribute name ending with character '.' was found."),
    ({"Message": "x", "MessageAttributes": {"a..b": {"DataType": "String", "StringValue": "v"}}},
     _ATTRIBUTE, "Message attribute name can not have successive '.' character."),
])
def test_publish_validation(sns, topic, kwargs, code, fragment):
    with pytest.raises(ClientError) as e:
        sns.publish(TopicArn=topic, **kwargs)
    got_code, status, message = err(e)
    assert (got_code, status) == (code, 400)
    assert message.startswith("Invalid parameter: ") == (code == _INVALID) and fragment in message


def test_publish_returns_message_ids(sns, topic):
    first = sns.publish(TopicArn=topic, Message="hello", Subject="Hi",
                        MessageAttributes={"n": {"DataType": "Number", "StringValue": "3"},
                                           "b": {"DataType": "Binary", "BinaryValue": b"\x00"}})
    second = sns.publish(TargetArn=topic, Message=json.dumps({"default": "d", "sqs": "s"}),
                         MessageStructure="json")
    assert len(first["MessageId"]) == 36 and first["MessageId"] != second["MessageId"]
    with pytest.raises(ClientError) as e:
        sns.publish(Message="x")
    assert err(e)[:2] == ("InvalidParameter", 400)


def test_fifo_publish_needs_group_and_deduplicates(sns):
    arn = sns.create_topic(Name="dedup.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    with pytest.raises(ClientError) as e:
        sns.publish(TopicArn=arn, Message="x", MessageDeduplicationId="d1")
    assert "MessageGroupId" in err(e)[2]
    with pytest.raises(ClientError) as e:
        sns.publish(TopicArn=arn, Message="x", MessageGroupId="g")
    assert "ContentBasedDeduplication" in err(e)[2]
    a = sns.publish(TopicArn=arn, Message="x", MessageGroupId="g", MessageDeduplicationId="d1")
    b = sns.publish(TopicArn=arn, Message="y", MessageGroupId="g", MessageDeduplicationId="d1")
    c = sns.publish(TopicArn=arn, Message="x", MessageGroupId="g", MessageDeduplicationId="d2")
    assert a["MessageId"] == b["MessageId"] and a["SequenceNumber"] == b["SequenceNumber"]
    assert int(c["SequenceNumber"]) > int(a["SequenceNumber"]) and len(c["SequenceNumber"]) == 20


def test_publish_batch(sns, topic):
    """An entry SNS refuses fails the whole batch, nothing published (LocalStack's AWS-validated
    test_publish_batch_exceptions and test_empty_or_wrong_message_attributes)."""
    result = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "ok", "Message": "fine"}, {"Id": "also", "Message": "x", "Subject": "s"}])
    assert [s["Id"] for s in result["Successful"]] == ["ok", "also"] and result["Failed"] == []
    fifo = sns.create_topic(Name=f"api-{next(_names)}.fifo",
                            Attributes={"FifoTopic": "true"})["TopicArn"]
    for arn, bad, code in (
            (topic, {"Message": "x", "Subject": "a\nb"}, "InvalidParameter"),
            (topic, {"Message": json.dumps({"sqs": "x"}), "MessageStructure": "json"},
             "InvalidParameter"),
            (topic, {"Message": "x", "MessageAttributes": {
                "attr1": {"DataType": "String", "StringValue": ""}}}, "ParameterValueInvalid"),
            (fifo, {"Message": "x"}, "InvalidParameter"),
            (fifo, {"Message": "x", "MessageGroupId": "g"}, "InvalidParameter")):
        ok = {"MessageGroupId": "g", "MessageDeduplicationId": "d"} if arn == fifo else {}
        with pytest.raises(ClientError) as e:
            sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
                {"Id": "ok", "Message": "fine", **ok}, {"Id": "bad", **bad}])
        assert err(e)[:2] == (code, 400)
    for entries, code in (([], "EmptyBatchRequest"),
                          ([{"Id": str(i), "Message": "m"} for i in range(11)],
                           "TooManyEntriesInBatchRequest"),
                          ([{"Id": "a", "Message": "m"}, {"Id": "a", "Message": "n"}],
                           "BatchEntryIdsNotDistinct"),
                          ([{"Id": "no spaces", "Message": "m"}], "InvalidBatchEntryId"),
                          ([{"Id": str(i), "Message": "m" * 30000} for i in range(10)],
                           "BatchRequestTooLong")):
        with pytest.raises(ClientError) as e:
            sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
        assert err(e)[:2] == (code, 400)


def test_topic_policy_and_authorization_error(nuvem):
    account = "515151515151"
    iam = nuvem.client("iam", key=account)
    iam.create_user(UserName="nosns")
    key = iam.create_access_key(UserName="nosns")["AccessKey"]
    owner = nuvem.client("sns", key=account)
    arn = owner.create_topic(Name="guarded")["TopicArn"]
    import boto3
    from botocore.config import Config
    user = boto3.client("sns", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                        aws_access_key_id=key["AccessKeyId"],
                        aws_secret_access_key=key["SecretAccessKey"],
                        config=Config(retries={"max_attempts": 1}))
    # the default topic policy lets the owner's account publish (AWS:SourceOwner)...
    assert user.publish(TopicArn=arn, Message="x")["MessageId"]
    # ...a policy without that statement leaves a user with no IAM permissions refused
    owner.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "sns:GetTopicAttributes", "Resource": arn}]}))
    with pytest.raises(ClientError) as e:
        user.publish(TopicArn=arn, Message="x")
    code, status, message = err(e)
    assert (code, status) == ("AuthorizationError", 403)
    assert "sns:Publish" in message
    # the topic policy grants the user: now it may publish
    owner.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:user/nosns"},
            "Action": "sns:Publish", "Resource": arn}]}))
    assert user.publish(TopicArn=arn, Message="x")["MessageId"]
    # another account needs the topic policy too: AddPermission grants it
    other = nuvem.client("sns", key="616161616161")
    with pytest.raises(ClientError) as e:
        other.publish(TopicArn=arn, Message="x")
    assert err(e)[:2] == ("AuthorizationError", 403)
    owner.add_permission(TopicArn=arn, Label="other", AWSAccountId=["616161616161"],
                         ActionName=["Publish"])
    assert other.publish(TopicArn=arn, Message="x")["MessageId"]
    owner.remove_permission(TopicArn=arn, Label="other")
    with pytest.raises(ClientError) as e:
        other.publish(TopicArn=arn, Message="x")
    assert err(e)[:2] == ("AuthorizationError", 403)
    # a topic policy grants topic actions only (aws/aws-cli#3143, SNS's answer)
    for action in ("SetSubscriptionAttributes", "Foo"):
        with pytest.raises(ClientError) as e:
            owner.add_permission(TopicArn=arn, Label="other", AWSAccountId=["616161616161"],
                                 ActionName=["Subscribe", action])
        assert err(e) == ("InvalidParameter", 400,
                          "Invalid parameter: Policy statement action out of service scope!")


def test_publish_is_about_its_topic_not_a_message_that_looks_like_a_topic_arn(nuvem):
    """Publish is authorized on the TopicArn (or TargetArn) it names: a Message holding another
    topic's ARN does not make the call about that topic too."""
    account = "525252525252"
    iam = nuvem.client("iam", key=account)
    owner = nuvem.client("sns", key=account)
    arn = owner.create_topic(Name="named")["TopicArn"]
    other = owner.create_topic(Name="mentioned")["TopicArn"]
    for topic in (arn, other):      # no topic policy grants the user: its own policy decides
        owner.set_topic_attributes(TopicArn=topic, AttributeName="Policy",
                                   AttributeValue=json.dumps({
                                       "Version": "2012-10-17", "Statement": [{
                                           "Effect": "Allow",
                                           "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                                           "Action": "sns:GetTopicAttributes",
                                           "Resource": topic}]}))
    iam.create_user(UserName="publisher")
    iam.put_user_policy(UserName="publisher", PolicyName="one-topic", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sns:Publish", "Resource": arn}]}))
    key = iam.create_access_key(UserName="publisher")["AccessKey"]
    import boto3
    from botocore.config import Config
    user = boto3.client("sns", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                        aws_access_key_id=key["AccessKeyId"],
                        aws_secret_access_key=key["SecretAccessKey"],
                        config=Config(retries={"max_attempts": 1}))
    assert user.publish(TopicArn=arn, Message=other)["MessageId"]
    assert user.publish(TargetArn=arn, Message=other, Subject="about")["MessageId"]
    with pytest.raises(ClientError) as e:
        user.publish(TopicArn=other, Message=arn)
    code, status, message = err(e)
    assert (code, status) == ("AuthorizationError", 403)
    assert "sns:Publish" in message and other in message


def test_the_owners_root_is_stopped_only_by_an_explicit_deny_in_the_topic_policy(nuvem):
    """Root may do anything in its own account; a topic policy that allows others (and not root)
    leaves it so, and only a Deny statement refuses it."""
    account = "535353535353"
    owner = nuvem.client("sns", key=account)
    arn = owner.create_topic(Name="owned")["TopicArn"]

    def policy(*statements):
        owner.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(
            {"Version": "2012-10-17", "Statement": list(statements)}))

    others = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::616161616161:root"},
              "Action": "sns:Publish", "Resource": arn}
    policy(others)
    assert owner.publish(TopicArn=arn, Message="allowed")["MessageId"]
    policy(others, {"Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": arn,
                    "Condition": {"StringEquals": {"aws:SourceOwner": "000000000000"}}})
    assert owner.publish(TopicArn=arn, Message="the deny names another owner")["MessageId"]
    policy(others, {"Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": arn})
    with pytest.raises(ClientError) as e:
        owner.publish(TopicArn=arn, Message="denied")
    code, status, message = err(e)
    assert (code, status) == ("AuthorizationError", 403)
    assert "explicit deny" in message
    policy(others)
    assert owner.publish(TopicArn=arn, Message="allowed again")["MessageId"]


def test_data_protection_policy_is_stored(sns, topic):
    doc = json.dumps({"Name": "p", "Version": "2021-06-01", "Statement": []})
    sns.put_data_protection_policy(ResourceArn=topic, DataProtectionPolicy=doc)
    assert sns.get_data_protection_policy(ResourceArn=topic)["DataProtectionPolicy"] == doc


def test_aws_cli(nuvem):
    out = nuvem.aws_cli("sns", "create-topic", "--name", "cli-topic")
    arn = json.loads(out.stdout)["TopicArn"]
    nuvem.aws_cli("sns", "subscribe", "--topic-arn", arn, "--protocol", "sms",
                  "--notification-endpoint", "+15550100")
    listed = json.loads(nuvem.aws_cli("sns", "list-subscriptions-by-topic", "--topic-arn",
                                      arn).stdout)
    assert listed["Subscriptions"][0]["Endpoint"] == "+15550100"
    published = json.loads(nuvem.aws_cli("sns", "publish", "--topic-arn", arn, "--message",
                                         "from the CLI").stdout)
    assert published["MessageId"]
    failed = nuvem.aws_cli("sns", "get-topic-attributes", "--topic-arn", arn + "x", check=False)
    assert failed.returncode != 0 and "NotFound" in failed.stderr


def test_a_queue_policy_that_reads_the_clock_is_judged_at_each_delivery(manual_nuvem):
    """SNS's deliveries to a queue are judged by the queue policy alone, and the authorizer keeps
    those decisions (iam/middleware.py); a policy with a time condition must still be judged
    at each delivery, and a changed policy at once."""
    from datetime import datetime, timedelta
    sns, sqs = manual_nuvem.client("sns"), manual_nuvem.client("sqs")
    arn = sns.create_topic(Name="clocked")["TopicArn"]
    url = sqs.create_queue(QueueName="clocked")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    # from the server's clock: it stood still since the last test that moved it (on a busy
    # machine, more than a minute before this one)
    now = datetime.fromisoformat(manual_nuvem.admin("GET", "/_nuvem/clock")["now"].replace(
        "Z", "+00:00"))
    until = (now + timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def policy(condition):
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": queue, "Condition": condition}]})

    def delivered():
        time.sleep(0.3)
        return int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy({
        "ArnEquals": {"aws:SourceArn": arn}, "DateLessThan": {"aws:CurrentTime": until}})})
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue)
    for _ in range(2):
        sns.publish(TopicArn=arn, Message="in time")
    assert delivered() == 2
    manual_nuvem.admin("POST", "/_nuvem/clock", {"advance": 120})
    sns.publish(TopicArn=arn, Message="too late")
    assert delivered() == 2
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy({
        "ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:000000000000:another"}})})
    sns.publish(TopicArn=arn, Message="another topic's queue now")
    assert delivered() == 2


def test_a_big_topic_is_fanned_out_by_the_dispatcher_with_the_same_envelope(nuvem):
    """Publish fans out itself to a topic with up to 100 subscriptions and leaves a bigger one
    to the dispatcher (services/sns/delivery.py): both deliver the same signed envelope."""
    sns, sqs = nuvem.client("sns"), nuvem.client("sqs")
    name = f"big-{next(_names)}"

    def queue_for(topic, suffix):
        url, arn = make_queue(nuvem, f"{name}-{suffix}", topic)
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        return url

    small = sns.create_topic(Name=f"{name}-small")["TopicArn"]
    big = sns.create_topic(Name=f"{name}-big")["TopicArn"]
    for i in range(100):      # never matched: no delivery, but they make the topic big
        sns.subscribe(TopicArn=big, Protocol="sqs",
                      Endpoint=f"arn:aws:sqs:us-east-1:000000000000:{name}-none-{i}",
                      Attributes={"FilterPolicy": json.dumps({"never": ["x"]})})
    urls = {small: queue_for(small, "small"), big: queue_for(big, "big")}
    attributes = {"kind": {"DataType": "String", "StringValue": "order"},
                  "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}
    notes = {}
    for topic, url in urls.items():
        sns.publish(TopicArn=topic, Message="hello", Subject="hi", MessageAttributes=attributes)
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages", [])
        assert len(got) == 1
        notes[topic] = json.loads(got[0]["Body"])
    for topic, note in notes.items():
        assert note["TopicArn"] == topic and note["Type"] == "Notification"
        # the ARN as it is, as SNS writes it (LocalStack's AWS-validated test_subscribe_sqs_queue)
        assert note["UnsubscribeURL"].endswith(
            "?Action=Unsubscribe&SubscriptionArn=" + note["TopicArn"] + ":" +
            note["UnsubscribeURL"].rsplit(":", 1)[1])
    a, b = notes[small], notes[big]
    assert list(a) == list(b)
    for key in ("Message", "Subject", "SignatureVersion", "SigningCertURL", "MessageAttributes"):
        assert a[key] == b[key]
    assert a["MessageAttributes"] == {"kind": {"Type": "String", "Value": "order"},
                                      "blob": {"Type": "Binary", "Value": "AAE="}}


def test_another_accounts_queue_confirms_a_subscription_its_owner_did_not_make(nuvem, sns):
    """"When the queue owner creates a subscription, the subscription doesn't require
    confirmation"; when the topic owner subscribes another account's queue, the queue gets the
    SubscriptionConfirmation and nothing is delivered until its SubscribeURL is visited."""
    owner = "111122223333"
    sqs_b, sns_b = nuvem.client("sqs", key=owner), nuvem.client("sns", key=owner)
    topic = sns.create_topic(Name=f"cross-{next(_names)}")["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{owner}:root"},
            "Action": "sns:Subscribe", "Resource": topic}]}))

    def received(url):
        got = sqs_b.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages", [])
        for m in got:
            sqs_b.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return [json.loads(m["Body"]) for m in got]

    url, arn = make_queue(nuvem, f"by-topic-owner-{next(_names)}", topic, key=owner)
    assert sns.subscribe(TopicArn=topic, Protocol="sqs",
                         Endpoint=arn)["SubscriptionArn"] == "pending confirmation"
    [confirmation] = received(url)
    assert confirmation["Type"] == "SubscriptionConfirmation"
    assert confirmation["TopicArn"] == topic and confirmation["Token"]
    [sub] = [s for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
             if s["Endpoint"] == arn]
    assert sub["SubscriptionArn"] == "PendingConfirmation"
    sns.publish(TopicArn=topic, Message="before")
    # LocalStack's AWS-validated test_subscribe_external_http_endpoint: broken links
    link, token = confirmation["SubscribeURL"], confirmation["Token"]
    for broken, reason in ((link.replace(topic, "not-an-arn"), "Topic"),
                           (link.replace(topic, topic.replace("us-east-1", "eu-central-1")), "Topic"),
                           (link.replace(token, "abc123"), "Token")):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(broken)
        assert e.value.code == 400
        assert f"<Message>Invalid parameter: {reason}</Message>" in e.value.read().decode()
    # ... and a topic of the same region that is not there: SNS goes by the token and confirms
    with urllib.request.urlopen(link.replace(topic, topic[:-1] + "Z")) as response:
        assert response.status == 200
        assert sub_arn_in(response.read().decode()).startswith(topic + ":")
    with urllib.request.urlopen(link) as response:      # confirming again answers the same
        assert response.status == 200
    sns.publish(TopicArn=topic, Message="after")
    assert [n["Message"] for n in received(url)] == ["after"]

    url, arn = make_queue(nuvem, f"by-queue-owner-{next(_names)}", topic, key=owner)
    subscribed = sns_b.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    assert subscribed["SubscriptionArn"].startswith(topic + ":")
    sns.publish(TopicArn=topic, Message="at once")
    assert [n["Message"] for n in received(url)] == ["at once"]


FILTER_POLICY_ERRORS = [    # LocalStack's AWS-validated test_sns_filter_policy.py::test_validate_policy*
    ({"key": [{"suffix": "value", "prefix": "value2"}]}, "Only one key allowed in match expression"),
    ({"key": {"suffix": "value"}}, '"suffix" must be an object or an array'),
    ({"key": [{"numeric": []}]}, "Invalid member in numeric match: ]"),
    ({"key": [{"numeric": ["operator"]}]}, "Unrecognized numeric range operator: operator"),
    ({"key": [{"numeric": [1, "<="]}]}, "Invalid member in numeric match: 1"),
    ({"key": [{"numeric": ["=", "000"]}]}, "Value of equals must be numeric"),
    ({"key": [{"numeric": [">="]}]}, "Value of >= must be numeric"),
    ({"key": [{"numeric": ["<", 100, ">", 10]}]}, "Too many elements in numeric expression"),
    ({"key": [{"numeric": [">=", 1, ">", 2]}]}, "Bad numeric range operator: >"),
    ({"key": [{"numeric": [">", 3, "<", 1]}]}, "Bottom must be less than top"),
    ({"key": [{"numeric": [">", 20, 30]}]}, "Bad value in numeric range: 30"),
    ({"key": [{"numeric": [">", 20, "<", 30, "<", 50]}]},
     "Too many terms in numeric range expression"),
    ({"key": [{"anything-but": {"wrong-operator": None}}]},
     "Unsupported anything-but pattern: wrong-operator"),
    ({"key": [{"anything-but": {"exists": False}}]}, "Unsupported anything-but pattern: exists"),
    ({"key": [{"anything-but": {"prefix": False}}]}, "prefix match pattern must be a string"),
]


# what SNS's JSON reader says, and where it stopped
_JSON_AT = ("\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); "
            "line: 1, column: {}]")
_UNQUOTED_NAME = ("failed to parse JSON. Unexpected character ('i' (code 105)): was expecting "
                  "double-quote to start field name" + _JSON_AT.format(2))


def test_subscription_attribute_errors_in_sns_words(nuvem, sns, topic):
    """Subscribe's say "Attributes Reason: ", SetSubscriptionAttributes' do not (LocalStack's
    AWS-validated test_validate_set_sub_attributes, test_create_subscriptions_with_attributes and
    the filter policy tests)."""
    _, queue_arn = make_queue(nuvem, f"sub-attr-errors-{next(_names)}", topic)
    for policy, message in FILTER_POLICY_ERRORS:
        with pytest.raises(ClientError) as e:
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                          Attributes={"FilterPolicy": json.dumps(policy)})
        assert err(e) == ("InvalidParameter", 400,
                          f"Invalid parameter: Attributes Reason: FilterPolicy: {message}")
    with pytest.raises(ClientError) as e:     # LocalStack's test_subscribe_invalid_filter_policy
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                      Attributes={"FilterPolicy": "invalid-json"})
    assert err(e)[2] == ("Invalid parameter: Attributes Reason: FilterPolicy: failed to parse "
                         "JSON. Unrecognized token 'invalid': was expecting (JSON String, Number, "
                         "Array, Object or token 'null', 'true' or 'false')" + _JSON_AT.format(8))
    with pytest.raises(ClientError) as e:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                      Attributes={"RawMessageDelivery": "wrongvalue"})
    assert err(e)[2] == ("Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value "
                         "[wrongvalue]. Must be true or false.")
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
    for name, value, message in (
            ("RawMessageDelivery", "test-ValUe", "RawMessageDelivery: Invalid value [test-ValUe]. "
                                                 "Must be true or false."),
            ("RedrivePolicy", json.dumps({"deadLetterTargetArn": "fake-arn"}),
             "RedrivePolicy: deadLetterTargetArn is an invalid arn"),
            ("RedrivePolicy", "{invalidjson}", "RedrivePolicy: " + _UNQUOTED_NAME),
            ("FilterPolicy", "{invalidjson}", "FilterPolicy: " + _UNQUOTED_NAME),
            # LocalStack's AWS-validated test_sub_filter_policy_nested_property(_constraints)
            ("FilterPolicy", json.dumps({"object": {"key": ["auto-"]}}),
             "Filter policy scope MessageAttributes does not support nested filter policy"),
            ("FilterPolicy", json.dumps({"key_a": "value_one"}),
             'FilterPolicy: "key_a" must be an object or an array'),
            ("FilterPolicyScope", "RandomValue", "FilterPolicyScope: Invalid value [RandomValue]. "
                                                 "Please use either MessageBody or MessageAttributes")):
        with pytest.raises(ClientError) as e:
            sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName=name,
                                            AttributeValue=value)
        assert err(e) == ("InvalidParameter", 400, f"Invalid parameter: {message}")
    null_too = json.dumps({"attr1": [None, {"anything-but": "whatever"}]})   # test_filter_policy
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="FilterPolicy",
                                    AttributeValue=null_too)
    assert sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"][
        "FilterPolicy"] == null_too


def test_a_fifo_subscription_needs_a_fifo_dead_letter_queue(nuvem, sns):
    """LocalStack's AWS-validated test_validations_for_fifo."""
    topic = sns.create_topic(Name=f"api-{next(_names)}.fifo",
                             Attributes={"FifoTopic": "true"})["TopicArn"]
    _, queue_arn = make_queue(nuvem, f"fifo-dlq-{next(_names)}.fifo", topic, FifoQueue="true")
    _, standard_arn = make_queue(nuvem, f"fifo-dlq-{next(_names)}", topic)
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
    with pytest.raises(ClientError) as e:
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="RedrivePolicy",
                                        AttributeValue=json.dumps({"deadLetterTargetArn": standard_arn}))
    assert err(e) == ("InvalidParameter", 400, "Invalid parameter: RedrivePolicy: must use a FIFO "
                      "queue as DLQ for a FIFO Subscription to a FIFO Topic.")


def test_a_fifo_topics_notification_is_not_signed(nuvem, sns):
    """LocalStack's AWS-validated test_message_to_fifo_sqs: the envelope a FIFO topic sends to
    SQS has its SequenceNumber and no SignatureVersion, Signature or SigningCertURL."""
    topic = sns.create_topic(Name=f"api-{next(_names)}.fifo",
                             Attributes={"FifoTopic": "true"})["TopicArn"]
    url, queue_arn = make_queue(nuvem, f"fifo-note-{next(_names)}.fifo", topic, FifoQueue="true")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sns.publish(TopicArn=topic, Message="Test", MessageGroupId="message-group-id-1",
                MessageDeduplicationId="message-deduplication-id-1")
    got = nuvem.client("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    note = json.loads(got[0]["Body"])
    assert list(note) == ["Type", "MessageId", "SequenceNumber", "TopicArn", "Message",
                          "Timestamp", "UnsubscribeURL"]


def test_a_standard_topics_message_group_reaches_a_standard_queue(nuvem, sns, topic):
    """LocalStack's AWS-validated test_publish_message_group_id (the standard queue receives the
    group) and test_fifo_topic_to_regular_sqs (a FIFO topic's group does not reach one)."""
    sqs = nuvem.client("sqs")
    url, queue_arn = make_queue(nuvem, f"fair-{next(_names)}", topic)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sns.publish(TopicArn=topic, Message="grouped", MessageGroupId="my-group-id-1")
    got = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], WaitTimeSeconds=5)["Messages"]
    assert got[0]["Attributes"]["MessageGroupId"] == "my-group-id-1"
    fifo = sns.create_topic(Name=f"api-{next(_names)}.fifo", Attributes={
        "FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    url, queue_arn = make_queue(nuvem, f"fair-{next(_names)}", fifo)
    sns.subscribe(TopicArn=fifo, Protocol="sqs", Endpoint=queue_arn)
    sns.publish(TopicArn=fifo, Message="Test", MessageGroupId="message-group-id-1")
    got = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], WaitTimeSeconds=5)["Messages"]
    assert json.loads(got[0]["Body"])["SequenceNumber"]
    assert "MessageGroupId" not in got[0]["Attributes"]


def test_a_structured_entry_that_is_not_a_string_gets_the_default(nuvem, sns, topic):
    """LocalStack's AWS-validated test_message_structure_json_to_sqs: an "sqs" object is ignored
    and the queue gets the default; a string entry is the queue's."""
    sqs = nuvem.client("sqs")
    url, queue_arn = make_queue(nuvem, f"structured-{next(_names)}", topic)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    for entry, expected in (({"field": "value"}, "default field"),
                            (json.dumps({"field": "value"}), '{"field": "value"}')):
        sns.publish(TopicArn=topic, MessageStructure="json",
                    Message=json.dumps({"default": "default field", "sqs": entry}))
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]
        assert json.loads(got["Body"])["Message"] == expected
        sqs.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])


def test_publish_passes_its_trace_header_to_the_queue(nuvem, topic):
    """LocalStack's AWS-validated test_publish_sqs_from_sns_with_xray_propagation."""
    trace = "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1"
    sns = nuvem.client("sns")       # its own client: the hook must not reach the others

    def add_trace_header(request, **_):
        request.headers["X-Amzn-Trace-Id"] = trace

    sns.meta.events.register("before-send.sns.Publish", add_trace_header)
    sqs = nuvem.client("sqs")
    url, queue_arn = make_queue(nuvem, f"xray-{next(_names)}", topic)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sns.publish(TargetArn=topic, Message="X-Ray propagation test msg")
    got = sqs.receive_message(QueueUrl=url, AttributeNames=["AWSTraceHeader"],
                              WaitTimeSeconds=5)["Messages"]
    assert got[0]["Attributes"]["AWSTraceHeader"] == trace


def test_every_subscription_names_who_subscribed_it(nuvem, sns, topic):
    """LocalStack's AWS-validated test_subscribe_sms_endpoint and
    test_subscribe_external_http_endpoint_content_type: SubscriptionPrincipal is the subscriber's
    ARN, whatever the protocol."""
    import boto3
    from botocore.config import Config
    iam = nuvem.client("iam")
    name = f"subscriber-{next(_names)}"
    user_arn = iam.create_user(UserName=name)["User"]["Arn"]
    iam.put_user_policy(UserName=name, PolicyName="subscribe", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sns:Subscribe", "Resource": topic}]}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    user = boto3.client("sns", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                        aws_access_key_id=key["AccessKeyId"],
                        aws_secret_access_key=key["SecretAccessKey"],
                        config=Config(retries={"max_attempts": 1}))
    by_user = user.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+123123123")
    by_root = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint="http://example.com/",
                            ReturnSubscriptionArn=True)
    for sub, principal in ((by_user, user_arn),
                           (by_root, f"arn:aws:iam::{topic.split(':')[4]}:root")):
        attrs = sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])[
            "Attributes"]
        assert attrs["SubscriptionPrincipal"] == principal


def test_unsubscribe_arn_errors_in_sns_words(nuvem):
    """LocalStack's AWS-validated test_unsubscribe_wrong_arn_format and
    test_unsubscribe_from_deleted_topic (the "pending confirmation" answer is no ARN either)."""
    sns = nuvem.client("sns", parameter_validation=False)
    for kwargs, reason in (
            ({}, "SubscriptionArn Reason: no value for required parameter"),
            ({"SubscriptionArn": "randomstring"},
             "SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"),
            ({"SubscriptionArn": "pending confirmation"},
             "SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"),
            ({"SubscriptionArn": "arn:aws:sns:us-east-1:random"},
             "SubscriptionArn Reason: An ARN must have at least 6 elements, not 5"),
            ({"SubscriptionArn": "arn:aws:sns:us-east-1:111111111111:random"}, "SubscriptionId")):
        with pytest.raises(ClientError) as e:
            sns.unsubscribe(**kwargs)
        assert err(e) == ("InvalidParameter", 400, f"Invalid parameter: {reason}")


def test_a_raw_subscriptions_dead_letter_queue_gets_the_raw_message(nuvem, sns, topic):
    """LocalStack's AWS-validated test_redrive_policy_sqs_queue_subscription[True]: the
    dead-letter queue gets what the endpoint would have, the message and its attributes."""
    sqs = nuvem.client("sqs")
    _, refusing = make_queue(nuvem, f"refusing-{next(_names)}", topic + "-other")
    dlq_url, dlq_arn = make_queue(nuvem, f"raw-dlq-{next(_names)}", topic)
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=refusing,
                        Attributes={"RawMessageDelivery": "true"})["SubscriptionArn"]
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="RedrivePolicy",
                                    AttributeValue=json.dumps({"deadLetterTargetArn": dlq_arn}))
    sns.publish(TopicArn=topic, Message="test_dlq_after_sqs_endpoint_deleted", MessageAttributes={
        "attr1": {"DataType": "Number", "StringValue": "111"},
        "attr2": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"}})
    got = sqs.receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"],
                              WaitTimeSeconds=5)["Messages"]
    assert got[0]["Body"] == "test_dlq_after_sqs_endpoint_deleted"
    assert got[0]["MessageAttributes"] == {
        "attr1": {"DataType": "Number", "StringValue": "111"},
        "attr2": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"}}
