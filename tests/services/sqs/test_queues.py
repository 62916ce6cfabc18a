"""Queues over the wire (boto3, JSON protocol): create, find, list, attributes, tags, delete."""
import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.services.sqs.conftest import error


def test_create_is_idempotent_and_url_uses_the_request_host(nuvem, sqs, qname):
    url = sqs.create_queue(QueueName=qname, Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    assert url == f"{nuvem.endpoint}/000000000000/{qname}"
    assert sqs.create_queue(QueueName=qname, Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == url
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=qname, Attributes={"VisibilityTimeout": "46"})
    assert error(e) == ("QueueAlreadyExists", 400)
    assert "VisibilityTimeout" in e.value.response["Error"]["Message"]
    assert sqs.get_queue_url(QueueName=qname)["QueueUrl"] == url
    # any host form of the URL is accepted
    other = f"https://sqs.us-east-1.amazonaws.com/000000000000/{qname}"
    assert sqs.get_queue_attributes(QueueUrl=other, AttributeNames=["VisibilityTimeout"])[
        "Attributes"] == {"VisibilityTimeout": "45"}


def test_a_queue_name_serves_as_its_url(sqs, qname):
    """LocalStack's AWS-validated test_posting_to_queue_via_queue_name: QueueUrl may be the bare
    name of a queue of the caller's account."""
    sqs.create_queue(QueueName=qname)
    sent = sqs.send_message(QueueUrl=qname, MessageBody="Using name instead of URL")
    assert sent["MD5OfMessageBody"] == "86a83f96652a1bfad3891e7d523750cb"
    assert sqs.receive_message(QueueUrl=qname)["Messages"][0]["MessageId"] == sent["MessageId"]
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=qname + "-none", MessageBody="x")
    assert error(e) == ("AWS.SimpleQueueService.NonExistentQueue", 400)


def test_missing_queue_errors(sqs):
    with pytest.raises(ClientError) as e:
        sqs.get_queue_url(QueueName="no-such-queue")
    assert error(e) == ("AWS.SimpleQueueService.NonExistentQueue", 400)
    assert e.value.response["Error"]["Message"] == "The specified queue does not exist."
    assert isinstance(e.value, sqs.exceptions.QueueDoesNotExist)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl="http://x/000000000000/nope", MessageBody="x")
    assert error(e)[0] == "AWS.SimpleQueueService.NonExistentQueue"


@pytest.mark.parametrize("attributes,code", [
    ({"VisibilityTimeout": "43201"}, "InvalidAttributeValue"),
    ({"DelaySeconds": "-1"}, "InvalidAttributeValue"),
    ({"MaximumMessageSize": "1048577"}, "InvalidAttributeValue"),
    ({"MessageRetentionPeriod": "59"}, "InvalidAttributeValue"),
    ({"ReceiveMessageWaitTimeSeconds": "21"}, "InvalidAttributeValue"),
    ({"Bogus": "1"}, "InvalidAttributeName"),
    ({"ContentBasedDeduplication": "true"}, "InvalidAttributeName"),   # FIFO only
    ({"Policy": "{not json"}, "InvalidAttributeValue"),
    # LocalStack's AWS-validated test_redrive_policy_attribute_validity
    ({"RedrivePolicy": json.dumps({"maxReceiveCount": 3})}, "InvalidParameterValue"),
    ({"RedrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:q"})},
     "InvalidParameterValue"),
    ({"RedrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:q",
                                   "maxReceiveCount": "invalid"})}, "InvalidParameterValue"),
])
def test_attribute_validation(sqs, qname, attributes, code):
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=qname, Attributes=attributes)
    assert error(e) == (code, 400)


def test_bad_names(sqs):
    """A .fifo name without FifoQueue=true, and FifoQueue=true without the suffix, are
    InvalidParameterValue (LocalStack's AWS-validated test_standard_queue_cannot_have_fifo_suffix,
    test_fifo_queue_requires_suffix)."""
    for name in ("has space", "x" * 81, "bad.fifo.name", "plain.fifo"):
        with pytest.raises(ClientError) as e:
            sqs.create_queue(QueueName=name)
        assert error(e) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="plain", Attributes={"FifoQueue": "true"})
    assert error(e) == ("InvalidParameterValue", 400)


def test_attributes_all_and_set(sqs, qname):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["QueueArn"] == f"arn:aws:sqs:us-east-1:000000000000:{qname}"
    assert attrs["VisibilityTimeout"] == "30" and attrs["MaximumMessageSize"] == "262144"
    assert attrs["MessageRetentionPeriod"] == "345600" and attrs["DelaySeconds"] == "0"
    for name in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                 "ApproximateNumberOfMessagesDelayed"):
        assert attrs[name] == "0"
    assert abs(int(attrs["CreatedTimestamp"]) - time.time()) < 60
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": attrs["QueueArn"]}]})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "5", "Policy": policy,
                                                       "MaximumMessageSize": "1048576"})
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "Policy",
                                                                 "MaximumMessageSize"])["Attributes"]
    assert got == {"VisibilityTimeout": "5", "Policy": policy, "MaximumMessageSize": "1048576"}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    with pytest.raises(ClientError) as e:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Nope"])
    assert error(e) == ("InvalidAttributeName", 400)


def test_list_queues_prefix_and_paging(sqs, qname):
    urls = [sqs.create_queue(QueueName=f"{qname}-{i}")["QueueUrl"] for i in range(5)]
    assert sqs.list_queues(QueueNamePrefix=qname)["QueueUrls"] == urls
    page = sqs.list_queues(QueueNamePrefix=qname, MaxResults=2)
    assert page["QueueUrls"] == urls[:2] and page["NextToken"]
    rest = sqs.list_queues(QueueNamePrefix=qname, MaxResults=10, NextToken=page["NextToken"])
    assert rest["QueueUrls"] == urls[2:] and "NextToken" not in rest
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=qname + "zzz")
    # regional
    assert "QueueUrls" not in nuvem_client_region(sqs, "eu-west-1").list_queues(QueueNamePrefix=qname)


def nuvem_client_region(sqs, region):
    import boto3
    return boto3.client("sqs", endpoint_url=sqs.meta.endpoint_url, region_name=region,
                        aws_access_key_id="test", aws_secret_access_key="test")


def test_delete_and_deleted_recently(sqs, qname):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as e:
        sqs.get_queue_url(QueueName=qname)
    assert error(e)[0] == "AWS.SimpleQueueService.NonExistentQueue"
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=qname)
    assert error(e) == ("AWS.SimpleQueueService.QueueDeletedRecently", 400)


def test_tags(sqs, qname):
    url = sqs.create_queue(QueueName=qname, tags={"team": "a"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"env": "dev", "team": "b"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "b", "env": "dev"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}


def test_empty_maps_in_answers(sqs, qname):
    """LocalStack's AWS-validated test_tag_untag_queue (get-tag-after-untag) and
    test_sqs_permission_lifecycle (get-queue-policy-attribute-after-removal): SQS's JSON answers
    carry an empty Tags map, and an empty Attributes map when the names asked for are unset."""
    url = sqs.create_queue(QueueName=qname, tags={"tag1": "value1"})["QueueUrl"]
    sqs.untag_queue(QueueUrl=url, TagKeys=["tag1"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {}
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"] == {}


def test_purge_and_purge_in_progress(sqs, qname):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "m"} for i in range(3)])
    sqs.purge_queue(QueueUrl=url)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "0"
    with pytest.raises(ClientError) as e:
        sqs.purge_queue(QueueUrl=url)
    assert error(e)[0] == "AWS.SimpleQueueService.PurgeQueueInProgress"
    assert "60 seconds" in e.value.response["Error"]["Message"]


def test_add_and_remove_permission(sqs, qname):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    sqs.add_permission(QueueUrl=url, Label="p1", AWSAccountIds=["111111111111"],
                       Actions=["SendMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])[
        "Attributes"]["Policy"])
    assert policy["Statement"][0]["Sid"] == "p1"
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    sqs.remove_permission(QueueUrl=url, Label="p1")
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_permission_lifecycle_as_sqs_writes_it(sqs, qname):
    """LocalStack's AWS-validated test_sqs_permission_lifecycle: the policy AddPermission writes
    (Version 2008-10-17, SQSDefaultPolicy id) and RemovePermission's words without a policy."""
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.add_permission(QueueUrl=url, Label="crossaccountpermission",
                       AWSAccountIds=["668614515564", "111111111111"], Actions=["ReceiveMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])[
        "Attributes"]["Policy"])
    assert policy == {"Version": "2008-10-17", "Id": f"{arn}/SQSDefaultPolicy", "Statement": [{
        "Sid": "crossaccountpermission", "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::668614515564:root", "arn:aws:iam::111111111111:root"]},
        "Action": "SQS:ReceiveMessage", "Resource": arn}]}
    sqs.remove_permission(QueueUrl=url, Label="crossaccountpermission")
    with pytest.raises(ClientError) as e:
        sqs.remove_permission(QueueUrl=url, Label="crossaccountpermission")
    assert error(e) == ("InvalidParameterValue", 400)
    assert e.value.response["Error"]["Message"] == (
        "Value crossaccountpermission for parameter Label is invalid. Reason: can't find label.")


def test_attribute_errors_in_sqs_words(sqs, qname):
    """LocalStack's AWS-validated test_set_unsupported_attribute_fifo,
    test_sse_kms_and_sqs_are_mutually_exclusive, test_invalid_dead_letter_arn_rejected_before_lookup."""
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    fifo_url = sqs.create_queue(QueueName=qname + ".fifo",
                                Attributes={"FifoQueue": "true"})["QueueUrl"]
    redrive = json.dumps({"deadLetterTargetArn": "dummy", "maxReceiveCount": 42})
    for queue, attributes, code, message in (
            (url, {"FifoQueue": "true"}, "InvalidAttributeName", "Unknown Attribute FifoQueue."),
            (fifo_url, {"FifoQueue": "true"}, "InvalidAttributeValue",
             "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not "
             "supported."),
            (url, {"KmsMasterKeyId": "testKeyId", "SqsManagedSseEnabled": "true"},
             "InvalidAttributeName", "You can use one type of server-side encryption (SSE) at "
             "one time. You can either enable KMS SSE or SQS SSE."),
            (url, {"RedrivePolicy": redrive}, "InvalidParameterValue",
             f"Value {redrive} for parameter RedrivePolicy is invalid. Reason: Invalid value for "
             "deadLetterTargetArn.")):
        with pytest.raises(ClientError) as e:
            sqs.set_queue_attributes(QueueUrl=queue, Attributes=attributes)
        assert error(e) == (code, 400)
        assert e.value.response["Error"]["Message"] == message
    sqs.set_queue_attributes(QueueUrl=url, Attributes={
        "KmsMasterKeyId": "testKeyId", "KmsDataKeyReusePeriodSeconds": "6000",
        "SqsManagedSseEnabled": "false"})


def test_a_kms_key_turns_sqs_managed_encryption_off(sqs, qname):
    """SQS SSE is on by default and only one kind of SSE goes at a time: a queue given a KMS key
    answers SqsManagedSseEnabled=false (LocalStack's AWS-validated test_sse_queue_attributes)."""
    url = sqs.create_queue(QueueName=qname, Attributes={"KmsMasterKeyId": "testKeyId"})["QueueUrl"]
    names = ["KmsMasterKeyId", "SqsManagedSseEnabled"]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"] == {
        "KmsMasterKeyId": "testKeyId", "SqsManagedSseEnabled": "false"}


def test_add_permission_takes_policy_actions_and_account_ids(sqs, qname):
    """SQS refuses an action a queue policy cannot name (batch actions are granted through
    their single ones) and a principal that is not an account id."""
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    for action in ("SendMessageBatch", "Foo"):
        with pytest.raises(ClientError) as e:
            sqs.add_permission(QueueUrl=url, Label="p1", AWSAccountIds=["111111111111"],
                               Actions=["SendMessage", action])
        assert error(e) == ("InvalidParameterValue", 400)
        assert e.value.response["Error"]["Message"] == (
            f"Value SQS:{action} for parameter ActionName is invalid. Reason: Please refer to "
            "the appropriate WSDL for a list of valid actions.")
    with pytest.raises(ClientError) as e:
        sqs.add_permission(QueueUrl=url, Label="p1", Actions=["SendMessage"],
                           AWSAccountIds=["arn:aws:iam::111111111111:user/u"])
    assert e.value.response["Error"]["Message"] == (
        "Value arn:aws:iam::111111111111:user/u for parameter PrincipalId is invalid. Reason: "
        "Unable to verify principal.")
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    sqs.add_permission(QueueUrl=url, Label="p1", AWSAccountIds=["111111111111"],
                       Actions=["*", "PurgeQueue"])


def test_create_again_without_attributes_returns_the_queue(sqs, qname):
    url = sqs.create_queue(QueueName=qname, Attributes={"DelaySeconds": "3"})["QueueUrl"]
    assert sqs.create_queue(QueueName=qname)["QueueUrl"] == url
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=qname, Attributes={"DelaySeconds": "0"})
    assert error(e) == ("QueueAlreadyExists", 400)
    with pytest.raises(ClientError) as e:
        sqs.get_queue_attributes(QueueUrl="http://localhost/not-an-account/x", AttributeNames=["All"])
    assert error(e) == ("InvalidAddress", 400)
