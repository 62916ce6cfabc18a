"""Server-side encryption with customer-provided keys (SSE-C), as S3 checks it
("Using server-side encryption with customer-provided keys", "Blocking or unblocking SSE-C for a
general purpose bucket").

A write names AES256, the base64 256-bit key and the base64 MD5 of the key; S3 keeps only a
salted HMAC of the key, with which every later read (and every part of a multipart upload) must
prove it holds the same key. Since April 2026 S3 blocks SSE-C writes on new buckets
(`BlockedEncryptionTypes` in the default encryption configuration) until PutBucketEncryption
unblocks them with `NONE`. The bytes are stored as any object's are.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from nuvem.context import Call
from nuvem.services.s3.errors import (AccessDenied, InvalidArgument,
                                      InvalidEncryptionAlgorithmError, InvalidRequest)
from nuvem.services.s3.models import Bucket

_HEADER = "x-amz-{}server-side-encryption-customer-{}"
_MUST_PROVIDE = "Requests specifying Server Side Encryption with Customer provided keys must provide "


@dataclass(frozen=True)
class CustomerKey:
    key: bytes
    key_md5: str          # base64, as the client sent it

    def sse(self) -> dict[str, str]:
        """The members a response echoes (and the record keeps in its `sse`)."""
        return {"SSECustomerAlgorithm": "AES256", "SSECustomerKeyMD5": self.key_md5}

    def fingerprint(self, ctx: Call) -> str:
        """What the record keeps of the key: a random salt and the HMAC of the key under it."""
        salt = ctx.ids.hex(32)
        return f"{salt}:{hmac.new(bytes.fromhex(salt), self.key, hashlib.sha256).hexdigest()}"

    def matches(self, fingerprint: str) -> bool:
        salt, _, mac = fingerprint.partition(":")
        expected = hmac.new(bytes.fromhex(salt), self.key, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, mac)


def requested(req: dict, copy_source: bool = False) -> CustomerKey | None:
    """The request's customer key (the CopySource's with `copy_source`), checked as S3 checks
    it, or None when it names none."""
    prefix = "CopySource" if copy_source else ""
    algorithm = req.get(f"{prefix}SSECustomerAlgorithm")
    key = req.get(f"{prefix}SSECustomerKey")
    key_md5 = req.get(f"{prefix}SSECustomerKeyMD5")
    if algorithm is None and key is None and key_md5 is None:
        return None

    def header(part: str) -> str:
        return _HEADER.format("copy-source-" if copy_source else "", part)
    if algorithm is None:
        raise InvalidArgument(_MUST_PROVIDE + "a valid encryption algorithm.",
                              ArgumentName=header("algorithm"), ArgumentValue="null")
    if algorithm != "AES256":
        raise InvalidEncryptionAlgorithmError(ArgumentName=header("algorithm"),
                                              ArgumentValue=algorithm)
    if key is None:
        raise InvalidArgument(_MUST_PROVIDE + "an appropriate secret key.",
                              ArgumentName=header("key"), ArgumentValue="null")
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise InvalidArgument("The secret key was invalid for the specified algorithm.",
                              ArgumentName=header("key"), ArgumentValue="null")
    if key_md5 is None:
        raise InvalidArgument(_MUST_PROVIDE + "the client calculated MD5 of the secret key.",
                              ArgumentName=header("key-MD5"), ArgumentValue="null")
    if base64.b64encode(hashlib.md5(raw).digest()).decode() != key_md5:
        raise InvalidArgument("The calculated MD5 hash of the key did not match the hash that "
                              "was provided.", ArgumentName=header("key-MD5"),
                              ArgumentValue="null")
    return CustomerKey(raw, key_md5)


def for_write(ctx: Call, bucket: Bucket, req: dict) -> CustomerKey | None:
    """The customer key a write (PutObject, CopyObject, CreateMultipartUpload) asks to encrypt
    with; AccessDenied where the bucket blocks SSE-C writes."""
    key = requested(req)
    if key is None:
        return None
    if req.get("ServerSideEncryption") is not None:
        raise InvalidArgument("Server Side Encryption with Customer provided key is incompatible "
                              "with the encryption method specified",
                              ArgumentName="x-amz-server-side-encryption",
                              ArgumentValue=req["ServerSideEncryption"])
    if blocked(bucket):
        raise AccessDenied("Access Denied")
    return key


def blocked(bucket: Bucket) -> bool:
    from nuvem.services.s3.config import DEFAULT_ENCRYPTION
    rules = (bucket.config.get("Encryption") or DEFAULT_ENCRYPTION).get("Rules") or [{}]
    return "SSE-C" in ((rules[0].get("BlockedEncryptionTypes") or {}).get("EncryptionType") or ())


def check_read(fingerprint: str, req: dict, copy_source: bool = False) -> None:
    """A read (GetObject, HeadObject, a copy's source, UploadPart of an SSE-C upload) must name
    the key an SSE-C object was written with, and only such an object."""
    key = requested(req, copy_source)
    if not fingerprint:
        if key is not None:
            raise InvalidRequest("The encryption parameters are not applicable to this object.")
        return
    if key is None:
        raise InvalidRequest("The object was stored using a form of Server Side Encryption. The "
                             "correct parameters must be provided to retrieve the object.")
    if not key.matches(fingerprint):
        raise AccessDenied("Access Denied")


def check_part(fingerprint: str, req: dict) -> None:
    """UploadPart names the key its upload was initiated with (and none for an upload without)."""
    key = requested(req)
    if not fingerprint:
        if key is not None:
            raise InvalidRequest("The multipart upload initiate did not request encryption; "
                                 "subsequent part requests must not include encryption "
                                 "parameters.")
        return
    if key is None:
        raise InvalidRequest("The multipart upload initiate requested encryption. Subsequent "
                             "part requests must include the appropriate encryption parameters.")
    if not key.matches(fingerprint):
        raise InvalidRequest("The provided encryption parameters did not match the ones used "
                             "originally.")
