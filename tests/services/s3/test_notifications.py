"""S3 event notifications delivered to SQS and SNS through the outbox, with the target's policy
checked for the S3 service principal."""
import hashlib
import json

import pytest
from botocore.exceptions import ClientError


def queue_for(nuvem, name, bucket, allow=True):
    sqs = nuvem.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if allow:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": arn,
                "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}}}]})})
    return sqs, url, arn


def receive(sqs, url, count=1):
    got = []
    for _ in range(20):
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in out.get("Messages", []):
            got.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if len(got) >= count:
            return got
    return got


def test_events_reach_a_queue_with_prefix_and_suffix_filters(nuvem, s3, bucket):
    sqs, url, arn = queue_for(nuvem, f"{bucket}-events", bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"Id": "jpegs", "QueueArn": arn, "Events": ["s3:ObjectCreated:*",
                                                                           "s3:ObjectRemoved:*"],
                                 "Filter": {"Key": {"FilterRules": [
                                     {"Name": "prefix", "Value": "photos/"},
                                     {"Name": "suffix", "Value": ".jpg"}]}}}]})
    test_event = receive(sqs, url)[0]
    assert test_event["Event"] == "s3:TestEvent" and test_event["Bucket"] == bucket
    s3.put_object(Bucket=bucket, Key="photos/a b.jpg", Body=b"jpeg")
    s3.put_object(Bucket=bucket, Key="photos/skip.png", Body=b"png")      # filtered out
    s3.delete_object(Bucket=bucket, Key="photos/a b.jpg")
    records = [r for m in receive(sqs, url, 2) for r in m["Records"]]
    assert [r["eventName"] for r in records] == ["ObjectCreated:Put", "ObjectRemoved:Delete"]
    created = records[0]
    assert created["eventSource"] == "aws:s3" and created["awsRegion"] == "us-east-1"
    assert created["s3"]["configurationId"] == "jpegs"
    assert created["s3"]["bucket"]["name"] == bucket
    assert created["s3"]["object"]["key"] == "photos/a+b.jpg"
    assert created["s3"]["object"]["size"] == 4
    assert created["s3"]["object"]["eTag"] == hashlib.md5(b"jpeg").hexdigest()


def test_a_queue_that_does_not_allow_s3_is_refused(nuvem, s3, bucket):
    _, _, arn = queue_for(nuvem, f"{bucket}-closed", bucket, allow=False)
    with pytest.raises(ClientError) as e:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    assert e.value.response["Error"]["Code"] == "InvalidArgument"
    assert "Unable to validate" in e.value.response["Error"]["Message"]



def test_destination_errors_name_the_arn_that_failed(s3, bucket):
    """LocalStack's AWS-validated test_s3_notifications_sqs.py::test_invalid_sqs_arn and
    test_multiple_invalid_sqs_arns, test_s3_notifications_sns.py::test_invalid_topic_arn."""
    def put(configuration, **kwargs):
        with pytest.raises(ClientError) as e:
            s3.put_bucket_notification_configuration(
                Bucket=bucket, NotificationConfiguration=configuration, **kwargs)
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        return e.value.response["Error"]
    created = ["s3:ObjectCreated:*"]
    for skip in (False, True):
        assert put({"TopicConfigurations": [{"TopicArn": "invalid-topic", "Events": created}]},
                   SkipDestinationValidation=skip) == {
            "Code": "InvalidArgument", "Message": "The ARN could not be parsed",
            "ArgumentName": "Topic", "ArgumentValue": "invalid-topic"}
    missing = "arn:aws:sqs:us-east-1:000000000000:no-such-queue"
    assert put({"QueueConfigurations": [{"QueueArn": missing, "Events": created},
                                        {"QueueArn": "invalid_arn_2", "Events": created}]}) == {
        "Code": "InvalidArgument", "Message": "The ARN could not be parsed",
        "ArgumentName": "Queue", "ArgumentValue": "invalid_arn_2"}
    assert put({"QueueConfigurations": [{"QueueArn": missing, "Events": created},
                                        {"QueueArn": missing + "-2", "Events": created}]}) == {
        "Code": "InvalidArgument",
        "Message": "Unable to validate the following destination configurations",
        "ArgumentName1": missing, "ArgumentValue1": "The destination queue does not exist",
        "ArgumentName2": missing + "-2", "ArgumentValue2": "The destination queue does not exist"}


def test_events_reach_a_topic(nuvem, s3, bucket):
    sns = nuvem.client("sns")
    topic = sns.create_topic(Name=f"{bucket}-topic")["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sns:Publish", "Resource": topic}]}))
    sqs, url, queue_arn = queue_for(nuvem, f"{bucket}-fanout", bucket, allow=False)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": queue_arn}]})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                  Attributes={"RawMessageDelivery": "true"})
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:Put"]}]})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    bodies = receive(sqs, url, 2)
    names = [r["eventName"] for b in bodies for r in b.get("Records", [])]
    assert "ObjectCreated:Put" in names


def test_tagging_and_acl_events_carry_key_and_etag(nuvem, s3, bucket):
    """LocalStack's AWS-validated test_object_tagging_put_event, test_object_tagging_delete_event,
    test_object_put_acl: message version 2.3, the object by key and ETag only; an ACL set to
    what it was sends nothing."""
    sqs, url, arn = queue_for(nuvem, f"{bucket}-subresources", bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn,
                                 "Events": ["s3:ObjectTagging:*", "s3:ObjectAcl:Put"]}]})
    receive(sqs, url)       # the test event
    s3.put_object(Bucket=bucket, Key="tagged", Body=b"data")
    s3.put_object_tagging(Bucket=bucket, Key="tagged",
                          Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    s3.delete_object_tagging(Bucket=bucket, Key="tagged")
    s3.put_object_acl(Bucket=bucket, Key="tagged", ACL="private")      # unchanged: no event
    s3.delete_bucket_ownership_controls(Bucket=bucket)                  # ACLs allowed
    s3.put_object_acl(Bucket=bucket, Key="tagged",
                      GrantRead='uri="http://acs.amazonaws.com/groups/s3/LogDelivery"')
    records = [r for m in receive(sqs, url, 3) for r in m["Records"]]
    assert [r["eventName"] for r in records] == ["ObjectTagging:Put", "ObjectTagging:Delete",
                                                 "ObjectAcl:Put"]
    for record in records:
        assert record["eventVersion"] == "2.3"
        assert record["s3"]["object"] == {"key": "tagged",
                                          "eTag": hashlib.md5(b"data").hexdigest()}


def test_deleting_keys_that_are_not_there_is_notified(nuvem, s3, bucket):
    """LocalStack's AWS-validated test_s3_notifications_sqs.py::test_delete_objects."""
    sqs, url, arn = queue_for(nuvem, f"{bucket}-removed", bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectRemoved:*"]}]})
    receive(sqs, url)       # the test event
    s3.put_object(Bucket=bucket, Key="there", Body=b"data")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "there"}, {"Key": "dummy1"},
                                                         {"Key": "dummy2"}], "Quiet": True})
    records = [r for m in receive(sqs, url, 3) for r in m["Records"]]
    assert sorted((r["eventName"], r["s3"]["object"]["key"]) for r in records) == [
        ("ObjectRemoved:Delete", "dummy1"), ("ObjectRemoved:Delete", "dummy2"),
        ("ObjectRemoved:Delete", "there")]
    assert all(set(r["s3"]["object"]) == {"key", "sequencer"} for r in records)


def test_a_restore_is_posted_and_completed(nuvem, s3, bucket):
    """LocalStack's AWS-validated test_s3_notifications_sqs.py::test_restore_object."""
    sqs, url, arn = queue_for(nuvem, f"{bucket}-restores", bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectRestore:*"]}]})
    receive(sqs, url)       # the test event
    s3.put_object(Bucket=bucket, Key="cold", Body=b"something", StorageClass="GLACIER")
    s3.restore_object(Bucket=bucket, Key="cold", RestoreRequest={
        "Days": 1, "GlacierJobParameters": {"Tier": "Expedited"}})
    posted, completed = [r for m in receive(sqs, url, 2) for r in m["Records"]]
    assert (posted["eventName"], completed["eventName"]) == ("ObjectRestore:Post",
                                                             "ObjectRestore:Completed")
    for record in (posted, completed):
        assert record["eventVersion"] == "2.1"
        assert set(record["s3"]["object"]) == {"key", "size", "eTag", "sequencer"}
    assert "glacierEventData" not in posted
    owner = completed["s3"]["bucket"]["ownerIdentity"]["principalId"]
    assert completed["userIdentity"] == {"principalId": f"AmazonCustomer:{owner}"}
    restored = completed["glacierEventData"]["restoreEventData"]
    assert restored["lifecycleRestoreStorageClass"] == "GLACIER"
    assert restored["lifecycleRestorationExpiryTime"].endswith("Z")


def test_the_trace_header_reaches_the_queue(nuvem, s3, bucket):
    """LocalStack's AWS-validated test_s3_notifications_sqs.py::test_xray_header."""
    sqs, url, arn = queue_for(nuvem, f"{bucket}-traced", bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    receive(sqs, url)       # the test event
    trace = "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1"

    def add_trace(request, **_):
        request.headers["X-Amzn-Trace-Id"] = trace
    s3.meta.events.register("before-send.s3.PutObject", add_trace)
    try:
        s3.put_object(Bucket=bucket, Key="traced", Body=b"something")
    finally:
        s3.meta.events.unregister("before-send.s3.PutObject", add_trace)
    for _ in range(20):
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1,
                                  MessageSystemAttributeNames=["AWSTraceHeader"])
        if got.get("Messages"):
            break
    assert got["Messages"][0]["Attributes"] == {"AWSTraceHeader": trace}
