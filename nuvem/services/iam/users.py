"""Users, access keys, login profiles and groups."""
from __future__ import annotations

import hashlib
import hmac

from nuvem.context import Call
from nuvem.errors import AccessDenied
from nuvem.services.iam import SERVICE
from nuvem.services.iam.common import (add_tags, boundary_out, caller_user, calling_user_name,
                                       check_path, drop_none, get_group, get_user, matches_prefix,
                                       new_id, paginate, replace, tag_list)
from nuvem.services.iam.errors import (DeleteConflict, EntityAlreadyExists, LimitExceeded,
                                       InvalidUserType, NoSuchEntity, PasswordPolicyViolation,
                                       ValidationError)
from nuvem.services.iam.models import (AccessKey, AccountSettings, Group, MFADevice,
                                       ServiceSpecificCredential, SigningCertificate,
                                       SSHPublicKey, User)

MAX_ACCESS_KEYS = 2
MAX_GROUPS_PER_USER = 10


def user_out(ctx: Call, user: User, tags: bool = True) -> dict:
    """GetUser's shape; list calls (`tags=False`) leave out the boundary and tags, as IAM does."""
    out = {"Path": user.Path, "UserName": user.UserName, "UserId": user.UserId, "Arn": user.arn,
           "CreateDate": user.CreateDate, "PasswordLastUsed": user.PasswordLastUsed}
    if tags:
        out["PermissionsBoundary"] = boundary_out(user.PermissionsBoundary)
        out["Tags"] = tag_list(ctx, user.arn) or None
    return drop_none(out)


def group_out(group: Group) -> dict:
    return {"Path": group.Path, "GroupName": group.GroupName, "GroupId": group.GroupId,
            "Arn": group.arn, "CreateDate": group.CreateDate}


def user_keys(ctx: Call, user: User) -> list[AccessKey]:
    return sorted(ctx.store.query(AccessKey, index=("owner", (ctx.account, user.key))),
                  key=lambda k: k.CreateDate)


# -- users ---------------------------------------------------------------------------------------
@SERVICE.op("CreateUser")
def create_user(ctx: Call, req: dict) -> dict:
    name = req["UserName"]
    if ctx.store.get(User, ctx.account, name.lower()):
        raise EntityAlreadyExists(f"User with name {name} already exists.")
    user = User(account=ctx.account, key=name.lower(), UserName=name,
                Path=check_path(req.get("Path")), UserId=new_id(ctx, "AIDA"), CreateDate=ctx.now)
    if req.get("PermissionsBoundary"):
        from nuvem.services.iam.policies import boundary
        user.PermissionsBoundary = boundary(ctx, req["PermissionsBoundary"])
    ctx.store.put(user)
    add_tags(ctx, user.arn, req.get("Tags"))
    return {"User": user_out(ctx, user)}


@SERVICE.op("GetUser")
def get_user_op(ctx: Call, req: dict) -> dict:
    if not req.get("UserName"):
        name = calling_user_name(ctx)
        if name:
            return {"User": user_out(ctx, get_user(ctx, name))}
        principal = ctx.principal
        if principal is None or principal.kind != "root":
            raise ValidationError("Must specify userName when calling with non-User credentials")
        return {"User": {"UserId": ctx.account, "Arn": f"arn:aws:iam::{ctx.account}:root",
                         "CreateDate": ctx.now}}
    return {"User": user_out(ctx, get_user(ctx, req["UserName"]))}


@SERVICE.op("ListUsers")
def list_users(ctx: Call, req: dict) -> dict:
    users = [u for u in ctx.store.query(User, account=ctx.account)
             if matches_prefix(u.Path, req.get("PathPrefix"))]
    page = paginate(users, req, lambda u: u.key, "Users")
    page["Users"] = [user_out(ctx, u, tags=False) for u in page["Users"]]
    return page


@SERVICE.op("UpdateUser")
def update_user(ctx: Call, req: dict) -> dict:
    user = get_user(ctx, req["UserName"])
    new_name = req.get("NewUserName") or user.UserName
    if new_name.lower() != user.key and ctx.store.get(User, ctx.account, new_name.lower()):
        raise EntityAlreadyExists(f"User with name {new_name} already exists.")
    keys = user_keys(ctx, user)
    new_path = check_path(req.get("NewPath") or user.Path, "newPath")

    def change(u: User) -> None:
        u.UserName, u.key, u.Path = new_name, new_name.lower(), new_path
    replace(ctx, user, change)
    for k in keys:
        k.user_key, k.UserName = user.key, user.UserName
        ctx.store.put(k)
    old_key = req["UserName"].lower()
    for record in list(ctx.store.query(MFADevice, account=ctx.account,
                                       index=("user_key", old_key))):
        record.user_key = user.key
        ctx.store.put(record)
    # SSH keys, signing certificates and service credentials follow too (their ServiceUserName
    # keeps the old name, as in IAM)
    for kind in (SSHPublicKey, SigningCertificate, ServiceSpecificCredential):
        for record in list(ctx.store.query(kind, account=ctx.account,
                                           index=("user_key", old_key))):
            record.user_key, record.UserName = user.key, user.UserName
            ctx.store.put(record)
    return {}


@SERVICE.op("DeleteUser")
def delete_user(ctx: Call, req: dict) -> dict:
    user = get_user(ctx, req["UserName"])
    if user.InlinePolicies:
        raise DeleteConflict("Cannot delete entity, must delete policies first.")
    if user.AttachedPolicies:
        raise DeleteConflict("Cannot delete entity, must detach all policies first.")
    # IAM names the first dependency left, each in its own words
    if user.PasswordHash:
        raise DeleteConflict("Cannot delete entity, must delete login profile first.")
    if user_keys(ctx, user):
        raise DeleteConflict("Cannot delete entity, must delete access keys first.")
    if ctx.store.count(MFADevice, account=ctx.account, index=("user_key", user.key)):
        raise DeleteConflict("Cannot delete entity, must delete MFA device first.")
    if user.Groups:
        raise DeleteConflict("Cannot delete entity, must remove users from group first.")
    if (ctx.store.count(SSHPublicKey, account=ctx.account, index=("user_key", user.key))
            or ctx.store.count(SigningCertificate, account=ctx.account,
                               index=("user_key", user.key))
            or ctx.store.count(ServiceSpecificCredential, account=ctx.account,
                               index=("user_key", user.key))):
        raise DeleteConflict("Cannot delete entity, must remove referenced objects first.")
    ctx.store.delete(user)
    return {}


@SERVICE.op("TagUser")
def tag_user(ctx: Call, req: dict) -> dict:
    add_tags(ctx, get_user(ctx, req["UserName"]).arn, req["Tags"])
    return {}


@SERVICE.op("UntagUser")
def untag_user(ctx: Call, req: dict) -> dict:
    ctx.store.untag(get_user(ctx, req["UserName"]).arn, req["TagKeys"])
    return {}


@SERVICE.op("ListUserTags")
def list_user_tags(ctx: Call, req: dict) -> dict:
    tags = tag_list(ctx, get_user(ctx, req["UserName"]).arn)
    return paginate(tags, req, lambda t: t["Key"], "Tags")


# -- access keys ---------------------------------------------------------------------------------
_key_user = caller_user


def _get_key(ctx: Call, user: User, key_id: str) -> AccessKey:
    key = ctx.store.get(AccessKey, key_id)
    if key is None or key.account != ctx.account or key.user_key != user.key:
        raise NoSuchEntity(f"The Access Key with id {key_id} cannot be found.")
    return key


@SERVICE.op("CreateAccessKey")
def create_access_key(ctx: Call, req: dict) -> dict:
    user = _key_user(ctx, req)
    if len(user_keys(ctx, user)) >= MAX_ACCESS_KEYS:
        raise LimitExceeded(f"Cannot exceed quota for AccessKeysPerUser: {MAX_ACCESS_KEYS}")
    key = AccessKey(AccessKeyId=ctx.ids.access_key_id("AKIA"), account=ctx.account,
                    user_key=user.key, UserName=user.UserName, SecretAccessKey=ctx.ids.secret(),
                    Status="Active", CreateDate=ctx.now)
    ctx.store.put(key)
    return {"AccessKey": {"UserName": key.UserName, "AccessKeyId": key.AccessKeyId,
                          "Status": key.Status, "SecretAccessKey": key.SecretAccessKey,
                          "CreateDate": key.CreateDate}}


@SERVICE.op("ListAccessKeys")
def list_access_keys(ctx: Call, req: dict) -> dict:
    user = _key_user(ctx, req)
    keys = [{"UserName": k.UserName, "AccessKeyId": k.AccessKeyId, "Status": k.Status,
             "CreateDate": k.CreateDate} for k in user_keys(ctx, user)]
    return paginate(keys, req, lambda k: k["AccessKeyId"], "AccessKeyMetadata")


@SERVICE.op("UpdateAccessKey")
def update_access_key(ctx: Call, req: dict) -> dict:
    key = _get_key(ctx, _key_user(ctx, req), req["AccessKeyId"])
    key.Status = req["Status"]
    ctx.store.put(key)
    return {}


@SERVICE.op("DeleteAccessKey")
def delete_access_key(ctx: Call, req: dict) -> dict:
    ctx.store.delete(_get_key(ctx, _key_user(ctx, req), req["AccessKeyId"]))
    return {}


@SERVICE.op("GetAccessKeyLastUsed")
def get_access_key_last_used(ctx: Call, req: dict) -> dict:
    key = ctx.store.get(AccessKey, req["AccessKeyId"])
    if key is None or key.account != ctx.account:
        # IAM does not say whether the key exists elsewhere: the caller may not look at it
        raise AccessDenied(f"User: {ctx.principal.arn} is not authorized to perform "
                           f"iam:GetAccessKeyLastUsed on resource: access key {req['AccessKeyId']}")
    from nuvem.services.iam.usage import key_last_used
    when, service, region = key_last_used(ctx, key)
    return {"UserName": key.UserName, "AccessKeyLastUsed": drop_none({
        "LastUsedDate": when, "ServiceName": service or "N/A", "Region": region or "N/A"})}


# -- login profiles ------------------------------------------------------------------------------
def _hash(ctx: Call, password: str) -> str:
    salt = ctx.ids.hex(32)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), 100_000)
    return f"pbkdf2_sha256${salt}${digest.hex()}"


def check_password(ctx: Call, password: str) -> None:
    settings = ctx.store.get(AccountSettings, ctx.account)
    policy = (settings.PasswordPolicy if settings else None) or {}
    problems = []
    # With no account policy, IAM's default asks for at least 8 characters.
    if len(password) < (policy.get("MinimumPasswordLength", 6) if policy else 8):
        problems.append("Password does not conform to the account password policy.")
    checks = [("RequireSymbols", lambda c: not c.isalnum()), ("RequireNumbers", str.isdigit),
              ("RequireUppercaseCharacters", str.isupper),
              ("RequireLowercaseCharacters", str.islower)]
    for flag, test in checks:
        if policy.get(flag) and not any(test(c) for c in password):
            problems.append("Password does not conform to the account password policy.")
    if problems:
        raise PasswordPolicyViolation(problems[0])


def password_matches(user: User, password: str) -> bool:
    if not user.PasswordHash:
        return False
    _, salt, digest = user.PasswordHash.split("$")
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), 100_000)
    return hmac.compare_digest(candidate.hex(), digest)


@SERVICE.op("ChangePassword")
def change_password(ctx: Call, req: dict) -> dict:
    """Only an IAM user changes its own password; the root user's is changed in the console."""
    name = calling_user_name(ctx)
    if not name:
        raise InvalidUserType("Only IAM users can change their own password.")
    user = get_user(ctx, name)
    if not password_matches(user, req["OldPassword"]):
        raise AccessDenied("The old password was incorrect.")
    check_password(ctx, req["NewPassword"])
    user.PasswordHash = _hash(ctx, req["NewPassword"])
    user.PasswordResetRequired = False
    ctx.store.put(user)
    return {}


def _login_out(user: User) -> dict:
    return {"UserName": user.UserName, "CreateDate": user.LoginProfileCreateDate,
            "PasswordResetRequired": user.PasswordResetRequired}


@SERVICE.op("CreateLoginProfile")
def create_login_profile(ctx: Call, req: dict) -> dict:
    user = caller_user(ctx, req)
    if user.PasswordHash:
        raise EntityAlreadyExists(f"Login Profile for user {user.UserName} already exists.")
    if not req.get("Password"):
        raise ValidationError("Password is required to create a login profile for an IAM user.")
    check_password(ctx, req["Password"])
    user.PasswordHash = _hash(ctx, req["Password"])
    user.LoginProfileCreateDate = ctx.now
    user.PasswordResetRequired = bool(req.get("PasswordResetRequired"))
    ctx.store.put(user)
    return {"LoginProfile": _login_out(user)}


def _with_login(ctx: Call, req: dict) -> User:
    user = caller_user(ctx, req)
    if not user.PasswordHash:
        raise NoSuchEntity(f"Login Profile for User {user.UserName} cannot be found.")
    return user


@SERVICE.op("GetLoginProfile")
def get_login_profile(ctx: Call, req: dict) -> dict:
    return {"LoginProfile": _login_out(_with_login(ctx, req))}


@SERVICE.op("UpdateLoginProfile")
def update_login_profile(ctx: Call, req: dict) -> dict:
    user = _with_login(ctx, req)
    if req.get("Password") is not None:
        check_password(ctx, req["Password"])
        user.PasswordHash = _hash(ctx, req["Password"])
    if req.get("PasswordResetRequired") is not None:
        user.PasswordResetRequired = req["PasswordResetRequired"]
    ctx.store.put(user)
    return {}


@SERVICE.op("DeleteLoginProfile")
def delete_login_profile(ctx: Call, req: dict) -> dict:
    user = _with_login(ctx, req)
    user.PasswordHash = user.LoginProfileCreateDate = None
    user.PasswordResetRequired = False
    ctx.store.put(user)
    return {}


# -- groups --------------------------------------------------------------------------------------
@SERVICE.op("CreateGroup")
def create_group(ctx: Call, req: dict) -> dict:
    name = req["GroupName"]
    if ctx.store.get(Group, ctx.account, name.lower()):
        raise EntityAlreadyExists(f"Group with name {name} already exists.")
    group = Group(account=ctx.account, key=name.lower(), GroupName=name,
                  Path=check_path(req.get("Path")), GroupId=new_id(ctx, "AGPA"), CreateDate=ctx.now)
    ctx.store.put(group)
    return {"Group": group_out(group)}


def members(ctx: Call, group: Group) -> list[User]:
    return list(ctx.store.query(User, account=ctx.account, index=("Groups", group.key)))


@SERVICE.op("GetGroup")
def get_group_op(ctx: Call, req: dict) -> dict:
    group = get_group(ctx, req["GroupName"])
    page = paginate(members(ctx, group), req, lambda u: u.key, "Users")
    page["Users"] = [user_out(ctx, u, tags=False) for u in page["Users"]]
    return {"Group": group_out(group), **page}


@SERVICE.op("ListGroups")
def list_groups(ctx: Call, req: dict) -> dict:
    groups = [g for g in ctx.store.query(Group, account=ctx.account)
              if matches_prefix(g.Path, req.get("PathPrefix"))]
    page = paginate(groups, req, lambda g: g.key, "Groups")
    page["Groups"] = [group_out(g) for g in page["Groups"]]
    return page


@SERVICE.op("UpdateGroup")
def update_group(ctx: Call, req: dict) -> dict:
    group = get_group(ctx, req["GroupName"])
    new_name = req.get("NewGroupName") or group.GroupName
    if new_name.lower() != group.key and ctx.store.get(Group, ctx.account, new_name.lower()):
        raise EntityAlreadyExists(f"Group with name {new_name} already exists.")
    users = members(ctx, group)
    old_key = group.key
    new_path = check_path(req.get("NewPath") or group.Path, "newPath")

    def change(g: Group) -> None:
        g.GroupName, g.key, g.Path = new_name, new_name.lower(), new_path
    replace(ctx, group, change)
    for u in users:
        u.Groups = [group.key if g == old_key else g for g in u.Groups]
        ctx.store.put(u)
    return {}


@SERVICE.op("DeleteGroup")
def delete_group(ctx: Call, req: dict) -> dict:
    group = get_group(ctx, req["GroupName"])
    if members(ctx, group) or group.InlinePolicies or group.AttachedPolicies:
        raise DeleteConflict("Cannot delete entity, must remove users from group first."
                             if members(ctx, group) else
                             "Cannot delete entity, must delete policies first.")
    ctx.store.delete(group)
    return {}


@SERVICE.op("AddUserToGroup")
def add_user_to_group(ctx: Call, req: dict) -> dict:
    user = get_user(ctx, req["UserName"])     # IAM looks the user up first
    group = get_group(ctx, req["GroupName"])
    if group.key not in user.Groups:
        if len(user.Groups) >= MAX_GROUPS_PER_USER:
            raise LimitExceeded(f"Cannot exceed quota for GroupsPerUser: {MAX_GROUPS_PER_USER}")
        user.Groups.append(group.key)
        ctx.store.put(user)
    return {}


@SERVICE.op("RemoveUserFromGroup")
def remove_user_from_group(ctx: Call, req: dict) -> dict:
    user = get_user(ctx, req["UserName"])     # IAM looks the user up first
    group = get_group(ctx, req["GroupName"])
    if group.key in user.Groups:              # removing a non-member succeeds, as in IAM
        user.Groups.remove(group.key)
        ctx.store.put(user)
    return {}


@SERVICE.op("ListGroupsForUser")
def list_groups_for_user(ctx: Call, req: dict) -> dict:
    user = get_user(ctx, req["UserName"])
    groups = sorted((ctx.store.get(Group, ctx.account, k) for k in user.Groups), key=lambda g: g.key)
    page = paginate(groups, req, lambda g: g.key, "Groups")
    page["Groups"] = [group_out(g) for g in page["Groups"]]
    return page
