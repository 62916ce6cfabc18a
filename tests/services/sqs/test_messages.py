"""Messages over the wire: send/receive/delete, visibility (manual clock), MD5s, batches."""
import hashlib

import pytest
from botocore.exceptions import ClientError

from tests.services.sqs.conftest import advance, error


def md5_attributes(attributes: dict) -> str:
    """The digest as the SQS developer guide describes it, written independently of Nuvem."""
    out = b""
    for name in sorted(attributes):
        v = attributes[name]
        out += len(name.encode()).to_bytes(4, "big") + name.encode()
        out += len(v["DataType"].encode()).to_bytes(4, "big") + v["DataType"].encode()
        if "StringValue" in v:
            data = v["StringValue"].encode()
            out += b"\x01" + len(data).to_bytes(4, "big") + data
        else:
            out += b"\x02" + len(v["BinaryValue"]).to_bytes(4, "big") + v["BinaryValue"]
    return hashlib.md5(out).hexdigest()


ATTRS = {"city": {"DataType": "String", "StringValue": "Lisboa ☀"},
         "n": {"DataType": "Number.int", "StringValue": "42"},
         "raw": {"DataType": "Binary", "BinaryValue": b"\x00\xffdata"}}


def test_send_receive_delete_with_md5s(sqs, qname):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="héllo", MessageAttributes=ATTRS,
                            MessageSystemAttributes={"AWSTraceHeader": {
                                "DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}})
    assert sent["MD5OfMessageBody"] == hashlib.md5("héllo".encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_attributes(ATTRS)
    assert sent["MD5OfMessageAttributes"] != md5_attributes({"n": ATTRS["n"]})
    assert sent["MD5OfMessageSystemAttributes"] == md5_attributes({"AWSTraceHeader": {
        "DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}})
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"],
                              MessageSystemAttributeNames=["All"])["Messages"]
    assert len(got) == 1
    m = got[0]
    assert m["MessageId"] == sent["MessageId"] and m["Body"] == "héllo"
    assert m["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert m["MessageAttributes"] == ATTRS and m["MD5OfMessageAttributes"] == md5_attributes(ATTRS)
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    assert m["Attributes"]["SenderId"] == "000000000000"
    assert m["Attributes"]["AWSTraceHeader"].startswith("Root=1-")
    assert int(m["Attributes"]["ApproximateFirstReceiveTimestamp"]) >= int(m["Attributes"]["SentTimestamp"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])   # again: still fine
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_attribute_name_selection(sqs, qname):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
        "app.a": {"DataType": "String", "StringValue": "1"},
        "app.b": {"DataType": "String", "StringValue": "2"},
        "other": {"DataType": "String", "StringValue": "3"}})
    m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["app.*"],
                            AttributeNames=["SentTimestamp"], VisibilityTimeout=0)["Messages"][0]
    assert set(m["MessageAttributes"]) == {"app.a", "app.b"}
    assert m["MD5OfMessageAttributes"] == md5_attributes(m["MessageAttributes"])
    assert set(m["Attributes"]) == {"SentTimestamp"}
    m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["other"])["Messages"][0]
    assert set(m["MessageAttributes"]) == {"other"}
    assert "Attributes" not in m


def test_attribute_name_wildcards(sqs, qname):
    """LocalStack's AWS-validated test_receive_message_message_attribute_names_filters: "*"
    takes every attribute as "All" and ".*" do, and "Hel.*" is the prefix "Hel"."""
    url = sqs.create_queue(QueueName=qname, Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="msg", MessageAttributes={
        "Help.Me": {"DataType": "String", "StringValue": "Me"},
        "Hello": {"DataType": "String", "StringValue": "There"},
        "General": {"DataType": "String", "StringValue": "Kenobi"}})
    for names, chosen, md5 in (
            (["*"], {"Help.Me", "Hello", "General"}, "4c360f3fdafd970e05fae2f149d997f5"),
            (["Hel.*"], {"Help.Me", "Hello"}, "83fee93c1bcd8b9a5a923ffacdc636c7")):
        m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=names)["Messages"][0]
        assert set(m["MessageAttributes"]) == chosen and m["MD5OfMessageAttributes"] == md5
    for names in (["AWS."], ["..foo"]):     # names no attribute can have: none, no error
        assert "MessageAttributes" not in sqs.receive_message(
            QueueUrl=url, MessageAttributeNames=names)["Messages"][0]
    m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["Foo", "Help"])["Messages"][0]
    assert m["MessageAttributes"] == {} and "MD5OfMessageAttributes" not in m   # none matches


@pytest.mark.parametrize("body, valid", [
    ("tab\tnew line\ncr\r delete\x7f ~", True), ("bell \x07", False), ("vt \x0b", False),
    ("unit separator \x1f", False), ("\x00", False), ("é € \U0001F600 \ud7ff \ue000", True),
    ("é and \x01", False), ("\ufffe", False), ("\uffff é", False)])
def test_message_body_characters(sqs, qname, body, valid):
    """SQS's allowed characters: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD |
    #x10000 to #x10FFFF; ASCII bodies take a faster check than the others."""
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    if valid:
        sqs.send_message(QueueUrl=url, MessageBody=body)
        assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == body
        return
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    assert error(e) == ("InvalidMessageContents", 400)


def test_message_validation(sqs, qname):
    url = sqs.create_queue(QueueName=qname, Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x" * 1025)
    assert error(e) == ("InvalidParameterValue", 400)
    assert "shorter than 1024 bytes" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="bad \x01 char")
    assert error(e) == ("InvalidMessageContents", 400)
    for not_a_number in ("abc", "NaN", "Infinity", "1_000", " 1", "0x10"):   # Python floats
        with pytest.raises(ClientError) as e:
            sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
                "n": {"DataType": "Number", "StringValue": not_a_number}})
        assert error(e) == ("InvalidParameterValue", 400)
        assert e.value.response["Error"]["Message"] == (
            "Could not cast message attribute 'n' value to number.")
    for number in ("-1.5", ".5", "5.", "1E-3", "+2"):
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
            "n": {"DataType": "Number", "StringValue": number}})
    with pytest.raises(ClientError) as e:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert error(e) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901)
    assert error(e) == ("InvalidParameterValue", 400)


def test_attribute_names_and_string_values(sqs, qname):
    """LocalStack's AWS-validated test_send_message_with_invalid_string_attributes and
    test_invalid_string_attributes_cause_invalid_parameter_value_error: a name may hold letters
    of any script; a String value takes the body's characters only."""
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="test", MessageAttributes={
        "attr.1øßä": {"StringValue": "Valida", "DataType": "String"}})
    for name, value in (("attr1", "Invalid-\x08,\x0b"), ("Invalid-§-attr", "Valid"),
                        ("aWs.-Invalid-attr", "Valid"), ("Invalid.", "Valid"), ("L" * 257, "Valid")):
        with pytest.raises(ClientError) as e:
            sqs.send_message(QueueUrl=url, MessageBody="test", MessageAttributes={
                name: {"StringValue": value, "DataType": "String"}})
        assert error(e) == ("InvalidParameterValue", 400)


def test_json_error_types_are_sqs_own(sqs, qname):
    """SQS's JSON answers name InvalidParameterValue and MissingParameter by their exception
    types (botocore's QueryErrorCode) while x-amzn-query-error keeps the query codes (LocalStack's
    AWS-validated test_send_receive_max_number_of_messages, test_posting_to_fifo_requires_...)."""
    url = sqs.create_queue(QueueName=qname + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert e.value.response["Error"]["QueryErrorCode"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert error(e) == ("MissingParameter", 400)
    assert e.value.response["Error"]["QueryErrorCode"] == "MissingRequiredParameterException"


def test_an_empty_string_attribute_is_refused(sqs, qname):
    """LocalStack's AWS-validated test_send_message_with_empty_string_attribute."""
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
            "ErrorDetails": {"DataType": "String", "StringValue": ""}})
    assert error(e) == ("InvalidParameterValue", 400)
    assert e.value.response["Error"]["Message"] == (
        "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.")


def test_one_mebibyte_messages(sqs, qname):
    url = sqs.create_queue(QueueName=qname, Attributes={"MaximumMessageSize": "1048576"})["QueueUrl"]
    body = "y" * 1048576
    sqs.send_message(QueueUrl=url, MessageBody=body)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == body


def test_batches_with_per_entry_failures(sqs, qname):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    result = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok1", "MessageBody": "a"},
        {"Id": "bad", "MessageBody": "b", "MessageAttributes": {"x": {"DataType": "Nope", "StringValue": "1"}}},
        {"Id": "ok2", "MessageBody": "c", "DelaySeconds": 0}])
    assert [s["Id"] for s in result["Successful"]] == ["ok1", "ok2"]
    assert result["Failed"][0]["Id"] == "bad" and result["Failed"][0]["SenderFault"] is True
    assert result["Failed"][0]["Code"] == "InvalidParameterValue"
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in msgs) == ["a", "c"]
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "d1", "ReceiptHandle": msgs[0]["ReceiptHandle"]},
        {"Id": "d2", "ReceiptHandle": "garbage!"}])
    assert [s["Id"] for s in deleted["Successful"]] == ["d1"]
    assert deleted["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    changed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "c1", "ReceiptHandle": msgs[1]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "c2", "ReceiptHandle": msgs[0]["ReceiptHandle"], "VisibilityTimeout": 0}])
    assert [s["Id"] for s in changed["Successful"]] == ["c1"]
    assert changed["Failed"][0]["Code"] == "InvalidParameterValue"   # deleted


@pytest.mark.parametrize("entries,code", [
    ([], "AWS.SimpleQueueService.EmptyBatchRequest"),
    ([{"Id": str(i), "MessageBody": "x"} for i in range(11)],
     "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"),
    ([{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}],
     "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"),
    ([{"Id": "a b", "MessageBody": "x"}], "AWS.SimpleQueueService.InvalidBatchEntryId"),
    ([{"Id": str(i), "MessageBody": "x" * 200000} for i in range(2)],
     "AWS.SimpleQueueService.BatchRequestTooLong"),
])
def test_batch_request_errors(sqs, qname, entries, code):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert error(e) == (code, 400)


def test_receipt_handle_errors(sqs, qname):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    assert error(e) == ("ReceiptHandleIsInvalid", 400)
    assert e.value.response["Error"]["Message"] == \
        'The input receipt handle "not-a-handle" is not a valid receipt handle.'
    with pytest.raises(ClientError) as e:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle="x", VisibilityTimeout=1)
    assert error(e) == ("ReceiptHandleIsInvalid", 400)


def test_visibility_timeout_and_receive_count(manual_nuvem, qname):
    sqs = manual_nuvem.client("sqs")
    url = sqs.create_queue(QueueName=qname, Attributes={"VisibilityTimeout": "10"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="job")
    first = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == "0"
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "1"
    advance(manual_nuvem, 9)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    advance(manual_nuvem, 1)
    second = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"][0]
    assert second["MessageId"] == first["MessageId"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    assert second["Attributes"]["ApproximateFirstReceiveTimestamp"] == \
        first["Attributes"]["ApproximateFirstReceiveTimestamp"]
    # the old handle no longer deletes it (SQS: succeeds, message stays)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    # extending visibility; the new handle still works after the change
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"],
                                  VisibilityTimeout=100)
    advance(manual_nuvem, 50)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    with pytest.raises(ClientError) as e:     # beyond 12 hours since the receive
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"],
                                      VisibilityTimeout=43200)
    assert error(e) == ("InvalidParameterValue", 400)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"],
                                  VisibilityTimeout=0)
    third = sqs.receive_message(QueueUrl=url)["Messages"][0]
    with pytest.raises(ClientError) as e:     # that handle's receive is over
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"],
                                      VisibilityTimeout=5)
    assert error(e) == ("InvalidParameterValue", 400)
    advance(manual_nuvem, 31)   # the third receive's timeout is over: a change is OK, and no-op
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"],
                                  VisibilityTimeout=100)
    third = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])
    with pytest.raises(ClientError) as e:     # deleted
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"],
                                      VisibilityTimeout=5)
    assert error(e) == ("InvalidParameterValue", 400)
    assert e.value.response["Error"]["Message"] == (
        f"Value {third['ReceiptHandle']} for parameter ReceiptHandle is invalid. Reason: Message "
        "does not exist or is not available for visibility timeout change.")
    advance(manual_nuvem, 31)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_delay_queue_and_per_message_delay(manual_nuvem, qname):
    sqs = manual_nuvem.client("sqs")
    url = sqs.create_queue(QueueName=qname, Attributes={"DelaySeconds": "5"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="queue-delay")
    sqs.send_message(QueueUrl=url, MessageBody="own-delay", DelaySeconds=20)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    assert attrs["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "2"
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    advance(manual_nuvem, 5)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["queue-delay"]
    advance(manual_nuvem, 15)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["own-delay"]


def test_max_number_of_messages_and_order(sqs, qname):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    for i in range(15):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(got) == 10
    rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(int(m["Body"]) for m in got + rest) == list(range(15))


def test_message_attributes_count_towards_the_size_limits(sqs, qname):
    """LocalStack's AWS-validated test_send_oversized_message and
    test_send_message_batch_with_oversized_contents: an attribute's name, type and value count
    towards the message's MaximumMessageSize and the batch's 262,144 bytes."""
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    attributes = {"k": {"DataType": "String", "StringValue": "x"}}    # 8 bytes
    sqs.send_message(QueueUrl=url, MessageBody="a" * (262144 - 8), MessageAttributes=attributes)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="a" * (262144 - 7),
                         MessageAttributes=attributes)
    assert error(e) == ("InvalidParameterValue", 400)
    assert e.value.response["Error"]["Message"] == \
        "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes."
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "1", "MessageBody": "a" * (262144 - 8), "MessageAttributes": attributes},
            {"Id": "2", "MessageBody": "a"}])
    assert error(e) == ("AWS.SimpleQueueService.BatchRequestTooLong", 400)
    assert e.value.response["Error"]["Message"] == \
        "Batch requests cannot be longer than 262144 bytes. You have sent 262145 bytes."
