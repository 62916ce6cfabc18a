"""Send a boto3 client's requests to the local server whatever host botocore builds.

Access point ARNs make botocore address `<name>-<account>.<endpoint host>`, and the accelerate
endpoint is `<bucket>.s3-accelerate.<domain>`; such names do not resolve here. This hook keeps
the signed Host header and only changes where the connection goes: 127.0.0.1 on the server's port.
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config


def to_loopback(client, port: int):
    def send_to_loopback(request, **_):
        parts = urlsplit(request.url)
        request.headers["Host"] = parts.netloc     # as signed
        request.url = urlunsplit(parts._replace(netloc=f"127.0.0.1:{port}"))
    client.meta.events.register_first("before-send", send_to_loopback)
    return client


def s3_client(port: int, *, host: str = "localhost", key: str = "test", secret: str = "test",
              token: str | None = None, **s3_config):
    """An S3 client for `http://<host>:<port>` (virtual-host addressing), sent to 127.0.0.1."""
    client = boto3.client(
        "s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "virtual", **s3_config}))
    return to_loopback(client, port)


def s3control_client(port: int, *, key: str = "test", secret: str = "test", token: str | None = None,
                     **config):
    """S3 Control puts the account in the Host (`<account>.localhost:<port>`), even with
    inject_host_prefix off: sent to 127.0.0.1 like the others."""
    client = boto3.client(
        "s3control", endpoint_url=f"http://localhost:{port}", region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
        config=Config(retries={"max_attempts": 1}, **config))
    return to_loopback(client, port)
