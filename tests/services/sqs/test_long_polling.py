"""Long polling: a waiting receive holds no transaction, wakes within 50 ms of a send, and
returns empty at the end of its wait."""
import threading
import time


def _receive_in_thread(nuvem, url, **kwargs):
    client = nuvem.client("sqs", read_timeout=30)
    out = {}

    def run():
        out["response"] = client.receive_message(QueueUrl=url, **kwargs)
        out["returned"] = time.perf_counter()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def test_waiting_receive_wakes_within_50ms_of_a_send(nuvem, sqs, qname):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    sqs.get_queue_url(QueueName=qname)        # warm the client's connection
    latencies = []
    for i in range(5):
        thread, out = _receive_in_thread(nuvem, url, WaitTimeSeconds=10)
        time.sleep(0.3)                      # the receive is waiting now
        assert "response" not in out
        # other calls go on while it waits: it holds no transaction
        started = time.perf_counter()
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        assert time.perf_counter() - started < 2      # not held until the poll ends (10 s)
        sqs.send_message(QueueUrl=url, MessageBody=f"wake-{i}")
        sent = time.perf_counter()
        thread.join(5)
        latencies.append(out["returned"] - sent)
        msgs = out["response"]["Messages"]
        assert msgs[0]["Body"] == f"wake-{i}"
        sqs.delete_message(QueueUrl=url, ReceiptHandle=msgs[0]["ReceiptHandle"])
    # the best of five is the server's wake-up latency; the others may meet a busy CI machine
    assert min(latencies) < 0.05, latencies
    assert sorted(latencies)[2] < 0.25, latencies


def test_empty_long_poll_waits_its_time(sqs, qname):
    url = sqs.create_queue(QueueName=qname, Attributes={"ReceiveMessageWaitTimeSeconds": "1"})["QueueUrl"]
    started = time.perf_counter()
    assert "Messages" not in sqs.receive_message(QueueUrl=url)          # the queue's default
    assert 0.95 < time.perf_counter() - started < 3
    started = time.perf_counter()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    assert time.perf_counter() - started < 0.9   # not the queue's 1 s default wait


def test_long_poll_sees_a_delayed_message_become_visible(sqs, qname):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    started = time.perf_counter()
    msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    assert msgs[0]["Body"] == "later"
    assert 0.8 < time.perf_counter() - started < 3


def test_many_waiting_receives_each_get_a_message(nuvem, sqs, qname):
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    waiting = [_receive_in_thread(nuvem, url, WaitTimeSeconds=5) for _ in range(4)]
    time.sleep(0.3)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(4)])
    bodies = []
    for thread, out in waiting:
        thread.join(6)
        bodies += [m["Body"] for m in out["response"].get("Messages", [])]
    assert sorted(bodies) == ["0", "1", "2", "3"]
