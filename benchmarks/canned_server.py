"""The upper bound: a trivial asyncio HTTP/1.1 server with two fixed AWS responses.

It does no routing, parsing, authentication, storage or serialization. It reads one request at a
time per keep-alive connection, picks the response by the form body's `Action` (GetCallerIdentity
or DescribeRegions) and writes precomputed bytes. Whatever throughput boto3 reaches against it
is what the client side of the benchmark can drive at most.

For S3 (benchmarks/s3.py) it answers by method alone: any PUT gets a 200 with an ETag and a
CRC32 (what PutObject, UploadPart and CreateBucket return; an upload's body is read and
dropped), any GET a fixed 1 KiB object with the headers Nuvem sends (ETag, Last-Modified,
CRC32, so boto3 validates the same checksum), a POST `?uploads` a fixed upload id and any other
POST with an `uploadId` a completed upload; `Expect: 100-continue` gets its interim 100.

For SQS (benchmarks/sqs.py; JSON protocol, picked by the `X-Amz-Target` header) it answers
CreateQueue, GetQueueUrl and SetQueueAttributes with fixed bytes, SendMessage and
SendMessageBatch with the MD5 of each body sent (computed per request: boto3 checks it),
ReceiveMessage with 10 fixed messages and their MD5s, and DeleteMessageBatch with every entry
successful. For SNS (query protocol) it answers Publish with a fixed MessageId.

For DynamoDB (benchmarks/dynamodb.py; JSON 1.0, `X-Amz-Target: DynamoDB_20120810.*`) it
answers CreateTable and DescribeTable with an ACTIVE on-demand table, PutItem with `{}`, GetItem
with one fixed 10-attribute item, BatchWriteItem with no unprocessed items and Query with one
page of 1,000 fixed small items, all precomputed, each with the `x-amz-crc32` header real
DynamoDB sends (and botocore checks).

    python benchmarks/canned_server.py --port 8123
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import itertools
import json
import uuid
import zlib

REQUEST_ID = "c0ffee00-0000-4000-8000-000000000000"

# The 17 Regions a new account sees (the ones that need no opt-in), so the DescribeRegions
# response has the same size as Nuvem's and the client parses the same amount of XML.
REGIONS = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "ap-south-1", "ap-northeast-1",
           "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
           "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "sa-east-1")

CALLER_IDENTITY = (
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    "<GetCallerIdentityResult>"
    "<UserId>000000000000</UserId><Account>000000000000</Account>"
    "<Arn>arn:aws:iam::000000000000:root</Arn>"
    "</GetCallerIdentityResult>"
    f"<ResponseMetadata><RequestId>{REQUEST_ID}</RequestId></ResponseMetadata>"
    "</GetCallerIdentityResponse>")

DESCRIBE_REGIONS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
    f"<requestId>{REQUEST_ID}</requestId><regionInfo>"
    + "".join(f"<item><regionName>{r}</regionName><regionEndpoint>ec2.{r}.amazonaws.com"
              "</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>"
              for r in REGIONS)
    + "</regionInfo></DescribeRegionsResponse>")

UNKNOWN = (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
    "<Code>InvalidAction</Code><Message>The canned server answers GetCallerIdentity and "
    "DescribeRegions only.</Message></Error>"
    f"<RequestId>{REQUEST_ID}</RequestId></ErrorResponse>")


def _response(status: str, body: str) -> bytes:
    data = body.encode()
    head = (f"HTTP/1.1 {status}\r\n"
            "Content-Type: text/xml\r\n"
            f"x-amzn-RequestId: {REQUEST_ID}\r\n"
            f"Content-Length: {len(data)}\r\n"
            "\r\n")
    return head.encode() + data


RESPONSES = {
    b"GetCallerIdentity": _response("200 OK", CALLER_IDENTITY),
    b"DescribeRegions": _response("200 OK", DESCRIBE_REGIONS),
}
NOT_FOUND = _response("400 Bad Request", UNKNOWN)

S3_OBJECT = bytes(range(256)) * 4          # 1 KiB
_ETAG = hashlib.md5(S3_OBJECT).hexdigest()
_CRC32 = base64.b64encode(zlib.crc32(S3_OBJECT).to_bytes(4, "big")).decode()
_S3_HEAD = (f"x-amz-request-id: {REQUEST_ID}\r\n"
            "Date: Sat, 28 Nov 2026 00:00:00 GMT\r\n"
            f'ETag: "{_ETAG}"\r\n'
            "x-amz-checksum-type: FULL_OBJECT\r\n"
            f"x-amz-checksum-crc32: {_CRC32}\r\n")
S3_PUT = ("HTTP/1.1 200 OK\r\n" + _S3_HEAD + "Content-Length: 0\r\n\r\n").encode()
S3_GET = ("HTTP/1.1 200 OK\r\n" + _S3_HEAD + "Last-Modified: Sat, 28 Nov 2026 00:00:00 GMT\r\n"
          "Accept-Ranges: bytes\r\nContent-Type: binary/octet-stream\r\n"
          f"Content-Length: {len(S3_OBJECT)}\r\n\r\n").encode() + S3_OBJECT
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_S3_NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
S3_CREATE_UPLOAD = _response("200 OK", (
    f'<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult {_S3_NS}>'
    "<Bucket>canned</Bucket><Key>canned</Key><UploadId>canned-upload</UploadId>"
    "</InitiateMultipartUploadResult>"))
S3_COMPLETE_UPLOAD = _response("200 OK", (
    f'<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult {_S3_NS}>'
    "<Location>http://127.0.0.1/canned/canned</Location><Bucket>canned</Bucket>"
    f'<Key>canned</Key><ETag>"{_ETAG}-8"</ETag></CompleteMultipartUploadResult>'))


QUEUE_URL = "http://127.0.0.1/000000000000/canned"
_RECEIVED = [{"MessageId": f"c0ffee00-0000-4000-8000-{n:012d}", "ReceiptHandle": f"handle-{n}",
              "Body": "r" * 100, "MD5OfBody": hashlib.md5(b"r" * 100).hexdigest()}
             for n in range(10)]
PUBLISH = _response("200 OK", (
    '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>'
    f"<MessageId>{REQUEST_ID}</MessageId></PublishResult>"
    f"<ResponseMetadata><RequestId>{REQUEST_ID}</RequestId></ResponseMetadata>"
    "</PublishResponse>"))
RESPONSES[b"Publish"] = PUBLISH


def _json_response(data: dict, status: str = "200 OK") -> bytes:
    body = json.dumps(data).encode()
    return (f"HTTP/1.1 {status}\r\n"
            "Content-Type: application/x-amz-json-1.0\r\n"
            f"x-amzn-RequestId: {REQUEST_ID}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


_sequence = itertools.count(10**19)


def _sent(request: dict) -> dict:
    out = {"MessageId": str(uuid.uuid4()), "MD5OfMessageBody": _md5(request["MessageBody"])}
    if "MessageGroupId" in request:
        out["SequenceNumber"] = str(next(_sequence))
    return out


SQS_FIXED = {
    b"CreateQueue": _json_response({"QueueUrl": QUEUE_URL}),
    b"GetQueueUrl": _json_response({"QueueUrl": QUEUE_URL}),
    b"SetQueueAttributes": _json_response({}),
    b"ReceiveMessage": _json_response({"Messages": _RECEIVED}),
}


def _sqs(operation: bytes, body: bytes) -> bytes:
    fixed = SQS_FIXED.get(operation)
    if fixed is not None:
        return fixed
    request = json.loads(body or b"{}")
    if operation == b"SendMessage":
        return _json_response(_sent(request))
    if operation == b"SendMessageBatch":
        return _json_response({"Successful": [{"Id": e["Id"], **_sent(e)}
                                              for e in request["Entries"]], "Failed": []})
    if operation == b"DeleteMessageBatch":
        return _json_response({"Successful": [{"Id": e["Id"]} for e in request["Entries"]],
                               "Failed": []})
    return _json_response({"__type": "com.amazonaws.sqs#InvalidAction",
                           "message": "The canned server does not answer this."},
                          "400 Bad Request")


# DynamoDB: the item and partition shapes benchmarks/dynamodb.py writes, as stored.
DDB_TABLE = {
    "TableName": "bench", "TableStatus": "ACTIVE", "ItemCount": 0, "TableSizeBytes": 0,
    "TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/bench",
    "TableId": REQUEST_ID, "CreationDateTime": 1795910400.0,
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                  {"AttributeName": "sk", "KeyType": "RANGE"}],
    "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
    "ProvisionedThroughput": {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0,
                              "WriteCapacityUnits": 0},
    "DeletionProtectionEnabled": False,
}
DDB_ITEM = {
    "pk": {"S": "get-0"}, "sk": {"S": "0"}, "name": {"S": "Ada Lovelace"},
    "email": {"S": "ada@example.com"}, "age": {"N": "36"}, "score": {"N": "1234.5"},
    "active": {"BOOL": True}, "tags": {"SS": ["a", "b", "c"]},
    "address": {"M": {"city": {"S": "London"}, "zip": {"S": "W1"}}},
    "history": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]},
}
DDB_PARTITION = [{"pk": {"S": "q"}, "sk": {"S": f"{n:05d}"}, "n": {"N": str(n)},
                  "v": {"S": "v" * 20}} for n in range(1000)]


def _ddb_response(data: dict, status: str = "200 OK") -> bytes:
    body = json.dumps(data, separators=(",", ":")).encode()
    return (f"HTTP/1.1 {status}\r\n"
            "Content-Type: application/x-amz-json-1.0\r\n"
            f"x-amzn-RequestId: {REQUEST_ID}\r\n"
            f"x-amz-crc32: {zlib.crc32(body) & 0xFFFFFFFF}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


DDB_FIXED = {
    b"CreateTable": _ddb_response({"TableDescription": {**DDB_TABLE, "TableStatus": "CREATING"}}),
    b"DescribeTable": _ddb_response({"Table": DDB_TABLE}),
    b"PutItem": _ddb_response({}),
    b"GetItem": _ddb_response({"Item": DDB_ITEM}),
    b"BatchWriteItem": _ddb_response({"UnprocessedItems": {}}),
    b"Query": _ddb_response({"Items": DDB_PARTITION, "Count": len(DDB_PARTITION),
                             "ScannedCount": len(DDB_PARTITION)}),
}
DDB_UNKNOWN = _ddb_response({"__type": "com.amazon.coral.service#UnknownOperationException",
                             "message": "The canned server does not answer this."},
                            "400 Bad Request")


def _action(body: bytes) -> bytes:
    for pair in body.split(b"&"):
        if pair.startswith(b"Action="):
            return pair[7:]
    return b""


async def _connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length, expect, target = 0, False, b""
            lines = head.split(b"\r\n")
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"expect" and value.strip().lower() == b"100-continue":
                    expect = True
                elif name == b"x-amz-target":
                    target = value.strip()
            if expect:
                writer.write(CONTINUE)
            method = lines[0].split(b" ", 1)[0]
            if method == b"PUT":
                # an upload's body, read and dropped piece by piece: joining it would add copies
                # to the client's wall time that no real server needs
                while length:
                    piece = await reader.read(min(length, 1 << 20))
                    if not piece:
                        raise ConnectionError("the client closed the body early")
                    length -= len(piece)
            body = await reader.readexactly(length) if length else b""
            if target.startswith(b"AmazonSQS."):
                writer.write(_sqs(target[10:], body))
            elif target.startswith(b"DynamoDB_20120810."):
                writer.write(DDB_FIXED.get(target[18:], DDB_UNKNOWN))
            elif method == b"PUT":
                writer.write(S3_PUT)
            elif method == b"GET":
                writer.write(S3_GET)
            elif method == b"POST" and b"?uploads" in lines[0]:
                writer.write(S3_CREATE_UPLOAD)
            elif method == b"POST" and b"uploadId=" in lines[0]:
                writer.write(S3_COMPLETE_UPLOAD)
            else:
                writer.write(RESPONSES.get(_action(body), NOT_FOUND))
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def _main(host: str, port: int) -> None:
    server = await asyncio.start_server(_connection, host, port)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    try:
        asyncio.run(_main(args.host, args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
