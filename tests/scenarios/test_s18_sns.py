"""S18 (SNS half): fan-out to SQS with filter policies, HTTP subscriptions confirmed through the
SubscribeURL with signed messages checked by an independent verifier, retries that do not hold
back other subscriptions, e-mail confirmed through the local mailbox (and relayed over SMTP),
SMS captured."""
import asyncio
import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.exceptions import ClientError

from tests.conftest import REPO, NuvemServer

ACCOUNT = "000000000000"


def wait_for(predicate, timeout=10.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s")


# -- an independent SNS message verifier ------------------------------------------------------
# Written from the AWS docs "Verifying the signatures of Amazon SNS messages": pick the fields
# for the message type, in byte-sort order, each as "name\nvalue\n" (Subject only when present),
# fetch the certificate at SigningCertURL, and check the base64 Signature with SHA1withRSA
# (SignatureVersion 1) or SHA256withRSA (SignatureVersion 2).
def verify_sns_message(message: dict) -> bool:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    if message["Type"] == "Notification":
        names = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    elif message["Type"] in ("SubscriptionConfirmation", "UnsubscribeConfirmation"):
        names = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    else:
        return False
    canonical = ""
    for name in sorted(names):
        if name in message:
            canonical += name + "\n" + message[name] + "\n"
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}[message["SignatureVersion"]]
    with urllib.request.urlopen(message["SigningCertURL"], timeout=5) as response:
        certificate = x509.load_pem_x509_certificate(response.read())
    try:
        certificate.public_key().verify(base64.b64decode(message["Signature"]),
                                        canonical.encode("utf-8"), padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        return False
    return True


# -- a local HTTP endpoint ------------------------------------------------------------------------
class Endpoint:
    """Records every POST; answers `status(n)` for the n-th notification (default 200)."""

    def __init__(self, status=lambda n: 200):
        self.received: list[tuple[dict, str]] = []
        self.notifications = 0
        self.status = status
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                headers = {k.lower(): v for k, v in self.headers.items()}
                code = 200
                if headers.get("x-amz-sns-message-type") == "Notification":
                    code = endpoint.status(endpoint.notifications)
                    endpoint.notifications += 1
                endpoint.received.append((headers, body))
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of_type(self, kind):
        return [json.loads(body) if headers.get("x-amz-sns-rawdelivery") != "true" else body
                for headers, body in self.received if headers["x-amz-sns-message-type"] == kind]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    made = []

    def make(status=lambda n: 200):
        made.append(Endpoint(status))
        return made[-1]
    yield make
    for e in made:
        e.close()


def confirm_http(sns, topic, endpoint):
    """Subscribes `endpoint`, follows its SubscribeURL; returns the subscription's ARN."""
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
    confirmation = wait_for(lambda: endpoint.of_type("SubscriptionConfirmation"))[-1]
    with urllib.request.urlopen(confirmation["SubscribeURL"], timeout=5) as response:
        answer = response.read().decode()
    assert "<ConfirmSubscriptionResult>" in answer
    return answer.split("<SubscriptionArn>")[1].split("</SubscriptionArn>")[0]


# -- SNS -> SQS ---------------------------------------------------------------------------------
def make_queue(nuvem, name, topic, key="test", **attributes):
    """A new queue whose policy lets `topic` send to it, in the account of `key`: (url, arn)."""
    sqs = nuvem.client("sqs", key=key)
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]})})
    return url, arn


def drain(sqs, url, expected, timeout=10.0):
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < expected and time.monotonic() < deadline:
        response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                       MessageAttributeNames=["All"])
        for m in response.get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def test_fan_out_to_sqs_with_filter_policies(nuvem):
    sns, sqs = nuvem.client("sns"), nuvem.client("sqs")
    topic = sns.create_topic(Name="s18-orders")["TopicArn"]
    everything, every_arn = make_queue(nuvem, "s18-all", topic)
    red, red_arn = make_queue(nuvem, "s18-red", topic)
    big, big_arn = make_queue(nuvem, "s18-big", topic)
    raw, raw_arn = make_queue(nuvem, "s18-raw", topic)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=every_arn)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=red_arn, Attributes={
        "FilterPolicy": json.dumps({"color": ["red"], "size": [{"anything-but": "s"}]})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=big_arn, Attributes={
        "FilterPolicyScope": "MessageBody",
        "FilterPolicy": json.dumps({"order": {"total": [{"numeric": [">=", 100]}]}})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=raw_arn,
                  Attributes={"RawMessageDelivery": "true"})

    def attrs(**kv):
        return {k: {"DataType": "Number" if isinstance(v, int) else "String",
                    "StringValue": str(v)} for k, v in kv.items()}
    sns.publish(TopicArn=topic, Message=json.dumps({"order": {"total": 150}}), Subject="one",
                MessageAttributes=attrs(color="red", size="xl"))
    sns.publish(TopicArn=topic, Message=json.dumps({"order": {"total": 5}}),
                MessageAttributes=attrs(color="red", size="s"))
    sns.publish(TopicArn=topic, Message="not json", MessageAttributes=attrs(color="blue"))

    all_messages = drain(sqs, everything, 3)
    assert len(all_messages) == 3
    envelope = json.loads(next(m["Body"] for m in all_messages if '"one"' in m["Body"]))
    assert envelope["Type"] == "Notification" and envelope["TopicArn"] == topic
    assert envelope["Subject"] == "one"
    assert envelope["MessageAttributes"]["color"] == {"Type": "String", "Value": "red"}
    assert verify_sns_message(envelope)

    red_messages = drain(sqs, red, 1)
    assert [json.loads(json.loads(m["Body"])["Message"])["order"]["total"]
            for m in red_messages] == [150]
    big_messages = drain(sqs, big, 1)
    assert [json.loads(m["Body"])["Message"] for m in big_messages] == [
        json.dumps({"order": {"total": 150}})]
    raw_messages = drain(sqs, raw, 3)
    bodies = sorted(m["Body"] for m in raw_messages)
    assert "not json" in bodies
    blue = next(m for m in raw_messages if m["Body"] == "not json")
    assert blue["MessageAttributes"]["color"]["StringValue"] == "blue"
    # nothing else arrives on the filtered queues
    assert drain(sqs, red, 1, timeout=1.5) == [] and drain(sqs, big, 1, timeout=0.5) == []


def test_refused_queue_delivery_is_redriven_at_once_and_does_not_block_the_others(manual_nuvem):
    """SQS subscriptions are delivered while the publish fans out. A queue whose policy refuses
    SNS is a client-side error, which SNS does not retry ("Amazon SNS dead-letter queues"):
    the message goes to that subscription's dead-letter queue, the other queues have it once,
    and fixing the policy later brings no retry."""
    sns, sqs = manual_nuvem.client("sns"), manual_nuvem.client("sqs")
    topic = sns.create_topic(Name="s18-refused")["TopicArn"]
    good_url, good_arn = make_queue(manual_nuvem, "s18-refused-good", topic)
    dlq_url, dlq_arn = make_queue(manual_nuvem, "s18-refused-dlq", topic)
    late_url, late_arn = make_queue(manual_nuvem, "s18-refused-late", topic + "-other")
    for arn in (good_arn, late_arn):
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    subs = {s["Endpoint"]: s["SubscriptionArn"]
            for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]}
    sns.set_subscription_attributes(SubscriptionArn=subs[late_arn], AttributeName="RedrivePolicy",
                                    AttributeValue=json.dumps({"deadLetterTargetArn": dlq_arn}))
    sns.publish(TopicArn=topic, Message="eventually")
    got = drain(sqs, good_url, 1)
    assert [json.loads(m["Body"])["Message"] for m in got] == ["eventually"]
    note = json.loads(got[0]["Body"])
    assert verify_sns_message(note)
    assert note["UnsubscribeURL"].endswith("SubscriptionArn=" + subs[good_arn])
    moved = drain(sqs, dlq_url, 1)              # no clock moved: not retried first
    assert [json.loads(m["Body"])["Message"] for m in moved] == ["eventually"]
    assert verify_sns_message(json.loads(moved[0]["Body"]))
    make_queue(manual_nuvem, "s18-refused-late", topic)       # now the policy allows the topic
    manual_nuvem.admin("POST", "/_nuvem/clock", {"advance": 600})
    assert drain(sqs, late_url, 1, timeout=1.5) == []
    assert drain(sqs, good_url, 1, timeout=0.5) == []          # delivered once


def test_fifo_topic_to_fifo_queue_in_order(nuvem):
    sns, sqs = nuvem.client("sns"), nuvem.client("sqs")
    topic = sns.create_topic(Name="s18-seq.fifo", Attributes={
        "FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    url, arn = make_queue(nuvem, "s18-seq.fifo", topic, FifoQueue="true")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                  Attributes={"RawMessageDelivery": "true"})
    for i in range(5):
        sns.publish(TopicArn=topic, Message=f"m{i}", MessageGroupId="g")
    sns.publish(TopicArn=topic, Message="m0", MessageGroupId="g")      # a duplicate: dropped
    got = []
    deadline = time.monotonic() + 10
    while len(got) < 5 and time.monotonic() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                     WaitTimeSeconds=1).get("Messages", []):
            got.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert got == [f"m{i}" for i in range(5)]


# -- HTTP/S ---------------------------------------------------------------------------------------
def test_http_subscription_confirm_and_signed_delivery(nuvem, endpoint):
    sns = nuvem.client("sns")
    hook = endpoint()
    topic = sns.create_topic(Name="s18-http")["TopicArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=hook.url)[
        "SubscriptionArn"] == "pending confirmation"
    confirmation = wait_for(lambda: hook.of_type("SubscriptionConfirmation"))[0]
    headers = hook.received[0][0]
    assert headers["x-amz-sns-topic-arn"] == topic
    assert headers["user-agent"] == "Amazon Simple Notification Service Agent"
    assert headers["accept-encoding"] == "gzip,deflate"
    assert "x-amz-sns-subscription-arn" not in headers
    assert confirmation["TopicArn"] == topic and confirmation["Token"]
    assert verify_sns_message(confirmation)
    forged = dict(confirmation, Token="0" * len(confirmation["Token"]))
    assert not verify_sns_message(forged)
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert listed[0]["SubscriptionArn"] == "PendingConfirmation"

    with urllib.request.urlopen(confirmation["SubscribeURL"], timeout=5) as response:
        assert response.status == 200
    sub_arn = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0][
        "SubscriptionArn"]
    assert sub_arn.startswith(topic + ":")

    sns.publish(TopicArn=topic, Message="hello over http", Subject="greeting")
    note = wait_for(lambda: hook.of_type("Notification"))[0]
    assert note["Message"] == "hello over http" and note["Subject"] == "greeting"
    assert note["SignatureVersion"] == "1" and verify_sns_message(note)
    assert not verify_sns_message(dict(note, Message="tampered"))
    headers = [h for h, _ in hook.received if h["x-amz-sns-message-type"] == "Notification"][0]
    assert headers["x-amz-sns-subscription-arn"] == sub_arn
    assert headers["x-amz-sns-message-id"] == note["MessageId"]

    # SignatureVersion 2: SHA256withRSA
    sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion", AttributeValue="2")
    sns.publish(TopicArn=topic, Message="signed with sha256")
    note2 = wait_for(lambda: [n for n in hook.of_type("Notification")
                              if n["Message"] == "signed with sha256"])[0]
    assert note2["SignatureVersion"] == "2" and verify_sns_message(note2)
    assert "Subject" not in note2

    # the UnsubscribeURL works with a plain GET too; the endpoint is told, and the
    # UnsubscribeConfirmation's SubscribeURL brings the subscription back
    with urllib.request.urlopen(note2["UnsubscribeURL"], timeout=5) as response:
        assert b"UnsubscribeResponse" in response.read()
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    goodbye = wait_for(lambda: hook.of_type("UnsubscribeConfirmation"))[0]
    assert goodbye["TopicArn"] == topic and goodbye["Token"] and verify_sns_message(goodbye)
    headers = [h for h, _ in hook.received
               if h["x-amz-sns-message-type"] == "UnsubscribeConfirmation"][0]
    assert headers["x-amz-sns-subscription-arn"] == sub_arn     # as on a Notification
    assert goodbye["Message"].startswith(f"You have chosen to deactivate subscription {sub_arn}.")
    sns.publish(TopicArn=topic, Message="nobody listens")
    with urllib.request.urlopen(goodbye["SubscribeURL"], timeout=5) as response:
        assert response.status == 200
    assert [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(
        TopicArn=topic)["Subscriptions"]] == [sub_arn]
    sns.publish(TopicArn=topic, Message="welcome back")
    wait_for(lambda: [n for n in hook.of_type("Notification") if n["Message"] == "welcome back"])
    assert "nobody listens" not in [n["Message"] for n in hook.of_type("Notification")]
    with pytest.raises(ClientError) as e:                  # a restore token works once
        sns.confirm_subscription(TopicArn=topic, Token=goodbye["Token"])
    assert e.value.response["Error"]["Code"] == "InvalidParameter"


def test_raw_http_delivery(nuvem, endpoint):
    sns = nuvem.client("sns")
    hook = endpoint()
    topic = sns.create_topic(Name="s18-raw-http")["TopicArn"]
    sub = confirm_http(sns, topic, hook)
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery",
                                    AttributeValue="true")
    sns.publish(TopicArn=topic, Message="just the body")
    assert wait_for(lambda: hook.of_type("Notification")) == ["just the body"]


def test_failing_endpoint_is_retried_as_its_delivery_policy_says(nuvem, endpoint):
    sns = nuvem.client("sns")
    flaky = endpoint(status=lambda n: 500 if n < 2 else 200)   # fails twice, then recovers
    healthy = endpoint()
    topic = sns.create_topic(Name="s18-retry")["TopicArn"]
    sub = confirm_http(sns, topic, flaky)
    confirm_http(sns, topic, healthy)
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="DeliveryPolicy",
                                    AttributeValue=json.dumps({
                                        "healthyRetryPolicy": {"minDelayTarget": 1,
                                                               "maxDelayTarget": 1,
                                                               "numRetries": 3},
                                        "requestPolicy": {"headerContentType": "application/json"}}))
    effective = json.loads(sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"][
        "EffectiveDeliveryPolicy"])
    assert effective["healthyRetryPolicy"] == {
        "minDelayTarget": 1, "maxDelayTarget": 1, "numRetries": 3, "numMaxDelayRetries": 0,
        "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear"}
    started = time.monotonic()
    sns.publish(TopicArn=topic, Message="retry me")
    wait_for(lambda: healthy.of_type("Notification"), timeout=5)
    assert time.monotonic() - started < 1.0        # not held back by the failing endpoint
    wait_for(lambda: flaky.notifications >= 3, timeout=10)   # a retry a second after each failure
    assert time.monotonic() - started >= 2.0
    assert [n["Message"] for n in flaky.of_type("Notification")] == ["retry me"] * 3
    sent = [h for h, _ in flaky.received if h["x-amz-sns-message-type"] == "Notification"]
    assert {h["content-type"] for h in sent} == {"application/json"}
    assert len(healthy.of_type("Notification")) == 1
    assert healthy.received[-1][0]["content-type"] == "text/plain; charset=UTF-8"


# -- e-mail and SMS -------------------------------------------------------------------------------
def mailbox(server, to):
    return server.admin("GET", f"/_nuvem/mail?to={to}")["messages"]


def link_in(body):
    return next(word for word in body.split() if "/_nuvem/sns/confirm?" in word)


def test_email_confirm_via_the_mailbox_link(nuvem):
    sns = nuvem.client("sns")
    topic = sns.create_topic(Name="s18-mail", Attributes={"DisplayName": "Shop"})["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ana@example.com")
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint="bot@example.com")
    confirmation = wait_for(lambda: mailbox(nuvem, "ana@example.com"))[0]
    assert confirmation["subject"] == "AWS Notification - Subscription Confirmation"
    assert topic in confirmation["body"]
    with urllib.request.urlopen(link_in(confirmation["body"]), timeout=5) as response:
        assert response.status == 200
    json_confirmation = json.loads(wait_for(lambda: mailbox(nuvem, "bot@example.com"))[0]["body"])
    assert json_confirmation["Type"] == "SubscriptionConfirmation"
    sns.confirm_subscription(TopicArn=topic, Token=json_confirmation["Token"])
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert all(s["SubscriptionArn"].startswith(topic) for s in subs)

    sns.publish(TopicArn=topic, Message="your order shipped", Subject="Order 7")
    mail = wait_for(lambda: [m for m in mailbox(nuvem, "ana@example.com")
                             if m["subject"] == "Order 7"])[0]
    assert mail["body"].startswith("your order shipped")
    assert mail["from"] == "Shop <no-reply@sns.amazonaws.com>"
    note = json.loads(wait_for(lambda: mailbox(nuvem, "bot@example.com")[1:])[0]["body"])
    assert note["Type"] == "Notification" and note["Message"] == "your order shipped"
    assert verify_sns_message(note)

    # the `nuvem mail` command shows the same mailbox
    env = {**os.environ, "NUVEM_PORT": str(nuvem.port)}
    listing = subprocess.run([sys.executable, "-m", "nuvem", "mail", "--to", "ana@example.com"],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=30)
    assert listing.returncode == 0 and "Order 7" in listing.stdout
    shown = subprocess.run([sys.executable, "-m", "nuvem", "mail", "show", mail["id"]], cwd=REPO,
                           env=env, capture_output=True, text=True, timeout=30)
    assert "your order shipped" in shown.stdout and "Subject: Order 7" in shown.stdout
    one = nuvem.admin("GET", f"/_nuvem/mail/{mail['id']}")
    assert one["to"] == ["ana@example.com"]


def test_sms_is_captured(nuvem):
    sns = nuvem.client("sns")
    topic = sns.create_topic(Name="s18-sms")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15550111")
    sns.publish(TopicArn=topic, Message="code 1234")
    sns.publish(PhoneNumber="+15550122", Message="direct text")
    got = wait_for(lambda: len(nuvem.admin("GET", "/_nuvem/sms")["messages"]) >= 2 and
                   nuvem.admin("GET", "/_nuvem/sms")["messages"])
    assert {(m["to"][0], m["body"]) for m in got} >= {("+15550111", "code 1234"),
                                                       ("+15550122", "direct text")}


# -- relay over SMTP ------------------------------------------------------------------------------
class TinySmtpd:
    """Just enough SMTP (RFC 5321) to receive messages: EHLO/HELO, MAIL, RCPT, DATA, QUIT."""

    def __init__(self):
        self.messages: list[dict] = []
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            self.server = self.loop.run_until_complete(
                asyncio.start_server(self.session, "127.0.0.1", 0))
            self.port = self.server.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(5)

    async def session(self, reader, writer):
        writer.write(b"220 tiny ESMTP\r\n")
        envelope = {"from": None, "to": []}
        while True:
            line = await reader.readline()
            if not line:
                break
            command = line.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                writer.write(b"250 tiny\r\n")
            elif verb == "MAIL":
                envelope = {"from": command.split(":", 1)[1].strip(), "to": []}
                writer.write(b"250 OK\r\n")
            elif verb == "RCPT":
                envelope["to"].append(command.split(":", 1)[1].strip())
                writer.write(b"250 OK\r\n")
            elif verb == "DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                data = []
                while (chunk := await reader.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                self.messages.append({**envelope, "data": b"".join(data).decode()})
                writer.write(b"250 queued\r\n")
            elif verb == "QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 OK\r\n")
            await writer.drain()
        writer.close()

    def stop(self):
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def test_email_relayed_over_smtp():
    smtpd = TinySmtpd()
    server = NuvemServer(env={"NUVEM_SMTP_URL": f"smtp://127.0.0.1:{smtpd.port}"}).start()
    try:
        sns = server.client("sns")
        topic = sns.create_topic(Name="s18-relay")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
        confirmation = wait_for(lambda: smtpd.messages)[0]
        assert "<ops@example.com>" in confirmation["to"]
        assert "Subject: AWS Notification - Subscription Confirmation" in confirmation["data"]
        import email
        body = email.message_from_string(confirmation["data"]).get_payload(decode=True).decode()
        with urllib.request.urlopen(link_in(body), timeout=5) as response:
            assert response.status == 200
        sns.publish(TopicArn=topic, Message="relayed", Subject="Relay test")
        relayed = wait_for(lambda: smtpd.messages[1:])[0]
        assert "Subject: Relay test" in relayed["data"] and "relayed" in relayed["data"]
        assert server.admin("GET", "/_nuvem/mail")["messages"] == []   # relayed, not kept
    finally:
        server.stop()
        smtpd.stop()


def test_pending_delivery_survives_a_restart(tmp_path, endpoint):
    """A delivery that has not succeeded yet is in the outbox: it is made after a crash."""
    state = str(tmp_path / "state")
    answers = {"code": 200}
    hook = endpoint(status=lambda n: answers["code"])
    server = NuvemServer(state_dir=state).start()
    try:
        sns = server.client("sns")
        topic = sns.create_topic(Name="s18-durable")["TopicArn"]
        confirm_http(sns, topic, hook)
        answers["code"] = 503
        sns.publish(TopicArn=topic, Message="survive")
        wait_for(lambda: hook.notifications >= 1)
        server.kill()
        answers["code"] = 200
        server = NuvemServer(state_dir=state)
        server.start()
        wait_for(lambda: [n for n in hook.of_type("Notification") if n["Message"] == "survive"][1:],
                 timeout=45)   # the retry (20 s apart) comes about 20 s after the restart
    finally:
        server.stop()


def test_redrive_policy_moves_undeliverable_messages_to_the_dlq(endpoint):
    """After the delivery policy's last retry (on the manual clock) the message goes to the
    subscription's SQS dead-letter queue instead of being lost."""
    server = NuvemServer(env={"NUVEM_CLOCK": "manual"}).start()
    try:
        sns, sqs = server.client("sns"), server.client("sqs")
        down = endpoint(status=lambda n: 500)
        topic = sns.create_topic(Name="s18-redrive")["TopicArn"]
        dlq_url, dlq_arn = make_queue(server, "s18-dlq", topic)
        sub = confirm_http(sns, topic, down)
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RedrivePolicy",
                                        AttributeValue=json.dumps({"deadLetterTargetArn": dlq_arn}))
        sns.publish(TopicArn=topic, Message="nobody home")
        wait_for(lambda: down.notifications >= 1)
        for attempt in range(2, 5):      # the default HTTP policy: 3 retries 20 s apart
            server.admin("POST", "/_nuvem/clock", {"advance": 19})
            time.sleep(0.3)
            assert down.notifications == attempt - 1
            server.admin("POST", "/_nuvem/clock", {"advance": 1})
            wait_for(lambda: down.notifications >= attempt, timeout=10)
        moved = drain(sqs, dlq_url, 1)
        assert len(moved) == 1
        assert json.loads(moved[0]["Body"])["Message"] == "nobody home"
        assert down.notifications == 4
    finally:
        server.stop()


def test_an_unsubscribe_confirmation_restores_for_three_days_only(manual_nuvem, endpoint):
    sns = manual_nuvem.client("sns")
    hook = endpoint()
    topic = sns.create_topic(Name="s18-restore-late")["TopicArn"]
    sub = confirm_http(sns, topic, hook)
    sns.unsubscribe(SubscriptionArn=sub)
    goodbye = wait_for(lambda: hook.of_type("UnsubscribeConfirmation"))[0]
    manual_nuvem.admin("POST", "/_nuvem/clock", {"advance": 3 * 86400 + 60})
    with pytest.raises(urllib.error.HTTPError) as e:       # the link is unsigned: any clock
        urllib.request.urlopen(goodbye["SubscribeURL"], timeout=5)
    assert e.value.code == 400 and b"InvalidParameter" in e.value.read()
