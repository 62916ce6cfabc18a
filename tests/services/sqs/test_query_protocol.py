"""The legacy query protocol (form-encoded, XML answers) as old SDKs send it: flattened
`Attribute.N.Name`, `MessageAttribute.N.Value.StringValue`, `<Message>` elements, query error
codes. Requests are signed with botocore's SigV4Auth."""
import hashlib
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

NS = {"q": "http://queue.amazonaws.com/doc/2012-11-05/"}


def query(server, params, path="/"):
    body = urllib.parse.urlencode({**params, "Version": "2012-11-05"})
    req = AWSRequest("POST", server.endpoint + path, data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials("test", "test"), "sqs", "us-east-1").add_auth(req)
    http = urllib.request.Request(req.url, data=body.encode(), headers=dict(req.headers), method="POST")
    try:
        with urllib.request.urlopen(http, timeout=10) as resp:
            return resp.status, ET.fromstring(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, ET.fromstring(e.read())


def test_query_round_trip(nuvem, qname):
    status, doc = query(nuvem, {"Action": "CreateQueue", "QueueName": qname,
                                "Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "7",
                                "Tag.1.Key": "team", "Tag.1.Value": "core"})
    assert status == 200
    url = doc.find("q:CreateQueueResult/q:QueueUrl", NS).text
    assert url.endswith(f"/000000000000/{qname}")
    status, doc = query(nuvem, {"Action": "GetQueueAttributes", "QueueUrl": url,
                                "AttributeName.1": "VisibilityTimeout", "AttributeName.2": "QueueArn"})
    attrs = {a.find("q:Name", NS).text: a.find("q:Value", NS).text
             for a in doc.findall("q:GetQueueAttributesResult/q:Attribute", NS)}
    assert attrs == {"VisibilityTimeout": "7", "QueueArn": f"arn:aws:sqs:us-east-1:000000000000:{qname}"}
    status, doc = query(nuvem, {"Action": "SendMessage", "QueueUrl": url, "MessageBody": "hola",
                                "MessageAttribute.1.Name": "color",
                                "MessageAttribute.1.Value.DataType": "String",
                                "MessageAttribute.1.Value.StringValue": "blue"})
    assert status == 200
    assert doc.find("q:SendMessageResult/q:MD5OfMessageBody", NS).text == hashlib.md5(b"hola").hexdigest()
    assert doc.find("q:SendMessageResult/q:MD5OfMessageAttributes", NS).text
    status, doc = query(nuvem, {"Action": "SendMessageBatch", "QueueUrl": url,
                                "SendMessageBatchRequestEntry.1.Id": "a",
                                "SendMessageBatchRequestEntry.1.MessageBody": "second"})
    assert doc.find("q:SendMessageBatchResult/q:SendMessageBatchResultEntry/q:Id", NS).text == "a"
    status, doc = query(nuvem, {"Action": "ReceiveMessage", "QueueUrl": url, "MaxNumberOfMessages": "10",
                                "AttributeName.1": "All", "MessageAttributeName.1": "All"})
    messages = doc.findall("q:ReceiveMessageResult/q:Message", NS)
    assert [m.find("q:Body", NS).text for m in messages] == ["hola", "second"]
    first = messages[0]
    names = {a.find("q:Name", NS).text for a in first.findall("q:Attribute", NS)}
    assert {"SenderId", "SentTimestamp", "ApproximateReceiveCount"} <= names
    attribute = first.find("q:MessageAttribute", NS)
    assert attribute.find("q:Name", NS).text == "color"
    assert attribute.find("q:Value/q:StringValue", NS).text == "blue"
    status, doc = query(nuvem, {"Action": "DeleteMessageBatch", "QueueUrl": url,
                                "DeleteMessageBatchRequestEntry.1.Id": "x",
                                "DeleteMessageBatchRequestEntry.1.ReceiptHandle":
                                    first.find("q:ReceiptHandle", NS).text})
    assert doc.find("q:DeleteMessageBatchResult/q:DeleteMessageBatchResultEntry/q:Id", NS).text == "x"
    status, doc = query(nuvem, {"Action": "ListQueueTags", "QueueUrl": url})
    tag = doc.find("q:ListQueueTagsResult/q:Tag", NS)
    assert (tag.find("q:Key", NS).text, tag.find("q:Value", NS).text) == ("team", "core")
    status, doc = query(nuvem, {"Action": "ListQueues", "QueueNamePrefix": qname})
    assert [u.text for u in doc.findall("q:ListQueuesResult/q:QueueUrl", NS)] == [url]


def test_query_errors_use_query_codes(nuvem, qname):
    status, doc = query(nuvem, {"Action": "GetQueueUrl", "QueueName": "missing-" + qname})
    assert status == 400
    assert doc.find("q:Error/q:Code", NS).text == "AWS.SimpleQueueService.NonExistentQueue"
    assert doc.find("q:Error/q:Type", NS).text == "Sender"
    # LocalStack's AWS-validated test_non_existent_queue: the query answer's own words
    assert doc.find("q:Error/q:Message", NS).text == \
        "The specified queue does not exist for this wsdl version."
    status, doc = query(nuvem, {"Action": "CreateQueue", "QueueName": qname})
    url = doc.find("q:CreateQueueResult/q:QueueUrl", NS).text
    status, doc = query(nuvem, {"Action": "CreateQueue", "QueueName": qname,
                                "Attribute.1.Name": "DelaySeconds", "Attribute.1.Value": "5"})
    assert (status, doc.find("q:Error/q:Code", NS).text) == (400, "QueueAlreadyExists")
    status, doc = query(nuvem, {"Action": "PurgeQueue", "QueueUrl": url})
    status, doc = query(nuvem, {"Action": "PurgeQueue", "QueueUrl": url})
    assert (status, doc.find("q:Error/q:Code", NS).text) == \
        (403, "AWS.SimpleQueueService.PurgeQueueInProgress")
    status, doc = query(nuvem, {"Action": "DeleteMessage", "QueueUrl": url, "ReceiptHandle": "junk"})
    assert (status, doc.find("q:Error/q:Code", NS).text) == (400, "ReceiptHandleIsInvalid")


def test_requests_to_the_queue_url_name_that_queue(nuvem, qname):
    """Old clients use the queue URL as the endpoint, without a QueueUrl parameter (LocalStack's
    AWS-validated TestSqsQueryApi: test_get_send_and_receive_messages, test_get_delete_queue,
    test_get_on_deleted_queue_fails, test_overwrite_queue_url_in_params, test_get_create_queue_fails,
    test_get_list_queues_fails)."""
    status, doc = query(nuvem, {"Action": "CreateQueue", "QueueName": qname})
    path = urllib.parse.urlsplit(doc.find("q:CreateQueueResult/q:QueueUrl", NS).text).path
    _, other = query(nuvem, {"Action": "CreateQueue", "QueueName": qname + "-other"})
    other_url = other.find("q:CreateQueueResult/q:QueueUrl", NS).text
    assert query(nuvem, {"Action": "SendMessage", "MessageBody": "foobar"}, path)[0] == 200
    status, doc = query(nuvem, {"Action": "ReceiveMessage"}, path)
    assert doc.find("q:ReceiveMessageResult/q:Message/q:Body", NS).text == "foobar"
    # a QueueUrl parameter wins over the path
    status, doc = query(nuvem, {"Action": "GetQueueAttributes", "QueueUrl": other_url,
                                "AttributeName.1": "QueueArn"}, path)
    assert doc.find("q:GetQueueAttributesResult/q:Attribute/q:Value", NS).text.endswith("-other")
    for action in ("CreateQueue", "ListQueues"):      # the service endpoint's only
        status, doc = query(nuvem, {"Action": action, "QueueName": qname + "-x"}, path)
        assert status == 400 and doc.find("q:Error/q:Code", NS).text == "InvalidAction"
        assert doc.find("q:Error/q:Message", NS).text == \
            f"The action {action} is not valid for this endpoint."
    assert query(nuvem, {"Action": "DeleteQueue"}, path)[0] == 200
    status, doc = query(nuvem, {"Action": "GetQueueAttributes", "AttributeName.1": "QueueArn"}, path)
    assert status == 400
    assert doc.find("q:Error/q:Code", NS).text == "AWS.SimpleQueueService.NonExistentQueue"


def test_a_missing_parameter_is_missing_parameter(nuvem, qname):
    """LocalStack's AWS-validated test_valid_action_with_missing_parameter_raises_exception:
    SQS's query answer names the first missing parameter (not the validator's list)."""
    _, doc = query(nuvem, {"Action": "CreateQueue", "QueueName": qname})
    path = urllib.parse.urlsplit(doc.find("q:CreateQueueResult/q:QueueUrl", NS).text).path
    status, doc = query(nuvem, {"Action": "SendMessage"}, path)
    assert status == 400
    assert doc.find("q:Error/q:Code", NS).text == "MissingParameter"
    assert doc.find("q:Error/q:Message", NS).text == \
        "The request must contain the parameter MessageBody."
