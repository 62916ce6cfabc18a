"""Service-specific credentials: a user name and password an IAM user signs in to one service
with (CodeCommit over HTTPS, Amazon Keyspaces)."""
from __future__ import annotations

from nuvem.context import Call
from nuvem.core.ids import SECRET_CHARS
from nuvem.services.iam import SERVICE
from nuvem.services.iam.common import caller_user, get_user, paginate
from nuvem.services.iam.errors import LimitExceeded, NoSuchEntity
from nuvem.services.iam.models import ServiceSpecificCredential, User

SERVICES = ("codecommit.amazonaws.com", "cassandra.amazonaws.com")
MAX_PER_SERVICE = 2


def user_credentials(ctx: Call, user: User) -> list[ServiceSpecificCredential]:
    return sorted(ctx.store.query(ServiceSpecificCredential, account=ctx.account,
                                  index=("user_key", user.key)), key=lambda c: c.CreateDate)


def _credential(ctx: Call, req: dict) -> ServiceSpecificCredential:
    user = caller_user(ctx, req)
    cred = ctx.store.get(ServiceSpecificCredential, ctx.account, req["ServiceSpecificCredentialId"])
    if cred is None or cred.user_key != user.key:
        raise NoSuchEntity(f"No such credential {req['ServiceSpecificCredentialId']} exists")
    return cred


def _metadata(cred: ServiceSpecificCredential) -> dict:
    return {"UserName": cred.UserName, "Status": cred.Status,
            "ServiceUserName": cred.ServiceUserName, "CreateDate": cred.CreateDate,
            "ServiceSpecificCredentialId": cred.ServiceSpecificCredentialId,
            "ServiceName": cred.ServiceName}


def _with_password(cred: ServiceSpecificCredential) -> dict:
    return {**_metadata(cred), "ServicePassword": cred.ServicePassword}


def _supported(service: str) -> str:
    # IAM answers NoSuchEntity here, not the model's NotSupportedService
    if service not in SERVICES:
        raise NoSuchEntity(f"No such service {service} is supported for Service Specific "
                           "Credentials")
    return service


@SERVICE.op("CreateServiceSpecificCredential")
def create_service_specific_credential(ctx: Call, req: dict) -> dict:
    user = get_user(ctx, req["UserName"])
    service = _supported(req["ServiceName"])
    if sum(c.ServiceName == service for c in user_credentials(ctx, user)) >= MAX_PER_SERVICE:
        raise LimitExceeded(f"Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: "
                            f"{MAX_PER_SERVICE}")
    cred = ServiceSpecificCredential(
        account=ctx.account, ServiceSpecificCredentialId=ctx.ids.access_key_id("ACCA") +
        ctx.ids.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 1), user_key=user.key,
        UserName=user.UserName, ServiceName=service,
        ServiceUserName=f"{user.UserName}-at-{ctx.account}",
        ServicePassword=ctx.ids.chars(SECRET_CHARS, 44), Status="Active", CreateDate=ctx.now)
    ctx.store.put(cred)
    return {"ServiceSpecificCredential": _with_password(cred)}


@SERVICE.op("ListServiceSpecificCredentials")
def list_service_specific_credentials(ctx: Call, req: dict) -> dict:
    if req.get("AllUsers"):
        creds = sorted(ctx.store.query(ServiceSpecificCredential, account=ctx.account),
                       key=lambda c: c.CreateDate)
    else:
        creds = user_credentials(ctx, caller_user(ctx, req))
    if req.get("ServiceName"):
        service = _supported(req["ServiceName"])
        creds = [c for c in creds if c.ServiceName == service]
    items = [_metadata(c) for c in creds]
    return paginate(items, req, lambda i: i["ServiceSpecificCredentialId"],
                    "ServiceSpecificCredentials")


@SERVICE.op("ResetServiceSpecificCredential")
def reset_service_specific_credential(ctx: Call, req: dict) -> dict:
    cred = _credential(ctx, req)
    cred.ServicePassword = ctx.ids.chars(SECRET_CHARS, 44)
    ctx.store.put(cred)
    return {"ServiceSpecificCredential": _with_password(cred)}


@SERVICE.op("UpdateServiceSpecificCredential")
def update_service_specific_credential(ctx: Call, req: dict) -> dict:
    cred = _credential(ctx, req)
    cred.Status = req["Status"]
    ctx.store.put(cred)
    return {}


@SERVICE.op("DeleteServiceSpecificCredential")
def delete_service_specific_credential(ctx: Call, req: dict) -> dict:
    ctx.store.delete(_credential(ctx, req))
    return {}
