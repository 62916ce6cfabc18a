"""Key pairs: CreateKeyPair gives a usable private key, ImportKeyPair takes an OpenSSH public key.

Fingerprints are computed as AWS documents: for keys AWS creates, RSA is the SHA-1 of the DER
PKCS#8 private key; for imported RSA keys, the MD5 of the DER public key; ED25519 keys use the
base64 SHA-256 of the OpenSSH public key blob.
"""
from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from nuvem.context import Call
from nuvem.services.ec2 import SERVICE
from nuvem.services.ec2.errors import (InvalidKeyFormat, InvalidKeyPairDuplicate,
                                       InvalidKeyPairNotFound, InvalidParameterValue,
                                       MissingParameter)
from nuvem.services.ec2.filters import apply_filters
from nuvem.services.ec2.models import KeyPair

_OPENSSH = serialization.PublicFormat.OpenSSH
_RAW_DER = serialization.PublicFormat.SubjectPublicKeyInfo


def _colon_hex(digest: bytes) -> str:
    return ":".join(f"{b:02x}" for b in digest)


def _ed25519_fingerprint(public_openssh: bytes) -> str:
    blob = base64.b64decode(public_openssh.split()[1])
    return base64.b64encode(hashlib.sha256(blob).digest()).decode()


def _tags(req: dict) -> list[dict]:
    tags = []
    for spec in req.get("TagSpecifications") or []:
        if spec.get("ResourceType") not in (None, "key-pair"):
            raise InvalidParameterValue(
                f"'{spec.get('ResourceType')}' is not a valid taggable resource type for this operation.")
        tags += spec.get("Tags") or []
    for tag in tags:
        if tag.get("Key", "").startswith("aws:"):
            raise InvalidParameterValue(f"Value ( {tag['Key']} ) for parameter key is invalid. "
                                        "Tag keys starting with 'aws:' are reserved for internal "
                                        "use")
    return tags


def _check_new_name(ctx: Call, name: str) -> None:
    if not name or len(name) > 255 or not name.isascii():
        raise InvalidParameterValue("Invalid key name: the name must be 1-255 ASCII characters.")
    if ctx.store.get(KeyPair, ctx.account, ctx.region, name):
        raise InvalidKeyPairDuplicate(f"The keypair '{name}' already exists.")


def _save(ctx: Call, pair: KeyPair, tags: list[dict]) -> None:
    """Tags live in the store's resources table, the one source of truth for every tag API."""
    ctx.store.put(pair)
    if tags:
        ctx.store.tag(pair.arn, {t["Key"]: t.get("Value", "") for t in tags})


def _tag_list(ctx: Call, pair: KeyPair) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in ctx.store.tags(pair.arn).items()]


def _item(ctx: Call, pair: KeyPair, include_public: bool = False) -> dict:
    item = {"KeyPairId": pair.KeyPairId, "KeyFingerprint": pair.KeyFingerprint,
            "KeyName": pair.KeyName, "KeyType": pair.KeyType, "Tags": _tag_list(ctx, pair),
            "CreateTime": pair.CreateTime}
    if include_public:
        item["PublicKey"] = pair.PublicKey
    return item


@SERVICE.op("CreateKeyPair")
def create_key_pair(ctx: Call, req: dict) -> dict:
    name, key_type = req["KeyName"], req.get("KeyType", "rsa")
    _check_new_name(ctx, name)
    if req.get("KeyFormat", "pem") != "pem":
        raise InvalidParameterValue("Nuvem creates key pairs in pem format only.")
    if key_type == "rsa":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        material = private.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.TraditionalOpenSSL,
                                         serialization.NoEncryption())
        pkcs8 = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
        public = private.public_key().public_bytes(serialization.Encoding.OpenSSH, _OPENSSH)
        fingerprint = _colon_hex(hashlib.sha1(pkcs8).digest())
    elif key_type == "ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
        material = private.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.OpenSSH,
                                         serialization.NoEncryption())
        public = private.public_key().public_bytes(serialization.Encoding.OpenSSH, _OPENSSH)
        fingerprint = _ed25519_fingerprint(public)
    else:
        raise InvalidParameterValue(f"Invalid key type: {key_type}")
    pair = KeyPair(account=ctx.account, region=ctx.region, KeyName=name,
                   KeyPairId=ctx.ids.new("key"), KeyType=key_type, KeyFingerprint=fingerprint,
                   PublicKey=public.decode(), CreateTime=ctx.now)
    _save(ctx, pair, _tags(req))
    return {"KeyName": name, "KeyFingerprint": fingerprint, "KeyMaterial": material.decode(),
            "KeyPairId": pair.KeyPairId, "Tags": _tag_list(ctx, pair)}


@SERVICE.op("ImportKeyPair")
def import_key_pair(ctx: Call, req: dict) -> dict:
    name = req["KeyName"]
    _check_new_name(ctx, name)
    material = req["PublicKeyMaterial"]
    try:
        public_key = serialization.load_ssh_public_key(material.strip())
    except (ValueError, TypeError, IndexError, UnsupportedAlgorithm):
        raise InvalidKeyFormat("Key is not in valid OpenSSH public key format")
    public = public_key.public_bytes(serialization.Encoding.OpenSSH, _OPENSSH)
    if isinstance(public_key, rsa.RSAPublicKey):
        key_type = "rsa"
        der = public_key.public_bytes(serialization.Encoding.DER, _RAW_DER)
        fingerprint = _colon_hex(hashlib.md5(der).digest())
    elif isinstance(public_key, ed25519.Ed25519PublicKey):
        key_type, fingerprint = "ed25519", _ed25519_fingerprint(public)
    else:
        raise InvalidKeyFormat("Key is not in valid OpenSSH public key format")
    pair = KeyPair(account=ctx.account, region=ctx.region, KeyName=name,
                   KeyPairId=ctx.ids.new("key"), KeyType=key_type, KeyFingerprint=fingerprint,
                   PublicKey=public.decode(), CreateTime=ctx.now)
    _save(ctx, pair, _tags(req))
    return {"KeyName": name, "KeyFingerprint": fingerprint, "KeyPairId": pair.KeyPairId,
            "Tags": _tag_list(ctx, pair)}


@SERVICE.op("DescribeKeyPairs")
def describe_key_pairs(ctx: Call, req: dict) -> dict:
    pairs = list(ctx.store.query(KeyPair, account=ctx.account, region=ctx.region))
    names, ids = req.get("KeyNames") or [], req.get("KeyPairIds") or []
    known_names, known_ids = {p.KeyName for p in pairs}, {p.KeyPairId for p in pairs}
    for wanted, known in ((names, known_names), (ids, known_ids)):
        missing = next((w for w in wanted if w not in known), None)
        if missing is not None:
            raise InvalidKeyPairNotFound(f"The key pair '{missing}' does not exist")
    if names or ids:
        pairs = [p for p in pairs if p.KeyName in names or p.KeyPairId in ids]
    include_public = bool(req.get("IncludePublicKey"))
    items = [_item(ctx, p, include_public) for p in pairs]   # reads each pair's tags once
    items = apply_filters(items, req.get("Filters"), {
        "key-pair-id": lambda i: i["KeyPairId"], "key-name": lambda i: i["KeyName"],
        "fingerprint": lambda i: i["KeyFingerprint"], "key-type": lambda i: i["KeyType"],
    }, tags=lambda i: i["Tags"])
    return {"KeyPairs": items}


@SERVICE.op("DeleteKeyPair")
def delete_key_pair(ctx: Call, req: dict) -> dict:
    """Deleting a key pair that does not exist succeeds, as in EC2."""
    pair = None
    if req.get("KeyPairId"):
        pair = next(ctx.store.query(KeyPair, account=ctx.account, region=ctx.region,
                                    index=("KeyPairId", req["KeyPairId"])), None)
        if pair is None:
            raise InvalidKeyPairNotFound(f"The key pair '{req['KeyPairId']}' does not exist")
    elif req.get("KeyName"):
        pair = ctx.store.get(KeyPair, ctx.account, ctx.region, req["KeyName"])
    else:
        raise MissingParameter("The request must contain the parameter KeyName or KeyPairId")
    if pair is not None:
        ctx.store.delete(pair)
        return {"Return": True, "KeyPairId": pair.KeyPairId}
    return {"Return": True}

