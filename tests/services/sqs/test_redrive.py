"""Dead-letter queues and message move tasks; retention."""
import base64
import json

import pytest
from botocore.exceptions import ClientError

from tests.services.sqs.conftest import advance, error


def _pair(sqs, qname, fifo=False, **extra):
    suffix = ".fifo" if fifo else ""
    base = {"FifoQueue": "true"} if fifo else {}
    dlq = sqs.create_queue(QueueName=f"{qname}-dlq{suffix}", Attributes=base)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName=f"{qname}-src{suffix}", Attributes={
        **base, "VisibilityTimeout": "0", **extra,
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
    return src, dlq, dlq_arn


def test_dead_letter_after_max_receive_count(sqs, qname):
    src, dlq, dlq_arn = _pair(sqs, qname)
    sent = sqs.send_message(QueueUrl=src, MessageBody="poison")
    for n in (1, 2):
        m = sqs.receive_message(QueueUrl=src, AttributeNames=["All"])["Messages"][0]
        assert m["Attributes"]["ApproximateReceiveCount"] == str(n)
    assert "Messages" not in sqs.receive_message(QueueUrl=src)        # third receive: moved
    moved = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"][0]
    assert moved["MessageId"] == sent["MessageId"] and moved["Body"] == "poison"
    src_arn = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert moved["Attributes"]["DeadLetterQueueSourceArn"] == src_arn
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]
    redrive = json.loads(sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])[
        "Attributes"]["RedrivePolicy"])
    assert redrive == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}


def test_move_task_back_to_source(sqs, qname):
    src, dlq, dlq_arn = _pair(sqs, qname)
    for i in range(3):
        sqs.send_message(QueueUrl=src, MessageBody=str(i))
    for _ in range(3):
        sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10)
    assert sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "3"
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    assert handle
    tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert tasks[0]["Status"] == "COMPLETED" and tasks[0]["ApproximateNumberOfMessagesMoved"] == 3
    back = sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in back) == ["0", "1", "2"]
    with pytest.raises(ClientError) as e:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert error(e)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:      # not a dead-letter queue
        sqs.start_message_move_task(SourceArn=dlq_arn.replace("-dlq", "-src"))
    assert error(e)[0] == "InvalidParameterValue"


def test_a_move_task_without_a_rate_completes_in_one_pass(sqs, qname):
    """A message sent straight to the dead-letter queue has no source to go back to: it stays,
    and the task still completes (it stayed RUNNING, and the periodic job failed on it)."""
    src, dlq, dlq_arn = _pair(sqs, qname)
    sqs.send_message(QueueUrl=dlq, MessageBody="sent here")
    sqs.send_message(QueueUrl=src, MessageBody="dead-lettered")
    for _ in range(3):
        sqs.receive_message(QueueUrl=src)
    sqs.start_message_move_task(SourceArn=dlq_arn)
    task = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
    assert task["Status"] == "COMPLETED" and task["ApproximateNumberOfMessagesMoved"] == 1
    assert sqs.receive_message(QueueUrl=src)["Messages"][0]["Body"] == "dead-lettered"
    assert sqs.receive_message(QueueUrl=dlq)["Messages"][0]["Body"] == "sent here"


def test_task_handles_and_their_errors(sqs, qname):
    """LocalStack's AWS-validated test_cancel_with_invalid_task_handle,
    test_cancel_with_invalid_source_arn_in_task_handle, ..._invalid_task_id_in_task_handle and
    test_destination_needs_to_exist: a handle is base64 JSON naming the task and its source."""
    src, dlq, dlq_arn = _pair(sqs, qname)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    assert json.loads(base64.b64decode(handle))["sourceArn"] == dlq_arn

    def encoded(task_id, source_arn):
        return base64.b64encode(json.dumps({"taskId": task_id, "sourceArn": source_arn}).encode()).decode()
    missing_queue = "arn:aws:sqs:us-east-1:878966065785:test-queue-doesnt-exist-123456"
    for bad, code, status, message in (
            ("foobared", "InvalidParameterValue", 400, "Value for parameter TaskHandle is invalid."),
            (encoded("10f57157-fc38-4da9-a113-4de7e12d05dd", missing_queue),
             "ResourceNotFoundException", 404,
             "The resource that you specified for the SourceArn parameter doesn't exist."),
            (encoded("10f57157-fc38-4da9-a113-4de7e12d05aa", dlq_arn),
             "ResourceNotFoundException", 404, "Task does not exist.")):
        with pytest.raises(ClientError) as e:
            sqs.cancel_message_move_task(TaskHandle=bad)
        assert error(e) == (code, status)
        assert e.value.response["Error"]["Message"] == message
    with pytest.raises(ClientError) as e:
        sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=dlq_arn + "-gone")
    assert error(e) == ("ResourceNotFoundException", 404)


def test_fifo_dead_letter_must_be_fifo(sqs, qname):
    dlq = sqs.create_queue(QueueName=f"{qname}-std")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=f"{qname}.fifo", Attributes={"FifoQueue": "true", "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": arn, "maxReceiveCount": 1})})
    assert error(e) == ("InvalidAttributeValue", 400)


def test_retention_expires_messages(manual_nuvem, qname):
    sqs = manual_nuvem.client("sqs")
    url = sqs.create_queue(QueueName=qname, Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    advance(manual_nuvem, 30)
    sqs.send_message(QueueUrl=url, MessageBody="new")
    advance(manual_nuvem, 31)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "1"
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["new"]


def test_redrive_allow_policy(sqs, qname):
    dlq = sqs.create_queue(QueueName=f"{qname}-dlq", Attributes={
        "RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 1})
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=f"{qname}-src", Attributes={"RedrivePolicy": policy})
    assert error(e) == ("InvalidAttributeValue", 400)
    src_arn = arn.replace("-dlq", "-src")
    # sourceQueueArns: up to 10, and only with byQueue
    for refused in ({"redrivePermission": "byQueue", "sourceQueueArns": [src_arn] * 11},
                    {"redrivePermission": "allowAll", "sourceQueueArns": [src_arn]},
                    {"redrivePermission": "byQueue", "sourceQueueArns": []}):
        with pytest.raises(ClientError) as e:
            sqs.set_queue_attributes(QueueUrl=dlq, Attributes={
                "RedriveAllowPolicy": json.dumps(refused)})
        assert error(e) == ("InvalidAttributeValue", 400)
    sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": json.dumps(
        {"redrivePermission": "byQueue", "sourceQueueArns": [src_arn] * 10})})
    sqs.create_queue(QueueName=f"{qname}-src", Attributes={"RedrivePolicy": policy})


def test_periodic_sweep_removes_expired_messages():
    from nuvem.config import Config
    from nuvem.context import Principal
    from nuvem.runtime import Runtime
    from nuvem.services.sqs.redrive import sweep
    runtime = Runtime(Config(ephemeral=True, clock="manual"))
    try:
        root, acct = Principal.root("000000000000"), "000000000000"
        call = runtime.internal.call
        url = call("sqs", "CreateQueue", {"QueueName": "sweep", "Attributes": {"MessageRetentionPeriod": "60"}},
                   principal=root, account=acct, region="us-east-1")["QueueUrl"]
        for i in range(3):
            call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": str(i)}, principal=root,
                 account=acct, region="us-east-1")
        runtime.clock.advance(59)
        assert sweep(runtime) == 0
        runtime.clock.advance(1)
        assert sweep(runtime) == 3
    finally:
        runtime.store.close()


def _dead_letters(sqs, qname, count):
    src, dlq, dlq_arn = _pair(sqs, qname)
    sqs.send_message_batch(QueueUrl=src, Entries=[
        {"Id": str(i), "MessageBody": str(i)} for i in range(count)])
    for _ in range(3):
        sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10)
    return src, dlq, dlq_arn


def _depth(sqs, url):
    return int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])


def test_a_paced_move_task_runs_at_its_rate_until_cancelled(manual_nuvem, qname):
    sqs = manual_nuvem.client("sqs")
    src, dlq, dlq_arn = _dead_letters(sqs, qname, 6)
    assert _depth(sqs, dlq) == 6
    handle = sqs.start_message_move_task(SourceArn=dlq_arn,
                                         MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
    [task] = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert task["Status"] == "RUNNING" and task["TaskHandle"] == handle
    assert task["ApproximateNumberOfMessagesToMove"] == 6 and \
        task["ApproximateNumberOfMessagesMoved"] == 0 and task["MaxNumberOfMessagesPerSecond"] == 1
    with pytest.raises(ClientError) as e:          # one running task per source
        sqs.start_message_move_task(SourceArn=dlq_arn)
    assert error(e) == ("InvalidParameterValue", 400)
    advance(manual_nuvem, 2)
    assert sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0][
        "ApproximateNumberOfMessagesMoved"] == 2
    assert (_depth(sqs, src), _depth(sqs, dlq)) == (2, 4)
    assert sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"] == 2
    [task] = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert task["Status"] == "CANCELLED" and "TaskHandle" not in task
    advance(manual_nuvem, 10)
    assert (_depth(sqs, src), _depth(sqs, dlq)) == (2, 4)           # nothing moves any more
    with pytest.raises(ClientError) as e:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert error(e)[0] == "ResourceNotFoundException"

    sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=3)
    advance(manual_nuvem, 1)
    assert sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]["Status"] == "RUNNING"
    advance(manual_nuvem, 1)
    tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
    assert [t["Status"] for t in tasks] == ["COMPLETED", "CANCELLED"]
    assert tasks[0]["ApproximateNumberOfMessagesMoved"] == 4
    assert (_depth(sqs, src), _depth(sqs, dlq)) == (6, 0)


def test_a_move_task_whose_destination_is_gone_fails(manual_nuvem, qname):
    sqs = manual_nuvem.client("sqs")
    _, _, dlq_arn = _dead_letters(sqs, qname, 2)
    other = sqs.create_queue(QueueName=f"{qname}-other")["QueueUrl"]
    other_arn = sqs.get_queue_attributes(QueueUrl=other, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=other_arn,
                                MaxNumberOfMessagesPerSecond=1)
    sqs.delete_queue(QueueUrl=other)
    advance(manual_nuvem, 2)
    [task] = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert task["Status"] == "FAILED" and task["FailureReason"]


def test_list_message_move_tasks_shows_the_ten_newest(manual_nuvem, qname):
    sqs = manual_nuvem.client("sqs")
    _, _, dlq_arn = _dead_letters(sqs, qname, 1)
    for _ in range(12):
        sqs.start_message_move_task(SourceArn=dlq_arn)
        advance(manual_nuvem, 1)
    tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
    assert len(tasks) == 10 and tasks[0]["ApproximateNumberOfMessagesMoved"] == 0
    assert tasks[-1]["StartedTimestamp"] < tasks[0]["StartedTimestamp"]
