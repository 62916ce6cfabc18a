"""Account settings (password policy, alias), GetAccountSummary, GetAccountAuthorizationDetails,
and virtual MFA devices with real RFC 6238 codes."""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import struct
from datetime import timedelta
from urllib.parse import quote

from nuvem.context import Call
from nuvem.services.iam import SERVICE
from nuvem.services.iam.common import (add_tags, boundary_out, check_path, drop_none, get_user,
                                       paginate, tag_list)
from nuvem.services.iam.documents import encode
from nuvem.services.iam.errors import (DeleteConflict, EntityAlreadyExists,
                                       InvalidAuthenticationCode, NoSuchEntity, ReportExpired,
                                       ReportNotPresent, ValidationError)
from nuvem.services.iam.models import (AccountSettings, Group, InstanceProfile,
                                       MFADevice, OIDCProvider, Policy, Role, SAMLProvider,
                                       ServerCertificate, User)
from nuvem.services.iam.policies import Found, policy_out
from nuvem.services.iam.managed import aws_policy
from nuvem.services.iam.usage import key_last_used, role_last_used

# -- password policy -----------------------------------------------------------------------------
_PASSWORD_DEFAULTS = {"MinimumPasswordLength": 6, "RequireSymbols": False,
                      "RequireNumbers": False, "RequireUppercaseCharacters": False,
                      "RequireLowercaseCharacters": False, "AllowUsersToChangePassword": False}


def _settings(ctx: Call) -> AccountSettings:
    return ctx.store.get(AccountSettings, ctx.account) or AccountSettings(account=ctx.account)


@SERVICE.op("UpdateAccountPasswordPolicy")
def update_account_password_policy(ctx: Call, req: dict) -> dict:
    policy = {k: req.get(k, v) for k, v in _PASSWORD_DEFAULTS.items()}
    for k in ("MaxPasswordAge", "PasswordReusePrevention"):
        if req.get(k):
            policy[k] = req[k]
    if req.get("HardExpiry") is not None:     # answered only when it was set
        policy["HardExpiry"] = req["HardExpiry"]
    settings = _settings(ctx)
    settings.PasswordPolicy = policy
    ctx.store.put(settings)
    return {}


@SERVICE.op("GetAccountPasswordPolicy")
def get_account_password_policy(ctx: Call, req: dict) -> dict:
    policy = _settings(ctx).PasswordPolicy
    if not policy:
        raise NoSuchEntity(f"The Password Policy with domain name {ctx.account} cannot be found.")
    return {"PasswordPolicy": {**policy, "ExpirePasswords": bool(policy.get("MaxPasswordAge"))}}


@SERVICE.op("DeleteAccountPasswordPolicy")
def delete_account_password_policy(ctx: Call, req: dict) -> dict:
    settings = _settings(ctx)
    if not settings.PasswordPolicy:
        raise NoSuchEntity(f"The account policy with name PasswordPolicy cannot be found.")
    settings.PasswordPolicy = None
    ctx.store.put(settings)
    return {}


# -- account alias -------------------------------------------------------------------------------
@SERVICE.op("CreateAccountAlias")
def create_account_alias(ctx: Call, req: dict) -> dict:
    alias = req["AccountAlias"]
    for other in ctx.store.query(AccountSettings):
        if other.Alias == alias and other.account != ctx.account:
            raise EntityAlreadyExists(f"The account alias {alias} already exists.")
    settings = _settings(ctx)
    settings.Alias = alias                    # an account has one alias: a new one replaces it
    ctx.store.put(settings)
    return {}


@SERVICE.op("ListAccountAliases")
def list_account_aliases(ctx: Call, req: dict) -> dict:
    alias = _settings(ctx).Alias
    return {"AccountAliases": [alias] if alias else [], "IsTruncated": False}


@SERVICE.op("DeleteAccountAlias")
def delete_account_alias(ctx: Call, req: dict) -> dict:
    settings = _settings(ctx)
    if settings.Alias != req["AccountAlias"]:
        raise NoSuchEntity(f"The account alias {req['AccountAlias']} cannot be found.")
    settings.Alias = None
    ctx.store.put(settings)
    return {}


# -- summary -------------------------------------------------------------------------------------
_QUOTAS = {"UsersQuota": 5000, "GroupsQuota": 300, "RolesQuota": 1000, "PoliciesQuota": 1500,
           "InstanceProfilesQuota": 1000, "ServerCertificatesQuota": 20,
           "UserPolicySizeQuota": 2048, "GroupPolicySizeQuota": 5120,
           "RolePolicySizeQuota": 10240, "PolicySizeQuota": 6144,
           "AssumeRolePolicySizeQuota": 2048, "GroupsPerUserQuota": 10,
           "SigningCertificatesPerUserQuota": 2, "AccessKeysPerUserQuota": 2,
           "AttachedPoliciesPerGroupQuota": 10, "AttachedPoliciesPerRoleQuota": 10,
           "AttachedPoliciesPerUserQuota": 10, "VersionsPerPolicyQuota": 5,
           "PolicyVersionsInUseQuota": 10000, "GlobalEndpointTokenVersion": 1}


@SERVICE.op("GetAccountSummary")
def get_account_summary(ctx: Call, req: dict) -> dict:
    a = ctx.account
    policies = list(ctx.store.query(Policy, account=a))
    mfa = list(ctx.store.query(MFADevice, account=a))
    summary = {**_QUOTAS,
               "Users": ctx.store.count(User, account=a), "Groups": ctx.store.count(Group, account=a),
               "Roles": ctx.store.count(Role, account=a), "Policies": len(policies),
               "InstanceProfiles": ctx.store.count(InstanceProfile, account=a),
               "PolicyVersionsInUse": sum(len(p.Versions) for p in policies),
               "MFADevices": len(mfa), "MFADevicesInUse": sum(1 for d in mfa if d.user_key),
               "ServerCertificates": ctx.store.count(ServerCertificate, account=a),
               "Providers": (ctx.store.count(OIDCProvider, account=a)
                             + ctx.store.count(SAMLProvider, account=a)),
               "AccountMFAEnabled": int(any(d.user_key == ROOT_KEY for d in mfa)),
               # the root user has no password, access keys nor certificates in Nuvem
               "AccountPasswordPresent": 0, "AccountAccessKeysPresent": 0,
               "AccountSigningCertificatesPresent": 0}
    return {"SummaryMap": summary}


# -- authorization details -----------------------------------------------------------------------
def _attached(ctx: Call, arns: list[str]) -> list[dict]:
    out = []
    for arn in arns:
        p = aws_policy(arn) or ctx.store.by_arn(arn)
        if p is not None:
            out.append({"PolicyName": p.PolicyName, "PolicyArn": arn})
    return out


def _inline(policies: dict[str, str]) -> list[dict]:
    return [{"PolicyName": n, "PolicyDocument": encode(d)} for n, d in sorted(policies.items())]


def _user_detail(ctx: Call, u: User) -> dict:
    groups = [ctx.store.get(Group, ctx.account, k) for k in u.Groups]
    return drop_none({
        "Path": u.Path, "UserName": u.UserName, "UserId": u.UserId, "Arn": u.arn,
        # IAM leaves out a user's empty UserPolicyList (a group's and a role's stay)
        "CreateDate": u.CreateDate, "UserPolicyList": _inline(u.InlinePolicies) or None,
        "GroupList": [g.GroupName for g in groups if g],
        "AttachedManagedPolicies": _attached(ctx, u.AttachedPolicies),
        "PermissionsBoundary": boundary_out(u.PermissionsBoundary),
        "Tags": tag_list(ctx, u.arn)})


def _group_detail(ctx: Call, g: Group) -> dict:
    return {"Path": g.Path, "GroupName": g.GroupName, "GroupId": g.GroupId, "Arn": g.arn,
            "CreateDate": g.CreateDate, "GroupPolicyList": _inline(g.InlinePolicies),
            "AttachedManagedPolicies": _attached(ctx, g.AttachedPolicies)}


def _role_detail(ctx: Call, r: Role) -> dict:
    from nuvem.services.iam.roles import profile_out
    profiles = ctx.store.query(InstanceProfile, account=ctx.account, index=("Roles", r.key))
    return drop_none({
        "Path": r.Path, "RoleName": r.RoleName, "RoleId": r.RoleId, "Arn": r.arn,
        "CreateDate": r.CreateDate, "AssumeRolePolicyDocument": encode(r.AssumeRolePolicyDocument),
        "InstanceProfileList": [profile_out(ctx, p) for p in profiles],
        "RolePolicyList": _inline(r.InlinePolicies),
        "AttachedManagedPolicies": _attached(ctx, r.AttachedPolicies),
        "PermissionsBoundary": boundary_out(r.PermissionsBoundary),
        "Tags": tag_list(ctx, r.arn),
        "RoleLastUsed": role_last_used(ctx, r)})


def _policy_detail(ctx: Call, found: Found) -> dict:
    from nuvem.services.iam.policies import version_out
    out = policy_out(ctx, found)
    if found.aws:
        out["PolicyVersionList"] = [version_out(found, None)]
    else:
        out["PolicyVersionList"] = [version_out(found, v) for v in found.customer.Versions]
    return out


@SERVICE.op("GetAccountAuthorizationDetails")
def get_account_authorization_details(ctx: Call, req: dict) -> dict:
    wanted = set(req.get("Filter") or ["User", "Role", "Group", "LocalManagedPolicy",
                                       "AWSManagedPolicy"])
    a = ctx.account
    rows: list[tuple[str, object]] = []
    if "User" in wanted:
        rows += [(f"1{u.key}", ("UserDetailList", u)) for u in ctx.store.query(User, account=a)]
    if "Group" in wanted:
        rows += [(f"2{g.key}", ("GroupDetailList", g)) for g in ctx.store.query(Group, account=a)]
    if "Role" in wanted:
        rows += [(f"3{r.key}", ("RoleDetailList", r)) for r in ctx.store.query(Role, account=a)]
    if "LocalManagedPolicy" in wanted:
        rows += [(f"4{p.key}", ("Policies", Found(p.arn, p, None)))
                 for p in ctx.store.query(Policy, account=a)]
    if "AWSManagedPolicy" in wanted:
        used = set()
        for cls in (User, Group, Role):
            for e in ctx.store.query(cls, account=a):
                used.update(arn for arn in e.AttachedPolicies if aws_policy(arn))
                used.update([e.PermissionsBoundary] if getattr(e, "PermissionsBoundary", None)
                            and aws_policy(e.PermissionsBoundary) else [])
        rows += [(f"5{arn}", ("Policies", Found(arn, None, aws_policy(arn)))) for arn in sorted(used)]
    page = paginate(sorted(rows, key=lambda r: r[0]), req, lambda r: r[0], "rows")
    out = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": [],
           "IsTruncated": page["IsTruncated"]}
    render = {"UserDetailList": _user_detail, "GroupDetailList": _group_detail,
              "RoleDetailList": _role_detail, "Policies": _policy_detail}
    for _, (member, item) in page["rows"]:
        out[member].append(render[member](ctx, item))
    if "Marker" in page:
        out["Marker"] = page["Marker"]
    return out


# -- credential report --------------------------------------------------------------------------
_REPORT_COLUMNS = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated")
REPORT_LIFETIME = timedelta(hours=4)


def _when(value) -> str:
    return value.isoformat(timespec="seconds") if value else "N/A"


def _report(ctx: Call) -> bytes:
    from nuvem.services.iam.users import user_keys
    lines = [_REPORT_COLUMNS]
    for user in ctx.store.query(User, account=ctx.account):
        mfa = ctx.store.count(MFADevice, account=ctx.account, index=("user_key", user.key)) > 0
        row = [user.UserName, user.arn, _when(user.CreateDate), str(bool(user.PasswordHash)).lower(),
               _when(user.PasswordLastUsed) if user.PasswordHash else "N/A",
               _when(user.LoginProfileCreateDate), "N/A", str(mfa).lower()]
        keys = user_keys(ctx, user)
        for i in range(2):
            if i < len(keys):
                k = keys[i]
                used, service, region = key_last_used(ctx, k)
                row += [str(k.Status == "Active").lower(), _when(k.CreateDate),
                        _when(used), region or "N/A", service or "N/A"]
            else:
                row += ["false", "N/A", "N/A", "N/A", "N/A"]
        row += ["false", "N/A", "false", "N/A"]
        lines.append(",".join(row))
    return ("\n".join(lines)).encode()


@SERVICE.op("GenerateCredentialReport")
def generate_credential_report(ctx: Call, req: dict) -> dict:
    """The report is built at once; like IAM, the first call says it has started."""
    settings = _settings(ctx)
    fresh = settings.CredentialReportTime and ctx.now - settings.CredentialReportTime < REPORT_LIFETIME
    if fresh:
        return {"State": "COMPLETE"}
    settings.CredentialReport, settings.CredentialReportTime = _report(ctx), ctx.now
    ctx.store.put(settings)
    return {"State": "STARTED",
            "Description": "No report exists. Starting a new report generation task"}


@SERVICE.op("GetCredentialReport")
def get_credential_report(ctx: Call, req: dict) -> dict:
    settings = _settings(ctx)
    if settings.CredentialReport is None:
        raise ReportNotPresent("Credential report not present. Use GenerateCredentialReport "
                               "to generate a report.")
    if ctx.now - settings.CredentialReportTime >= REPORT_LIFETIME:
        raise ReportExpired("The credential report has expired. To generate a new report, "
                            "call GenerateCredentialReport.")
    return {"Content": settings.CredentialReport, "ReportFormat": "text/csv",
            "GeneratedTime": settings.CredentialReportTime}


# -- virtual MFA devices -------------------------------------------------------------------------
def totp(seed_b32: str, step: int, digits: int = 6) -> str:
    """RFC 6238 TOTP (HMAC-SHA1, 30-second steps) for time step `step`."""
    key = base64.b32decode(seed_b32 + "=" * (-len(seed_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 10 ** digits
    return f"{code:0{digits}d}"


MFA_ISSUER = "Amazon Web Services"


def otpauth_uri(ctx: Call, name: str, seed: str) -> str:
    """The Key URI an authenticator app scans: IAM documents the label as
    `$virtualMFADeviceName@$AccountName` (the account alias if there is one, else the account
    id); the issuer (label prefix and parameter, as authenticator apps expect) is AWS's."""
    account_name = _settings(ctx).Alias or ctx.account
    issuer = quote(MFA_ISSUER, safe="")
    label = f"{issuer}:{quote(name, safe='')}@{quote(account_name, safe='')}"
    return f"otpauth://totp/{label}?secret={seed}&issuer={issuer}"


def qr_code_png(text: str) -> bytes:
    """A QR code of `text` as PNG bytes (segno: pure Python)."""
    import segno
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=4, border=4)
    return out.getvalue()


def _device(ctx: Call, serial: str) -> MFADevice:
    prefix = f"arn:aws:iam::{ctx.account}:mfa/"
    device = None
    if serial.startswith(prefix):
        device = ctx.store.get(MFADevice, ctx.account, serial.rsplit("/", 1)[-1].lower())
    if device is None or device.arn != serial:
        raise NoSuchEntity(f"MFA Device with serial number {serial} does not exist.")
    return device


@SERVICE.op("CreateVirtualMFADevice")
def create_virtual_mfa_device(ctx: Call, req: dict) -> dict:
    name = req["VirtualMFADeviceName"]
    if ctx.store.get(MFADevice, ctx.account, name.lower()):
        raise EntityAlreadyExists("MFA device already exists.")
    seed = base64.b32encode(ctx.ids.token_bytes(40)).decode()
    device = MFADevice(account=ctx.account, key=name.lower(), Name=name,
                       Path=check_path(req.get("Path")), Seed=seed)
    ctx.store.put(device)
    add_tags(ctx, device.arn, req.get("Tags"))
    return {"VirtualMFADevice": drop_none({"SerialNumber": device.arn,
                                           "Base32StringSeed": seed.encode(),
                                           "QRCodePNG": qr_code_png(otpauth_uri(ctx, name, seed)),
                                           "Tags": tag_list(ctx, device.arn) or None})}


# The root user's MFA. AWS enables it only in the console (the API refuses the root user); Nuvem
# has no console, so the root principal enables a virtual device through the API itself: with no
# UserName, or with UserName "root" or the account id when no IAM user has that name. Root's
# devices are assigned to ROOT_KEY, which no IAM user key can equal.
ROOT_KEY = "<root>"
ROOT_DEVICE_NAME = "root-account-mfa-device"   # the name the console gives the root's device


def _assignee(ctx: Call, user_name: str | None) -> str:
    """The user key a device is enabled for: an IAM user's, or ROOT_KEY for the root user."""
    root = ctx.principal is not None and ctx.principal.kind == "root"
    if root and (not user_name or (user_name in ("root", ctx.account)
                                   and ctx.store.get(User, ctx.account, user_name.lower()) is None)):
        return ROOT_KEY
    if not user_name:
        raise ValidationError("Must specify userName when calling with non-User credentials")
    return get_user(ctx, user_name).key


def _holder(ctx: Call, device: MFADevice) -> tuple[str, dict]:
    """(UserName as MFA listings show it, the User shape) of an assigned device."""
    if device.user_key == ROOT_KEY:
        return ctx.account, {"Path": "/", "UserName": ctx.account, "UserId": ctx.account,
                             "Arn": f"arn:aws:iam::{ctx.account}:root",
                             "CreateDate": device.EnableDate}
    from nuvem.services.iam.users import user_out
    user = ctx.store.get(User, ctx.account, device.user_key)
    return user.UserName, user_out(ctx, user, tags=False)


@SERVICE.op("EnableMFADevice")
def enable_mfa_device(ctx: Call, req: dict) -> dict:
    user_key = _assignee(ctx, req.get("UserName"))
    device = _device(ctx, req["SerialNumber"])
    if device.user_key:
        raise EntityAlreadyExists("MFA Device is already in use.")
    _check_codes(device, int(ctx.now.timestamp()) // 30, req["AuthenticationCode1"],
                 req["AuthenticationCode2"])
    device.user_key, device.EnableDate = user_key, ctx.now
    ctx.store.put(device)
    return {}


def _check_codes(device: MFADevice, now_step: int, code1: str, code2: str) -> None:
    """Two consecutive codes from the last two minutes, each usable once."""
    for step in range(now_step, now_step - 5, -1):
        if step > device.LastStep and totp(device.Seed, step) == code1 \
                and totp(device.Seed, step + 1) == code2:
            device.LastStep = step + 1
            return
    raise InvalidAuthenticationCode("Authentication code for device is not valid.")


@SERVICE.op("ResyncMFADevice")
def resync_mfa_device(ctx: Call, req: dict) -> dict:
    user_key = _assignee(ctx, req.get("UserName"))
    device = _device(ctx, req["SerialNumber"])
    if device.user_key != user_key:
        raise NoSuchEntity(f"MFA Device with serial number {req['SerialNumber']} does not exist "
                           f"for user {req.get('UserName') or ctx.account}.")
    _check_codes(device, int(ctx.now.timestamp()) // 30, req["AuthenticationCode1"],
                 req["AuthenticationCode2"])
    ctx.store.put(device)
    return {}


@SERVICE.op("GetMFADevice")
def get_mfa_device(ctx: Call, req: dict) -> dict:
    device = _device(ctx, req["SerialNumber"])
    if not device.user_key:
        raise NoSuchEntity(f"MFA Device with serial number {req['SerialNumber']} is not assigned.")
    return {"UserName": _holder(ctx, device)[0], "SerialNumber": device.arn,
            "EnableDate": device.EnableDate}


@SERVICE.op("DeactivateMFADevice")
def deactivate_mfa_device(ctx: Call, req: dict) -> dict:
    device = _device(ctx, req["SerialNumber"])
    if req.get("UserName"):
        if device.user_key != _assignee(ctx, req["UserName"]):
            raise NoSuchEntity(f"MFA Device with serial number {req['SerialNumber']} does not "
                               f"exist for user {req['UserName']}.")
    device.user_key = device.EnableDate = None
    ctx.store.put(device)
    return {}


@SERVICE.op("DeleteVirtualMFADevice")
def delete_virtual_mfa_device(ctx: Call, req: dict) -> dict:
    device = _device(ctx, req["SerialNumber"])
    if device.user_key:
        raise DeleteConflict("MFA device is still in use.")
    ctx.store.delete(device)
    return {}


@SERVICE.op("ListMFADevices")
def list_mfa_devices(ctx: Call, req: dict) -> dict:
    if req.get("UserName"):
        user_key = _assignee(ctx, req["UserName"])
        devices = ctx.store.query(MFADevice, account=ctx.account, index=("user_key", user_key))
    else:
        devices = (d for d in ctx.store.query(MFADevice, account=ctx.account) if d.user_key)
    items = [{"UserName": _holder(ctx, d)[0],
              "SerialNumber": d.arn, "EnableDate": d.EnableDate} for d in devices]
    return paginate(items, req, lambda i: i["SerialNumber"], "MFADevices")


@SERVICE.op("ListVirtualMFADevices")
def list_virtual_mfa_devices(ctx: Call, req: dict) -> dict:
    status = req.get("AssignmentStatus") or "Any"
    devices = [d for d in ctx.store.query(MFADevice, account=ctx.account)
               if status == "Any" or (status == "Assigned") == bool(d.user_key)]
    page = paginate(devices, req, lambda d: d.key, "VirtualMFADevices")
    page["VirtualMFADevices"] = [drop_none({
        "SerialNumber": d.arn, "EnableDate": d.EnableDate,
        "User": _holder(ctx, d)[1] if d.user_key else None,
        "Tags": tag_list(ctx, d.arn) or None}) for d in page["VirtualMFADevices"]]
    return page


@SERVICE.op("TagMFADevice")
def tag_mfa_device(ctx: Call, req: dict) -> dict:
    add_tags(ctx, _device(ctx, req["SerialNumber"]).arn, req["Tags"])
    return {}


@SERVICE.op("UntagMFADevice")
def untag_mfa_device(ctx: Call, req: dict) -> dict:
    ctx.store.untag(_device(ctx, req["SerialNumber"]).arn, req["TagKeys"])
    return {}


@SERVICE.op("ListMFADeviceTags")
def list_mfa_device_tags(ctx: Call, req: dict) -> dict:
    return paginate(tag_list(ctx, _device(ctx, req["SerialNumber"]).arn), req,
                    lambda t: t["Key"], "Tags")


