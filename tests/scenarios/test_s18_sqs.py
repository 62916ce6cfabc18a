"""S18 (SQS part): a worker pool on a standard queue with a dead-letter queue and long polling,
an ordered FIFO pipeline with deduplication, and the AWS CLI. The SNS half comes with SNS."""
import json
import threading
import time

from tests.services.sqs.test_messages import md5_attributes


def advance(server, seconds):
    server.admin("POST", "/_nuvem/clock", {"advance": seconds})


def test_worker_pool_with_visibility_timeout_and_dead_letter_queue(manual_nuvem):
    sqs = manual_nuvem.client("sqs")
    dlq = sqs.create_queue(QueueName="s18-orders-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName="s18-orders", Attributes={
        "VisibilityTimeout": "30",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})})["QueueUrl"]
    attributes = {"kind": {"DataType": "String", "StringValue": "order"}}
    sent = [sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"order": i}),
                             MessageAttributes=attributes) for i in range(5)]
    assert all(s["MD5OfMessageAttributes"] == md5_attributes(attributes) for s in sent)

    # a worker takes every message, processes all but the poison one, and crashes on that
    batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
    assert len(batch) == 5
    poison = next(m for m in batch if json.loads(m["Body"])["order"] == 3)
    sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch) if m is not poison])

    # the unprocessed message comes back after the visibility timeout, twice more, then goes to the DLQ
    for receive in (2, 3):
        assert "Messages" not in sqs.receive_message(QueueUrl=url)
        advance(manual_nuvem, 30)
        again = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
        assert again["MessageId"] == poison["MessageId"]
        assert again["Attributes"]["ApproximateReceiveCount"] == str(receive)
    advance(manual_nuvem, 30)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    dead = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"][0]
    assert dead["MessageId"] == poison["MessageId"]
    assert dead["Attributes"]["DeadLetterQueueSourceArn"].endswith(":s18-orders")

    # redrive back to the source once the bug is fixed
    sqs.change_message_visibility(QueueUrl=dlq, ReceiptHandle=dead["ReceiptHandle"], VisibilityTimeout=0)
    sqs.start_message_move_task(SourceArn=dlq_arn)
    back = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert back["MessageId"] == poison["MessageId"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=back["ReceiptHandle"])
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == counts["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_long_polling_consumer_wakes_on_send(nuvem):
    sqs = nuvem.client("sqs")
    url = sqs.create_queue(QueueName="s18-events", Attributes={"ReceiveMessageWaitTimeSeconds": "20"})["QueueUrl"]
    consumer = nuvem.client("sqs", read_timeout=30)
    consumer.get_queue_url(QueueName="s18-events")
    got = {}

    def consume():
        got["messages"] = consumer.receive_message(QueueUrl=url)["Messages"]   # the queue's 20 s wait
        got["at"] = time.perf_counter()

    thread = threading.Thread(target=consume)
    thread.start()
    time.sleep(0.3)
    sqs.send_message(QueueUrl=url, MessageBody="ping")
    sent = time.perf_counter()
    thread.join(10)
    assert got["messages"][0]["Body"] == "ping"
    assert got["at"] - sent < 0.05


def test_fifo_pipeline_order_and_dedupe(nuvem):
    sqs = nuvem.client("sqs")
    url = sqs.create_queue(QueueName="s18-ledger.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    for account in ("acct-1", "acct-2"):
        for step in ("open", "deposit", "withdraw"):
            sqs.send_message(QueueUrl=url, MessageBody=f"{account}:{step}", MessageGroupId=account)
    sqs.send_message(QueueUrl=url, MessageBody="acct-1:open", MessageGroupId="acct-1")   # a retry
    seen = []
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2).get("Messages", [])
        if not msgs:
            break
        seen += [m["Body"] for m in msgs]
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
    assert [s for s in seen if s.startswith("acct-1")] == ["acct-1:open", "acct-1:deposit", "acct-1:withdraw"]
    assert [s for s in seen if s.startswith("acct-2")] == ["acct-2:open", "acct-2:deposit", "acct-2:withdraw"]


def test_aws_cli_send_and_receive(nuvem):
    # --endpoint-url: the CLI's overridesslcommonname customization points SQS at
    # <region>.queue.amazonaws.com unless the flag is given (it ignores AWS_ENDPOINT_URL).
    def cli(*args, check=True):
        return nuvem.aws_cli("sqs", *args, "--endpoint-url", nuvem.endpoint, check=check)

    url = json.loads(cli("create-queue", "--queue-name", "s18-cli").stdout)["QueueUrl"]
    cli("send-message", "--queue-url", url, "--message-body", "from the cli",
        "--message-attributes", '{"k":{"DataType":"String","StringValue":"v"}}')
    out = json.loads(cli("receive-message", "--queue-url", url, "--message-attribute-names", "All").stdout)
    assert out["Messages"][0]["Body"] == "from the cli"
    assert out["Messages"][0]["MessageAttributes"]["k"]["StringValue"] == "v"
    missing = cli("get-queue-url", "--queue-name", "s18-none", check=False)
    assert missing.returncode != 0 and "NonExistentQueue" in missing.stderr
