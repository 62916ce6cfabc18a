"""The pipeline on the wire: health, clock, routing, not-implemented errors, bad input."""
import json
import urllib.request

import pytest
from botocore.exceptions import ClientError


def raw(nuvem, method, path, body=b"", headers=None):
    request = urllib.request.Request(nuvem.endpoint + path, data=body or None, method=method,
                                     headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.mark.parametrize("path", ["/_nuvem/health", "/_localstack/health"])
def test_health_lists_services(nuvem, path):
    status, headers, body = raw(nuvem, "GET", path)
    assert status == 200
    health = json.loads(body)
    assert health["services"]["sts"] in ("available", "running")
    assert set(health["services"]) >= {"sts", "ec2"}


@pytest.mark.parametrize("service,call,protocol_code", [
    ("cloudformation", lambda c: c.list_stacks(), "InvalidAction"),           # query
    ("swf", lambda c: c.list_domains(registrationStatus="REGISTERED"),          # json 1.0
     "UnknownOperationException"),
    ("lambda", lambda c: c.list_functions(), "NotImplemented"),                # rest-json
    ("route53", lambda c: c.list_hosted_zones(), "NotImplemented"),            # rest-xml
    ("cloudwatch", lambda c: c.list_metrics(), "UnknownOperationException"),   # json / cbor
    ("sts", lambda c: c.assume_root(                                           # op of a served service
        TargetPrincipal="123456789012",
        TaskPolicyArn={"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"}),
     "InvalidAction"),
    ("ec2", lambda c: c.describe_vpcs(), "InvalidAction"),                     # ec2
])
def test_not_implemented_is_an_aws_error_in_the_service_protocol(nuvem, service, call, protocol_code):
    with pytest.raises(ClientError) as e:
        call(nuvem.client(service))
    error = e.value.response["Error"]
    assert error["Code"] == protocol_code
    assert "Nuvem does not implement" in error["Message"]
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_unknown_query_action(nuvem):
    status, _, body = raw(nuvem, "POST", "/", b"Action=NoSuchThing&Version=2011-06-15", {
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request, "
                         "SignedHeaders=host, Signature=00"})
    assert status == 400
    assert b"<Code>InvalidAction</Code>" in body


def test_manual_clock_moves_only_when_told(manual_nuvem):
    before = manual_nuvem.admin("GET", "/_nuvem/clock")
    assert before["mode"] == "manual"
    after = manual_nuvem.admin("POST", "/_nuvem/clock", {"advance": 3600})
    from datetime import datetime
    delta = datetime.fromisoformat(after["now"].replace("Z", "+00:00")) - \
        datetime.fromisoformat(before["now"].replace("Z", "+00:00"))
    assert 3600 <= delta.total_seconds() < 3660
    moved = manual_nuvem.admin("POST", "/_nuvem/clock", {"set": "2031-05-06T07:08:09Z"})
    assert moved["now"].startswith("2031-05-06T07:08:09")


def test_real_clock_refuses_to_move(nuvem):
    status, _, body = raw(nuvem, "POST", "/_nuvem/clock", json.dumps({"advance": 5}).encode())
    assert status == 400 and json.loads(body)["error"] == "ClockNotManual"


def test_one_log_line_per_call_is_written_soon_and_on_a_clean_stop():
    """At log level info each call logs `service.Operation status acct=… region=… principal=…
    elapsed req=…` (and `error=` when it failed), batched by nuvem/core/access_log.py: a line
    appears within moments, and the lines of calls just before a stop are not lost."""
    import re
    import time
    from tests.conftest import NuvemServer
    server = NuvemServer(env={"NUVEM_LOG_LEVEL": "info"}).start()
    try:
        sts = server.client("sts")
        request_id = sts.get_caller_identity()["ResponseMetadata"]["RequestId"]
        line = re.compile(
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO sts\.GetCallerIdentity 200 "
            r"acct=000000000000 region=us-east-1 principal=arn:aws:iam::000000000000:root "
            rf"\d+\.\dms req={request_id}$", re.M)
        deadline = time.monotonic() + 5
        while not line.search(server.output()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert line.search(server.output())
        with pytest.raises(ClientError):
            server.client("sqs", key="111122223333").get_queue_url(QueueName="missing")
    finally:
        server.stop()
    assert re.search(r" INFO sqs\.GetQueueUrl 400 acct=111122223333 region=us-east-1 "
                     r"principal=arn:aws:iam::111122223333:root \d+\.\dms req=\S+ "
                     r"error=QueueDoesNotExist$", server.output(), re.M)
