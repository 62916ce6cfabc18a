"""SSH public keys of IAM users (CodeCommit's credentials): upload, list, get, update, delete."""
from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from nuvem.context import Call
from nuvem.services.iam import SERVICE
from nuvem.services.iam.common import caller_user, get_user, paginate
from nuvem.services.iam.errors import (DuplicateSSHPublicKey, InvalidPublicKey, LimitExceeded,
                                       NoSuchEntity)
from nuvem.services.iam.models import SSHPublicKey, User

MAX_KEYS = 5


def user_ssh_keys(ctx: Call, user: User) -> list[SSHPublicKey]:
    return sorted(ctx.store.query(SSHPublicKey, account=ctx.account, index=("user_key", user.key)),
                  key=lambda k: k.UploadDate)


def _key(ctx: Call, user: User, key_id: str) -> SSHPublicKey:
    key = ctx.store.get(SSHPublicKey, ctx.account, key_id)
    if key is None or key.user_key != user.key:
        raise NoSuchEntity(f"The Public Key with id {key_id} cannot be found.")
    return key


def _out(key: SSHPublicKey, body: str | None = None) -> dict:
    return {"UserName": key.UserName, "SSHPublicKeyId": key.SSHPublicKeyId,
            "Fingerprint": key.Fingerprint, "SSHPublicKeyBody": body or key.SSHPublicKeyBody,
            "Status": key.Status, "UploadDate": key.UploadDate}


@SERVICE.op("UploadSSHPublicKey")
def upload_ssh_public_key(ctx: Call, req: dict) -> dict:
    user = get_user(ctx, req["UserName"])
    body = req["SSHPublicKeyBody"].strip()
    try:
        serialization.load_ssh_public_key(body.encode())
        blob = base64.b64decode(body.split()[1], validate=True)
    except (ValueError, TypeError, IndexError, UnsupportedAlgorithm):
        raise InvalidPublicKey("The public key is not a valid SSH public key.")
    fingerprint = ":".join(f"{b:02x}" for b in hashlib.md5(blob).digest())
    keys = user_ssh_keys(ctx, user)
    if any(k.Fingerprint == fingerprint for k in keys):
        raise DuplicateSSHPublicKey("The SSH public key is already associated with the "
                                    "specified user.")
    if len(keys) >= MAX_KEYS:
        raise LimitExceeded(f"Cannot exceed quota for KeysPerUser: {MAX_KEYS}")
    key = SSHPublicKey(account=ctx.account, SSHPublicKeyId=ctx.ids.access_key_id("APKA"),
                       user_key=user.key, UserName=user.UserName, SSHPublicKeyBody=body,
                       Fingerprint=fingerprint, Status="Active", UploadDate=ctx.now)
    ctx.store.put(key)
    return {"SSHPublicKey": _out(key)}


@SERVICE.op("GetSSHPublicKey")
def get_ssh_public_key(ctx: Call, req: dict) -> dict:
    key = _key(ctx, get_user(ctx, req["UserName"]), req["SSHPublicKeyId"])
    body = None
    if req["Encoding"] == "PEM":
        public = serialization.load_ssh_public_key(key.SSHPublicKeyBody.encode())
        body = public.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {"SSHPublicKey": _out(key, body)}


@SERVICE.op("ListSSHPublicKeys")
def list_ssh_public_keys(ctx: Call, req: dict) -> dict:
    user = caller_user(ctx, req)
    items = [{"UserName": k.UserName, "SSHPublicKeyId": k.SSHPublicKeyId, "Status": k.Status,
              "UploadDate": k.UploadDate} for k in user_ssh_keys(ctx, user)]
    return paginate(items, req, lambda i: i["SSHPublicKeyId"], "SSHPublicKeys")


@SERVICE.op("UpdateSSHPublicKey")
def update_ssh_public_key(ctx: Call, req: dict) -> dict:
    key = _key(ctx, get_user(ctx, req["UserName"]), req["SSHPublicKeyId"])
    key.Status = req["Status"]
    ctx.store.put(key)
    return {}


@SERVICE.op("DeleteSSHPublicKey")
def delete_ssh_public_key(ctx: Call, req: dict) -> dict:
    ctx.store.delete(_key(ctx, get_user(ctx, req["UserName"]), req["SSHPublicKeyId"]))
    return {}
