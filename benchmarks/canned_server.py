"""The upper bound: a trivial asyncio HTTP/1.1 server with two fixed AWS responses.

It does no routing, parsing, authentication, storage or serialization. It reads one request at a
time per keep-alive connection, picks the response by the form body's `Action` (GetCallerIdentity
or DescribeRegions) and writes precomputed bytes. Whatever throughput boto3 reaches against it
is what the client side of the benchmark can drive at most.

For S3 (benchmarks/s3.py) it answers by method alone: any PUT gets a 200 with an ETag and a
CRC32 (what PutObject and CreateBucket return), any GET a fixed 1 KiB object with the headers
Nuvem sends (ETag, Last-Modified, CRC32, so boto3 validates the same checksum), and
`Expect: 100-continue` gets its interim 100.

    python benchmarks/canned_server.py --port 8123
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
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


def _action(body: bytes) -> bytes:
    for pair in body.split(b"&"):
        if pair.startswith(b"Action="):
            return pair[7:]
    return b""


async def _connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length, expect = 0, False
            lines = head.split(b"\r\n")
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"expect" and value.strip().lower() == b"100-continue":
                    expect = True
            if expect:
                writer.write(CONTINUE)
            body = await reader.readexactly(length) if length else b""
            method = lines[0].split(b" ", 1)[0]
            if method == b"PUT":
                writer.write(S3_PUT)
            elif method == b"GET":
                writer.write(S3_GET)
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
