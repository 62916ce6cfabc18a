"""FIFO queues: order per group, group blocking, deduplication (5-minute window), sequence
numbers, ReceiveRequestAttemptId."""
import hashlib

import pytest
from botocore.exceptions import ClientError

from tests.conftest import NuvemServer
from tests.services.sqs.conftest import advance, error


@pytest.fixture(scope="module")
def server():
    """Its own manual clock: these tests move it by minutes."""
    s = NuvemServer(env={"NUVEM_CLOCK": "manual"}).start()
    yield s
    s.stop()


def fifo(sqs, name, **attributes):
    return sqs.create_queue(QueueName=f"{name}.fifo", Attributes={"FifoQueue": "true", **attributes})["QueueUrl"]


def test_fifo_attributes_and_required_group(nuvem, qname):
    sqs = nuvem.client("sqs")
    url = fifo(sqs, qname)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["FifoQueue"] == "true" and attrs["ContentBasedDeduplication"] == "false"
    assert attrs["DeduplicationScope"] == "queue" and attrs["FifoThroughputLimit"] == "perQueue"
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert error(e) == ("MissingParameter", 400)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
    assert error(e) == ("InvalidParameterValue", 400)   # no dedup id, no content-based dedup
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g",
                         MessageDeduplicationId="d", DelaySeconds=3)
    assert error(e) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "false"})
    assert error(e) == ("InvalidAttributeValue", 400)


def test_order_per_group_and_blocking(nuvem, qname):
    sqs = nuvem.client("sqs")
    url = fifo(sqs, qname, ContentBasedDeduplication="true")
    seqs = []
    for i in range(4):
        for group in ("a", "b"):
            seqs.append(sqs.send_message(QueueUrl=url, MessageBody=f"{group}{i}",
                                         MessageGroupId=group)["SequenceNumber"])
    assert seqs == sorted(seqs) and len(set(seqs)) == 8
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in first] == ["a0", "a1", "a2"]      # a group's run, not interleaved
    assert first[0]["Attributes"]["MessageGroupId"] == "a"
    assert first[0]["Attributes"]["SequenceNumber"] == seqs[0]
    assert first[0]["Attributes"]["MessageDeduplicationId"] == hashlib.sha256(b"a0").hexdigest()
    # a3 waits behind a0..a2 in flight
    nxt = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in nxt] == ["b0", "b1", "b2", "b3"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    # a0 goes back (visibility 0): it comes again, a1 in flight still holds back the rest
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"], VisibilityTimeout=0)
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in again] == ["a0"]
    for m in first[1:] + again:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["a3"]


def _bodies(sqs, url, **kw):
    return [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, **kw)[
        "Messages"]]


def test_groups_come_in_the_order_their_heads_became_visible(nuvem, qname):
    """LocalStack's AWS-validated test_fifo_receive_message_group_id_ordering,
    test_fifo_receive_message_with_zero_visibility_timeout,
    test_fifo_message_group_visibility_after_terminate_visibility_timeout,
    test_fifo_message_group_visibility_after_delete and _after_partial_delete."""
    sqs = nuvem.client("sqs")

    def queue(name, *sends):
        url = fifo(sqs, name, ContentBasedDeduplication="true")
        for body in sends:
            sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=body[:2])
        return url
    url = queue(qname + "-a", "g1-m1", "g2-m1", "g1-m2", "g1-m3")
    assert _bodies(sqs, url) == ["g1-m1", "g1-m2", "g1-m3", "g2-m1"]
    url = queue(qname + "-b", "g1-m1", "g2-m1", "g2-m2", "g3-m1", "g1-m2")
    assert [m["Body"] for m in sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=0)["Messages"]] == \
        ["g1-m1", "g1-m2", "g2-m1"]
    # groups made visible again go behind g3, which was visible all along
    assert _bodies(sqs, url, VisibilityTimeout=0) == ["g3-m1", "g1-m1", "g1-m2", "g2-m1", "g2-m2"]
    url = queue(qname + "-c", "g1-m1", "g1-m2", "g2-m1")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"],
                                  VisibilityTimeout=0)
    assert _bodies(sqs, url) == ["g2-m1", "g1-m1"]
    sends = ("g1-m1", "g2-m1", "g1-m2", "g2-m2", "g1-m3", "g1-m4", "g3-m1")
    url = queue(qname + "-d", *sends)
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    for m in first:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert _bodies(sqs, url) == ["g2-m1", "g2-m2", "g1-m3", "g1-m4", "g3-m1"]
    url = queue(qname + "-e", *sends)
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    assert _bodies(sqs, url) == ["g2-m1", "g2-m2", "g3-m1"]


def test_deduplication_window(server, qname):
    sqs = server.client("sqs")
    url = fifo(sqs, qname, ContentBasedDeduplication="true")
    one = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    two = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    assert one["MessageId"] == two["MessageId"] and one["SequenceNumber"] == two["SequenceNumber"]
    explicit = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g",
                                MessageDeduplicationId="other")
    assert explicit["MessageId"] != one["MessageId"]
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(msgs) == 2
    for m in msgs:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    # a duplicate still counts as one after its message was deleted, within 5 minutes
    sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    advance(server, 301)
    three = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    assert three["MessageId"] != one["MessageId"]
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["MessageId"] == three["MessageId"]


def test_receive_request_attempt_id(nuvem, qname):
    sqs = nuvem.client("sqs")
    url = fifo(sqs, qname, ContentBasedDeduplication="true")
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=str(i), MessageGroupId="g")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1")
    retry = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1")
    assert [m["MessageId"] for m in first["Messages"]] == [m["MessageId"] for m in retry["Messages"]]
    assert [m["ReceiptHandle"] for m in first["Messages"]] == [m["ReceiptHandle"] for m in retry["Messages"]]


def test_batch_send_fifo(nuvem, qname):
    """An entry without its group or deduplication id fails the whole batch, InvalidParameterValue
    (LocalStack's AWS-validated test_send_batch_missing_message_group_id_for_fifo_queue and
    test_send_batch_missing_deduplication_id_for_fifo_queue); other entry errors stay per entry."""
    sqs = nuvem.client("sqs")
    url = fifo(sqs, qname)
    for entry, message in (
            ({"MessageDeduplicationId": "2"},
             "The request must contain the parameter MessageGroupId."),
            ({"MessageGroupId": "g"}, "The queue should either have ContentBasedDeduplication "
                                      "enabled or MessageDeduplicationId provided explicitly")):
        with pytest.raises(ClientError) as e:
            sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": "1", "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
                {"Id": "2", "MessageBody": "y", **entry}])
        assert error(e) == ("InvalidParameterValue", 400)
        assert e.value.response["Error"]["Message"] == message
    result = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "1", "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
        {"Id": "2", "MessageBody": "y", "MessageGroupId": "g", "MessageDeduplicationId": "2",
         "DelaySeconds": 1},
        {"Id": "3", "MessageBody": "z", "MessageGroupId": "g", "MessageDeduplicationId": "3"}])
    assert [s["Id"] for s in result["Successful"]] == ["1", "3"]
    assert result["Failed"][0]["Code"] == "InvalidParameterValue"
    body = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert body == ["x", "z"]


def test_an_expired_receipt_handle_deletes_nothing(server, qname):
    """LocalStack's AWS-validated test_fifo_delete_message_with_expired_receipt_handle: once the
    message is visible again, a FIFO queue refuses its old handle (a standard queue answers 200)."""
    sqs = server.client("sqs")
    url = fifo(sqs, qname, ContentBasedDeduplication="true")
    sqs.send_message(QueueUrl=url, MessageBody="g1-m1", MessageGroupId="g1")
    handle = sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"][0]["ReceiptHandle"]
    advance(server, 2)
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    assert error(e) == ("InvalidParameterValue", 400)
    assert e.value.response["Error"]["Message"] == (
        f"Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has "
        "expired.")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "g1-m1"


def test_fifo_ids_are_printable_ascii_up_to_128(nuvem, qname):
    """MessageGroupId, MessageDeduplicationId and ReceiveRequestAttemptId take alphanumeric and
    punctuation characters, 1 to 128 (SendMessage and ReceiveMessage API references)."""
    sqs = nuvem.client("sqs")
    url = fifo(sqs, qname)
    ok = "a-Z_0.9!~{}" + "x" * 117
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId=ok, MessageDeduplicationId=ok)
    for group, dedup in (("g g", "d"), ("g" * 129, "d"), ("g", "d\u00e9"), ("g", "d" * 129)):
        with pytest.raises(ClientError) as e:
            sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId=group,
                             MessageDeduplicationId=dedup)
        name, value = ("MessageGroupId", group) if group != "g" else ("MessageDeduplicationId", dedup)
        assert error(e) == ("InvalidParameterValue", 400)
        assert e.value.response["Error"]["Message"] == (
            f"Value {value} for parameter {name} is invalid. Reason: {name} can only include "
            "alphanumeric and punctuation characters. 1 to 128 in length.")
    failed = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "1", "MessageBody": "x", "MessageGroupId": "g\t", "MessageDeduplicationId": "1"}])
    assert failed["Failed"][0]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="try 1")
    assert error(e) == ("InvalidParameterValue", 400)
    assert "parameter ReceiveRequestAttemptId is invalid" in e.value.response["Error"]["Message"]


def test_purge_forgets_deduplication_ids(nuvem, qname):
    """LocalStack's AWS-validated test_purge_queue_clears_fifo_deduplication_cache: after a
    purge, a message with a deduplication id seen before it is taken."""
    sqs = nuvem.client("sqs")
    url = fifo(sqs, qname)
    sqs.send_message(QueueUrl=url, MessageBody="message-1", MessageGroupId="g",
                     MessageDeduplicationId="d")
    sqs.purge_queue(QueueUrl=url)
    sqs.send_message(QueueUrl=url, MessageBody="message-2", MessageGroupId="g",
                     MessageDeduplicationId="d")
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["message-2"]


def test_a_zero_delay_is_taken(nuvem, qname):
    """LocalStack's AWS-validated test_send_message_with_delay_0_works_for_fifo: DelaySeconds=0
    is no per-message delay, so a FIFO queue takes it."""
    sqs = nuvem.client("sqs")
    url = fifo(sqs, qname)
    sent = sqs.send_message(QueueUrl=url, DelaySeconds=0, MessageBody="Hello World!",
                            MessageGroupId="test", MessageDeduplicationId="42")
    got = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    assert got["MD5OfBody"] == sent["MD5OfMessageBody"]
