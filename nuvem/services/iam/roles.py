"""Roles (trust policies, session duration), instance profiles and service-linked roles."""
from __future__ import annotations

import functools
import json
import os
import re

from nuvem.context import Call
from nuvem.iam.conditions import glob_matcher
from nuvem.iam.policy import check_size
from nuvem.services.iam import SERVICE
from nuvem.services.iam.common import (add_tags, boundary_out, check_path, drop_none,
                                       get_instance_profile, get_role, matches_prefix, new_id,
                                       paginate, tag_list)
from nuvem.services.iam.documents import encode, normalize, validate_document
from nuvem.services.iam.errors import (DeleteConflict, EntityAlreadyExists, InvalidInput,
                                       LimitExceeded, MalformedPolicyDocument, NoSuchEntity,
                                       UnmodifiableEntity)
from nuvem.services.iam.models import InstanceProfile, Role, User
from nuvem.services.iam.usage import role_last_used

_SLR_PATH = "/aws-service-role/"   # IAM keeps it for service-linked roles
# Service principals whose service-linked role name is not simply the capitalised service name.
_SLR_DATA = os.path.join(os.path.dirname(__file__), "data", "service_linked_roles.json")


@functools.lru_cache(maxsize=1)
def _slr_names() -> dict[str, str]:
    with open(_SLR_DATA) as f:
        return json.load(f)["names"]


# What IAM leaves out of the role it answers CreateRole and UpdateRoleDescription with (GetRole
# has them all): the defaults it filled in, and on creation the description too.
_NEW_ROLE_OMITS = ("Description", "MaxSessionDuration", "RoleLastUsed")
_DESCRIBED_ROLE_OMITS = ("MaxSessionDuration", "RoleLastUsed")


def role_out(ctx: Call, role: Role, full: bool = True, omit: tuple[str, ...] = ()) -> dict:
    out = {"Path": role.Path, "RoleName": role.RoleName, "RoleId": role.RoleId, "Arn": role.arn,
           "CreateDate": role.CreateDate,
           "AssumeRolePolicyDocument": encode(role.AssumeRolePolicyDocument),
           "Description": role.Description, "MaxSessionDuration": role.MaxSessionDuration}
    if full:
        out["PermissionsBoundary"] = boundary_out(role.PermissionsBoundary)
        out["Tags"] = tag_list(ctx, role.arn) or None
        out["RoleLastUsed"] = role_last_used(ctx, role)
    for member in omit:
        out.pop(member, None)
    return drop_none(out)


def profile_out(ctx: Call, profile: InstanceProfile, tags: bool = False) -> dict:
    """`tags`: the profile's Tags, an empty list included (GetInstanceProfile's answer). Its
    roles come without Description and MaxSessionDuration, as IAM embeds them."""
    roles = [ctx.store.get(Role, ctx.account, k) for k in profile.Roles]
    out = {"Path": profile.Path, "InstanceProfileName": profile.InstanceProfileName,
           "InstanceProfileId": profile.InstanceProfileId, "Arn": profile.arn,
           "CreateDate": profile.CreateDate,
           "Roles": [role_out(ctx, r, full=False, omit=("Description", "MaxSessionDuration"))
                     for r in roles if r]}
    if tags:
        out["Tags"] = tag_list(ctx, profile.arn)
    return drop_none(out)


_ENTITY_ARN = re.compile(r"arn:aws:iam::(\d{12}):(user|role)/(?:.*/)?([^/]+)")

# What a trust policy may grant: assuming the role, and what goes with it.
_TRUST_ACTIONS = ("sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity",
                  "sts:tagsession", "sts:setsourceidentity", "sts:setcontext")


def _trust(ctx: Call, text: str) -> str:
    text = normalize(text)
    try:
        json.loads(text)
    except ValueError:  # IAM words unparsable trust policies apart from other syntax errors
        raise MalformedPolicyDocument("This policy contains invalid Json") from None
    doc = validate_document(text, "trust")
    check_size(text, "trust")
    _check_trust_actions(doc)
    _check_principals_exist(ctx, doc)
    return text


def _statements(doc: dict) -> list[dict]:
    return doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]


def _check_trust_actions(doc: dict) -> None:
    for statement in _statements(doc):
        actions = statement.get("Action", [])
        for action in actions if isinstance(actions, list) else [actions]:
            matches = glob_matcher(action, ignore_case=True)
            if not any(matches(known) for known in _TRUST_ACTIONS):
                raise MalformedPolicyDocument(
                    "AssumeRole policy may only specify STS AssumeRole actions.")


def _check_principals_exist(ctx: Call, doc: dict) -> None:
    """IAM refuses a trust policy naming a user or role that does not exist (it stores their
    unique ids); accounts, roots, sessions and other principal types are taken as given."""
    for statement in _statements(doc):
        principal = statement.get("Principal")
        names = principal.get("AWS", []) if isinstance(principal, dict) else []
        for arn in names if isinstance(names, list) else [names]:
            match = _ENTITY_ARN.fullmatch(arn)
            if match is None:
                continue
            account, kind, name = match.groups()
            entity = ctx.store.get(User if kind == "user" else Role, account, name.lower())
            if entity is None or entity.arn != arn:
                raise MalformedPolicyDocument(f'Invalid principal in policy: "AWS":"{arn}"')


def _check_protected(role: Role) -> None:
    if role.ServiceLinked:
        raise UnmodifiableEntity(f"Cannot perform the operation on the protected role "
                                 f"'{role.RoleName}' - this role is only modifiable by AWS")


def _new_role(ctx: Call, name: str, path: str, trust: str, req: dict) -> Role:
    if ctx.store.get(Role, ctx.account, name.lower()):
        raise EntityAlreadyExists(f"Role with name {name} already exists.")
    return Role(account=ctx.account, key=name.lower(), RoleName=name, Path=path,
                RoleId=new_id(ctx, "AROA"), CreateDate=ctx.now, AssumeRolePolicyDocument=trust,
                MaxSessionDuration=req.get("MaxSessionDuration") or 3600,
                Description=req.get("Description"))


@SERVICE.op("CreateRole")
def create_role(ctx: Call, req: dict) -> dict:
    path = check_path(req.get("Path"))
    if path.startswith(_SLR_PATH):
        raise InvalidInput(f"Path prefix '{_SLR_PATH}' can only be used for AWS Service linked "
                           "Roles")
    role = _new_role(ctx, req["RoleName"], path, _trust(ctx, req["AssumeRolePolicyDocument"]), req)
    if req.get("PermissionsBoundary"):
        from nuvem.services.iam.policies import boundary
        role.PermissionsBoundary = boundary(ctx, req["PermissionsBoundary"])
    ctx.store.put(role)
    add_tags(ctx, role.arn, req.get("Tags"))
    return {"Role": role_out(ctx, role, omit=_NEW_ROLE_OMITS)}


@SERVICE.op("GetRole")
def get_role_op(ctx: Call, req: dict) -> dict:
    return {"Role": role_out(ctx, get_role(ctx, req["RoleName"]))}


@SERVICE.op("ListRoles")
def list_roles(ctx: Call, req: dict) -> dict:
    roles = [r for r in ctx.store.query(Role, account=ctx.account)
             if matches_prefix(r.Path, req.get("PathPrefix"))]
    page = paginate(roles, req, lambda r: r.key, "Roles")
    page["Roles"] = [role_out(ctx, r, full=False) for r in page["Roles"]]
    return page


@SERVICE.op("UpdateRole")
def update_role(ctx: Call, req: dict) -> dict:
    role = get_role(ctx, req["RoleName"])
    _check_protected(role)
    if req.get("Description") is not None:
        role.Description = req["Description"]
    if req.get("MaxSessionDuration") is not None:
        role.MaxSessionDuration = req["MaxSessionDuration"]
    ctx.store.put(role)
    return {}


@SERVICE.op("UpdateRoleDescription")
def update_role_description(ctx: Call, req: dict) -> dict:
    role = get_role(ctx, req["RoleName"])
    _check_protected(role)
    role.Description = req["Description"]
    ctx.store.put(role)
    return {"Role": role_out(ctx, role, omit=_DESCRIBED_ROLE_OMITS)}


@SERVICE.op("UpdateAssumeRolePolicy")
def update_assume_role_policy(ctx: Call, req: dict) -> dict:
    role = get_role(ctx, req["RoleName"])
    _check_protected(role)
    role.AssumeRolePolicyDocument = _trust(ctx, req["PolicyDocument"])
    ctx.store.put(role)
    return {}


def _delete_role(ctx: Call, role: Role) -> None:
    if ctx.store.count(InstanceProfile, account=ctx.account, index=("Roles", role.key)):
        raise DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
    if role.InlinePolicies:
        raise DeleteConflict("Cannot delete entity, must delete policies first.")
    if role.AttachedPolicies:
        raise DeleteConflict("Cannot delete entity, must detach all policies first.")
    ctx.store.delete(role)


@SERVICE.op("DeleteRole")
def delete_role(ctx: Call, req: dict) -> dict:
    role = get_role(ctx, req["RoleName"])
    _check_protected(role)
    _delete_role(ctx, role)
    return {}


@SERVICE.op("TagRole")
def tag_role(ctx: Call, req: dict) -> dict:
    add_tags(ctx, get_role(ctx, req["RoleName"]).arn, req["Tags"])
    return {}


@SERVICE.op("UntagRole")
def untag_role(ctx: Call, req: dict) -> dict:
    ctx.store.untag(get_role(ctx, req["RoleName"]).arn, req["TagKeys"])
    return {}


@SERVICE.op("ListRoleTags")
def list_role_tags(ctx: Call, req: dict) -> dict:
    return paginate(tag_list(ctx, get_role(ctx, req["RoleName"]).arn), req,
                    lambda t: t["Key"], "Tags")


# -- service-linked roles ------------------------------------------------------------------------
@SERVICE.op("CreateServiceLinkedRole")
def create_service_linked_role(ctx: Call, req: dict) -> dict:
    service = req["AWSServiceName"]
    if not service.endswith(".amazonaws.com"):
        raise InvalidInput(f"Service principal {service} is not a valid AWS service principal.")
    base = _slr_names().get(service) or service.split(".")[0].capitalize()
    name = f"AWSServiceRoleFor{base}"
    if req.get("CustomSuffix"):
        name += f"_{req['CustomSuffix']}"
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": [service]}, "Action": ["sts:AssumeRole"]}]})
    if ctx.store.get(Role, ctx.account, name.lower()):
        raise InvalidInput(f"Service role name {name} has been taken in this account, "
                           "please try a different suffix.")
    role = _new_role(ctx, name, f"{_SLR_PATH}{service}/", trust, req)
    role.ServiceLinked = True
    ctx.store.put(role)
    return {"Role": role_out(ctx, role)}


@SERVICE.op("DeleteServiceLinkedRole")
def delete_service_linked_role(ctx: Call, req: dict) -> dict:
    role = get_role(ctx, req["RoleName"])
    if not role.ServiceLinked:
        raise InvalidInput(f"Role {role.RoleName} is not a service-linked role.")
    role.InlinePolicies.clear()
    role.AttachedPolicies.clear()
    _delete_role(ctx, role)
    service = role.Path.split("/")[2]
    return {"DeletionTaskId": f"task/aws-service-role/{service}/{role.RoleName}/{ctx.ids.uuid()}"}


@SERVICE.op("GetServiceLinkedRoleDeletionStatus")
def get_service_linked_role_deletion_status(ctx: Call, req: dict) -> dict:
    """Deletion is immediate in Nuvem, so every well-formed task has succeeded."""
    if not req["DeletionTaskId"].startswith("task/aws-service-role/"):
        raise InvalidInput(f"Invalid deletion task id: {req['DeletionTaskId']}")
    return {"Status": "SUCCEEDED"}


# -- instance profiles ---------------------------------------------------------------------------
@SERVICE.op("CreateInstanceProfile")
def create_instance_profile(ctx: Call, req: dict) -> dict:
    name = req["InstanceProfileName"]
    if ctx.store.get(InstanceProfile, ctx.account, name.lower()):
        raise EntityAlreadyExists(f"Instance Profile {name} already exists.")
    profile = InstanceProfile(account=ctx.account, key=name.lower(), InstanceProfileName=name,
                              Path=check_path(req.get("Path")),
                              InstanceProfileId=new_id(ctx, "AIPA"), CreateDate=ctx.now)
    ctx.store.put(profile)
    add_tags(ctx, profile.arn, req.get("Tags"))
    return {"InstanceProfile": profile_out(ctx, profile, tags=bool(req.get("Tags")))}


@SERVICE.op("GetInstanceProfile")
def get_instance_profile_op(ctx: Call, req: dict) -> dict:
    return {"InstanceProfile": profile_out(ctx, get_instance_profile(ctx, req["InstanceProfileName"]),
                                           tags=True)}


@SERVICE.op("ListInstanceProfiles")
def list_instance_profiles(ctx: Call, req: dict) -> dict:
    profiles = [p for p in ctx.store.query(InstanceProfile, account=ctx.account)
                if matches_prefix(p.Path, req.get("PathPrefix"))]
    page = paginate(profiles, req, lambda p: p.key, "InstanceProfiles")
    page["InstanceProfiles"] = [profile_out(ctx, p) for p in page["InstanceProfiles"]]
    return page


@SERVICE.op("DeleteInstanceProfile")
def delete_instance_profile(ctx: Call, req: dict) -> dict:
    profile = get_instance_profile(ctx, req["InstanceProfileName"])
    if profile.Roles:
        raise DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
    ctx.store.delete(profile)
    return {}


@SERVICE.op("AddRoleToInstanceProfile")
def add_role_to_instance_profile(ctx: Call, req: dict) -> dict:
    profile = get_instance_profile(ctx, req["InstanceProfileName"])
    role = get_role(ctx, req["RoleName"])
    if role.key in profile.Roles:
        raise EntityAlreadyExists(f"The role with name {role.RoleName} is already associated "
                                  f"with instance profile {profile.InstanceProfileName}.")
    if profile.Roles:
        raise LimitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
    profile.Roles.append(role.key)
    ctx.store.put(profile)
    return {}


@SERVICE.op("RemoveRoleFromInstanceProfile")
def remove_role_from_instance_profile(ctx: Call, req: dict) -> dict:
    profile = get_instance_profile(ctx, req["InstanceProfileName"])
    role = get_role(ctx, req["RoleName"])
    if role.key not in profile.Roles:
        raise NoSuchEntity(f"Role {role.RoleName} in Instance Profile "
                           f"{profile.InstanceProfileName} cannot be found.")
    profile.Roles.remove(role.key)
    ctx.store.put(profile)
    return {}


@SERVICE.op("ListInstanceProfilesForRole")
def list_instance_profiles_for_role(ctx: Call, req: dict) -> dict:
    role = get_role(ctx, req["RoleName"])
    profiles = list(ctx.store.query(InstanceProfile, account=ctx.account, index=("Roles", role.key)))
    page = paginate(profiles, req, lambda p: p.key, "InstanceProfiles")
    page["InstanceProfiles"] = [profile_out(ctx, p) for p in page["InstanceProfiles"]]
    return page


@SERVICE.op("TagInstanceProfile")
def tag_instance_profile(ctx: Call, req: dict) -> dict:
    add_tags(ctx, get_instance_profile(ctx, req["InstanceProfileName"]).arn, req["Tags"])
    return {}


@SERVICE.op("UntagInstanceProfile")
def untag_instance_profile(ctx: Call, req: dict) -> dict:
    ctx.store.untag(get_instance_profile(ctx, req["InstanceProfileName"]).arn, req["TagKeys"])
    return {}


@SERVICE.op("ListInstanceProfileTags")
def list_instance_profile_tags(ctx: Call, req: dict) -> dict:
    return paginate(tag_list(ctx, get_instance_profile(ctx, req["InstanceProfileName"]).arn), req,
                    lambda t: t["Key"], "Tags")
