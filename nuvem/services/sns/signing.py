"""Message signatures ("Verifying the signatures of Amazon SNS messages").

Nuvem makes one RSA key pair and a self-signed X.509 certificate for it on first use and keeps
them in the store (`sns.SigningKey`), so signatures verify across restarts. The certificate is
served at the SigningCertURL (admin.py). SignatureVersion 1 signs with SHA1withRSA, 2 with
SHA256withRSA, over the documented string to sign: for a Notification the fields Message,
MessageId, Subject (if present), Timestamp, TopicArn, Type; for a SubscriptionConfirmation or
UnsubscribeConfirmation Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type; each as
"Name\\nValue\\n".
"""
from __future__ import annotations

import base64
import functools
from datetime import timedelta

from nuvem.services.sns.models import SigningKey

KEY_NAME = "sns"
CERT_PATH = "/_nuvem/sns/SimpleNotificationService.pem"
NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn",
                       "Type")


def string_to_sign(message: dict) -> str:
    fields = NOTIFICATION_FIELDS if message["Type"] == "Notification" else CONFIRMATION_FIELDS
    return "".join(f"{name}\n{message[name]}\n" for name in fields if message.get(name) is not None)


def signing_key(runtime) -> SigningKey:
    """The stored key pair, made on first use."""
    with runtime.store.read() as read:
        found = read.get(SigningKey, KEY_NAME)
    if found is not None:
        return found
    with runtime.store.tx() as tx:
        found = tx.get(SigningKey, KEY_NAME)
        if found is None:
            found = _generate(runtime.clock.now())
            tx.put(found)
    return found


def _generate(now) -> SigningKey:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Nuvem"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("sns.amazonaws.com")]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return SigningKey(
        name=KEY_NAME,
        private_key=key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode(),
        certificate=cert.public_bytes(serialization.Encoding.PEM).decode())


@functools.lru_cache(maxsize=4)
def _private(pem: str):
    from cryptography.hazmat.primitives import serialization
    return serialization.load_pem_private_key(pem.encode(), password=None)


_SIGNATURES_KEPT = 256


def _cached(runtime) -> dict:
    """The parsed private key and recent signatures, kept on the runtime: parsing the PEM and an
    RSA signature cost far more than a delivery, and one publish to ten subscriptions signs the
    same text ten times (the string to sign names no subscription)."""
    cache = runtime.caches.get("sns.signing")
    if cache is None:
        cache = runtime.caches["sns.signing"] = {
            "key": _private(signing_key(runtime).private_key), "signatures": {}}
    return cache


def sign(runtime, message: dict, version: str = "1") -> dict:
    """`message` with SignatureVersion, Signature and SigningCertURL set."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    cache = _cached(runtime)
    text = string_to_sign(message)
    signature = cache["signatures"].get((version, text))
    if signature is None:
        digest = hashes.SHA256() if version == "2" else hashes.SHA1()
        signature = base64.b64encode(
            cache["key"].sign(text.encode(), padding.PKCS1v15(), digest)).decode()
        signatures = cache["signatures"]
        if len(signatures) >= _SIGNATURES_KEPT:
            try:       # the oldest; another thread may be trimming too
                signatures.pop(next(iter(signatures)))
            except (StopIteration, KeyError, RuntimeError):
                pass
        signatures[(version, text)] = signature
    message["SignatureVersion"] = version
    message["Signature"] = signature
    message["SigningCertURL"] = runtime.config.endpoint + CERT_PATH
    return message
