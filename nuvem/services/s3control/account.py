"""The account-level Block Public Access settings (S3 Control Put/Get/DeletePublicAccessBlock).

They are S3's own account record (`s3.AccountSettings`): S3 Control is S3's control plane, and S3
ORs them with each bucket's settings (nuvem/services/s3/access.py).
"""
from __future__ import annotations

from nuvem.context import Call
from nuvem.services.s3.access import BPA_FLAGS
from nuvem.services.s3.models import AccountSettings
from nuvem.services.s3control import SERVICE
from nuvem.services.s3control.errors import (AccessDenied, InvalidRequest,
                                             NoSuchPublicAccessBlockConfiguration)


def own_account(ctx: Call, req: dict) -> str:
    """The AccountId a call names, which must be the caller's (S3 Control answers AccessDenied
    for another account's settings and access points)."""
    account = req.get("AccountId") or ctx.account
    if account != ctx.account:
        raise AccessDenied("Access Denied")
    return account


@SERVICE.op("PutPublicAccessBlock")
def put_public_access_block(ctx: Call, req: dict) -> dict:
    account = own_account(ctx, req)
    given = req.get("PublicAccessBlockConfiguration")
    if not given:
        raise InvalidRequest("Must specify at least one configuration.")
    settings = ctx.store.get(AccountSettings, account) or AccountSettings(account=account)
    settings.public_access_block = {flag: bool(given.get(flag, False)) for flag in BPA_FLAGS}
    ctx.store.put(settings)
    return {}


@SERVICE.op("GetPublicAccessBlock")
def get_public_access_block(ctx: Call, req: dict) -> dict:
    account = own_account(ctx, req)
    settings = ctx.store.get(AccountSettings, account)
    if settings is None or not settings.public_access_block:
        raise NoSuchPublicAccessBlockConfiguration(AccountId=account)
    return {"PublicAccessBlockConfiguration": dict(settings.public_access_block)}


@SERVICE.op("DeletePublicAccessBlock")
def delete_public_access_block(ctx: Call, req: dict) -> dict:
    account = own_account(ctx, req)
    settings = ctx.store.get(AccountSettings, account)
    if settings is not None and settings.public_access_block:
        settings.public_access_block = {}
        ctx.store.put(settings)
    return {}
