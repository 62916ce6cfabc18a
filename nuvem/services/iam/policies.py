"""Managed policies (customer and AWS), versions, attachments, inline policies, boundaries."""
from __future__ import annotations

import re
from dataclasses import dataclass

from nuvem.context import Call
from nuvem.iam.policy import check_size
from nuvem.services.iam import SERVICE
from nuvem.services.iam.common import (add_tags, check_path, drop_none, get_group, get_role,
                                       get_user, matches_prefix, new_id, paginate, tag_list)
from nuvem.services.iam.documents import encode, normalize, validate_document
from nuvem.services.iam.errors import (DeleteConflict, EntityAlreadyExists, InvalidInput,
                                       LimitExceeded, NoSuchEntity, ValidationError)
from nuvem.services.iam.managed import AwsPolicy, aws_policies, aws_policy
from nuvem.services.iam.models import Group, Policy, PolicyVersion, Role, User

MAX_VERSIONS = 5
MAX_ATTACHED = 10


@dataclass
class Found:
    """A managed policy of either kind, as the attach and read operations need it."""
    arn: str
    customer: Policy | None
    aws: AwsPolicy | None

    @property
    def name(self) -> str:
        return self.customer.PolicyName if self.customer else self.aws.PolicyName

    @property
    def path(self) -> str:
        return self.customer.Path if self.customer else self.aws.Path

    @property
    def document(self) -> str:
        return self.customer.document if self.customer else self.aws.Document


def _customer(ctx: Call, arn: str) -> Policy | None:
    prefix = f"arn:aws:iam::{ctx.account}:policy/"
    if not arn.startswith(prefix):
        return None
    name = arn.rsplit("/", 1)[-1]
    policy = ctx.store.get(Policy, ctx.account, name.lower())
    return policy if policy is not None and policy.arn == arn else None


def find_policy(ctx: Call, arn: str, message: str = "Policy {arn} was not found.") -> Found:
    if not arn.startswith("arn:"):
        raise ValidationError(f"ARN {arn} is not valid.")
    aws = aws_policy(arn)
    customer = None if aws else _customer(ctx, arn)
    if aws is None and customer is None:
        raise NoSuchEntity(message.format(arn=arn))
    return Found(arn, customer, aws)


def attachable(ctx: Call, arn: str) -> Found:
    return find_policy(ctx, arn, "Policy {arn} does not exist or is not attachable.")


_POLICY_ARN = re.compile(r"arn:aws:iam::(\d{12}|aws):policy/.+", re.DOTALL)


def boundary(ctx: Call, arn: str) -> str:
    """The ARN of a permissions boundary's policy, refused in IAM's words for boundaries."""
    if not _POLICY_ARN.fullmatch(arn):
        raise InvalidInput(f"ARN {arn} is not valid.")
    return find_policy(ctx, arn, "Scope ARN: {arn} does not exist or is not attachable.").arn


def customer_policy(ctx: Call, arn: str, message: str = "Policy {arn} was not found.") -> Policy:
    found = find_policy(ctx, arn, message)
    if found.customer is None:
        raise InvalidInput(f"Policy {arn} is an AWS managed policy and cannot be modified.")
    return found.customer


def attachment_count(ctx: Call, arn: str) -> int:
    return sum(ctx.store.count(cls, account=ctx.account, index=("AttachedPolicies", arn))
               for cls in (User, Group, Role))


def boundary_count(ctx: Call, arn: str) -> int:
    return sum(ctx.store.count(cls, account=ctx.account, index=("PermissionsBoundary", arn))
               for cls in (User, Role))


def policy_out(ctx: Call, found: Found, tags: bool = False, description: bool = True) -> dict:
    """`tags`: the policy's Tags, an empty list included (GetPolicy's answer). CreatePolicy and
    ListPolicies answer no Description (IAM documents ListPolicies' omission)."""
    p = found.customer or found.aws
    out = {"PolicyName": p.PolicyName, "PolicyId": p.PolicyId, "Arn": found.arn, "Path": p.Path,
           "DefaultVersionId": p.DefaultVersionId, "AttachmentCount": attachment_count(ctx, found.arn),
           "PermissionsBoundaryUsageCount": boundary_count(ctx, found.arn), "IsAttachable": True,
           "Description": (p.Description or None) if description else None,
           "CreateDate": p.CreateDate, "UpdateDate": p.UpdateDate}
    if tags:
        out["Tags"] = tag_list(ctx, found.arn) if found.customer else []   # AWS's: untaggable
    return drop_none(out)


def version_out(found: Found, version: PolicyVersion | None, document: bool = True) -> dict:
    if found.aws:
        p = found.aws
        out = {"VersionId": p.DefaultVersionId, "IsDefaultVersion": True, "CreateDate": p.UpdateDate,
               "Document": encode(p.Document)}
    else:
        out = {"VersionId": version.VersionId,
               "IsDefaultVersion": version.VersionId == found.customer.DefaultVersionId,
               "CreateDate": version.CreateDate, "Document": encode(version.Document)}
    if not document:
        del out["Document"]
    return out


def _document(text: str, kind: str = "identity") -> str:
    text = normalize(text)
    validate_document(text, kind)
    return text


def _managed_document(text: str) -> str:
    """A managed policy version's document, within IAM's 6,144-character quota."""
    text = _document(text)
    check_size(text, "managed")
    return text


# -- managed policies ----------------------------------------------------------------------------
@SERVICE.op("CreatePolicy")
def create_policy(ctx: Call, req: dict) -> dict:
    name = req["PolicyName"]
    if ctx.store.get(Policy, ctx.account, name.lower()):
        raise EntityAlreadyExists(f"A policy called {name} already exists. Duplicate names are "
                                  "not allowed.")
    document = _managed_document(req["PolicyDocument"])
    policy = Policy(account=ctx.account, key=name.lower(), PolicyName=name,
                    Path=check_path(req.get("Path")), PolicyId=new_id(ctx, "ANPA"),
                    CreateDate=ctx.now, UpdateDate=ctx.now, DefaultVersionId="v1",
                    Versions=[PolicyVersion("v1", document, ctx.now)],
                    Description=req.get("Description"))
    ctx.store.put(policy)
    add_tags(ctx, policy.arn, req.get("Tags"), case_sensitive=True)
    return {"Policy": policy_out(ctx, Found(policy.arn, policy, None),
                                 tags=bool(req.get("Tags")), description=False)}


@SERVICE.op("GetPolicy")
def get_policy(ctx: Call, req: dict) -> dict:
    return {"Policy": policy_out(ctx, find_policy(ctx, req["PolicyArn"]), tags=True)}


def _all_policies(ctx: Call, scope: str) -> list[Found]:
    found = []
    if scope in ("All", "AWS"):
        found += [Found(arn, None, p) for arn, p in aws_policies().items()]
    if scope in ("All", "Local"):
        found += [Found(p.arn, p, None) for p in ctx.store.query(Policy, account=ctx.account)]
    return sorted(found, key=_policy_key)


def _policy_key(found: Found) -> str:
    return f"{found.name.lower()}\x00{found.arn}"


@SERVICE.op("ListPolicies")
def list_policies(ctx: Call, req: dict) -> dict:
    found = [f for f in _all_policies(ctx, req.get("Scope") or "All")
             if matches_prefix(f.path, req.get("PathPrefix"))]
    usage = req.get("PolicyUsageFilter")
    if req.get("OnlyAttached"):
        if usage == "PermissionsBoundary":
            found = [f for f in found if boundary_count(ctx, f.arn)]
        elif usage == "PermissionsPolicy":
            found = [f for f in found if attachment_count(ctx, f.arn)]
        else:
            found = [f for f in found if attachment_count(ctx, f.arn) or boundary_count(ctx, f.arn)]
    page = paginate(found, req, _policy_key, "Policies")
    page["Policies"] = [policy_out(ctx, f, description=False) for f in page["Policies"]]
    return page


@SERVICE.op("DeletePolicy")
def delete_policy(ctx: Call, req: dict) -> dict:
    policy = customer_policy(ctx, req["PolicyArn"])
    if attachment_count(ctx, policy.arn) or boundary_count(ctx, policy.arn):
        raise DeleteConflict("Cannot delete a policy attached to entities.")
    if len(policy.Versions) > 1:
        raise DeleteConflict("This policy has more than one version. Before you delete a policy, "
                             "you must delete the policy's versions. The default version is "
                             "deleted with the policy.")
    ctx.store.delete(policy)
    return {}


@SERVICE.op("CreatePolicyVersion")
def create_policy_version(ctx: Call, req: dict) -> dict:
    policy = customer_policy(ctx, req["PolicyArn"])
    if len(policy.Versions) >= MAX_VERSIONS:
        raise LimitExceeded(f"A managed policy can have up to {MAX_VERSIONS} versions. Before you "
                            "create a new version, you must delete an existing version.")
    version = PolicyVersion(f"v{policy.NextVersion}", _managed_document(req["PolicyDocument"]),
                            ctx.now)
    policy.NextVersion += 1
    policy.Versions.append(version)
    if req.get("SetAsDefault"):
        policy.DefaultVersionId = version.VersionId
    policy.UpdateDate = ctx.now
    ctx.store.put(policy)
    return {"PolicyVersion": version_out(Found(policy.arn, policy, None), version, document=False)}


def _missing_version(arn: str, version_id: str) -> str:
    # also IAM's answer when the policy itself does not exist (GetPolicyVersion, SetDefault...)
    return f"Policy {arn} version {version_id} does not exist or is not attachable."


def _version(policy: Policy, version_id: str) -> PolicyVersion:
    version = policy.version(version_id)
    if version is None:
        raise NoSuchEntity(_missing_version(policy.arn, version_id))
    return version


@SERVICE.op("GetPolicyVersion")
def get_policy_version(ctx: Call, req: dict) -> dict:
    found = find_policy(ctx, req["PolicyArn"], _missing_version("{arn}", req["VersionId"]))
    if found.aws:
        if req["VersionId"] != found.aws.DefaultVersionId:
            raise NoSuchEntity(_missing_version(found.arn, req["VersionId"]))
        return {"PolicyVersion": version_out(found, None)}
    return {"PolicyVersion": version_out(found, _version(found.customer, req["VersionId"]))}


@SERVICE.op("ListPolicyVersions")
def list_policy_versions(ctx: Call, req: dict) -> dict:
    found = find_policy(ctx, req["PolicyArn"])
    if found.aws:
        versions = [version_out(found, None, document=False)]
    else:
        versions = [version_out(found, v, document=False)
                    for v in sorted(found.customer.Versions, key=lambda v: v.CreateDate,
                                    reverse=True)]
    return paginate(versions, req, lambda v: f"{999999 - int(v['VersionId'][1:]):06d}", "Versions")


@SERVICE.op("DeletePolicyVersion")
def delete_policy_version(ctx: Call, req: dict) -> dict:
    policy = customer_policy(ctx, req["PolicyArn"])
    version = _version(policy, req["VersionId"])
    if version.VersionId == policy.DefaultVersionId:
        raise DeleteConflict("Cannot delete the default version of a policy.")
    policy.Versions.remove(version)
    ctx.store.put(policy)
    return {}


@SERVICE.op("SetDefaultPolicyVersion")
def set_default_policy_version(ctx: Call, req: dict) -> dict:
    policy = customer_policy(ctx, req["PolicyArn"], _missing_version("{arn}", req["VersionId"]))
    policy.DefaultVersionId = _version(policy, req["VersionId"]).VersionId
    policy.UpdateDate = ctx.now
    ctx.store.put(policy)
    return {}


@SERVICE.op("TagPolicy")
def tag_policy(ctx: Call, req: dict) -> dict:
    add_tags(ctx, customer_policy(ctx, req["PolicyArn"]).arn, req["Tags"], case_sensitive=True)
    return {}


@SERVICE.op("UntagPolicy")
def untag_policy(ctx: Call, req: dict) -> dict:
    ctx.store.untag(customer_policy(ctx, req["PolicyArn"]).arn, req["TagKeys"])
    return {}


@SERVICE.op("ListPolicyTags")
def list_policy_tags(ctx: Call, req: dict) -> dict:
    return paginate(tag_list(ctx, customer_policy(ctx, req["PolicyArn"]).arn), req,
                    lambda t: t["Key"], "Tags")


# -- attachments ---------------------------------------------------------------------------------
_GETTERS = {"User": (get_user, "UserName"), "Group": (get_group, "GroupName"),
            "Role": (get_role, "RoleName")}


def _attach(ctx: Call, req: dict, kind: str) -> dict:
    getter, member = _GETTERS[kind]
    entity = getter(ctx, req[member])
    found = attachable(ctx, req["PolicyArn"])
    if found.arn not in entity.AttachedPolicies:
        if len(entity.AttachedPolicies) >= MAX_ATTACHED:
            raise LimitExceeded(f"Cannot exceed quota for PoliciesPer{kind}: {MAX_ATTACHED}")
        entity.AttachedPolicies.append(found.arn)
        ctx.store.put(entity)
    return {}


def _detach(ctx: Call, req: dict, kind: str) -> dict:
    getter, member = _GETTERS[kind]
    entity = getter(ctx, req[member])
    if req["PolicyArn"] not in entity.AttachedPolicies:
        raise NoSuchEntity(f"Policy {req['PolicyArn']} was not found.")
    entity.AttachedPolicies.remove(req["PolicyArn"])
    ctx.store.put(entity)
    return {}


def _list_attached(ctx: Call, req: dict, kind: str) -> dict:
    getter, member = _GETTERS[kind]
    entity = getter(ctx, req[member])
    items = []
    for arn in entity.AttachedPolicies:
        found = aws_policy(arn) or _customer(ctx, arn)
        if found is not None and matches_prefix(found.Path, req.get("PathPrefix")):
            items.append({"PolicyName": found.PolicyName, "PolicyArn": arn})
    items.sort(key=lambda i: (i["PolicyName"].lower(), i["PolicyArn"]))
    return paginate(items, req, lambda i: f"{i['PolicyName'].lower()}\x00{i['PolicyArn']}",
                    "AttachedPolicies")


for _kind in _GETTERS:
    SERVICE.op(f"Attach{_kind}Policy")(lambda ctx, req, k=_kind: _attach(ctx, req, k))
    SERVICE.op(f"Detach{_kind}Policy")(lambda ctx, req, k=_kind: _detach(ctx, req, k))
    SERVICE.op(f"ListAttached{_kind}Policies")(lambda ctx, req, k=_kind: _list_attached(ctx, req, k))


@SERVICE.op("ListEntitiesForPolicy")
def list_entities_for_policy(ctx: Call, req: dict) -> dict:
    found = find_policy(ctx, req["PolicyArn"])
    entity_filter, usage = req.get("EntityFilter"), req.get("PolicyUsageFilter")
    indexes = {"PermissionsPolicy": ("AttachedPolicies",),
               "PermissionsBoundary": ("PermissionsBoundary",)}.get(
        usage, ("AttachedPolicies", "PermissionsBoundary"))
    rows: dict[str, tuple[str, dict]] = {}
    for kind, cls, name_field, id_field in (("Group", Group, "GroupName", "GroupId"),
                                            ("User", User, "UserName", "UserId"),
                                            ("Role", Role, "RoleName", "RoleId")):
        if entity_filter in ("User", "Role", "Group") and entity_filter != kind:
            continue
        for index in indexes:
            if index == "PermissionsBoundary" and cls is Group:
                continue
            for e in ctx.store.query(cls, account=ctx.account, index=(index, found.arn)):
                if matches_prefix(e.Path, req.get("PathPrefix")):
                    rows[f"{kind}\x00{e.key}"] = (kind, {name_field: getattr(e, name_field),
                                                         id_field: getattr(e, id_field)})
    if entity_filter == "LocalManagedPolicy" and found.aws or \
            entity_filter == "AWSManagedPolicy" and found.customer:
        rows = {}
    ordered = sorted(rows.items())
    page = paginate(ordered, req, lambda r: r[0], "rows")
    out = {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": [],
           "IsTruncated": page["IsTruncated"]}
    for _, (kind, item) in page["rows"]:
        out[f"Policy{kind}s"].append(item)
    if "Marker" in page:
        out["Marker"] = page["Marker"]
    return out


# -- inline policies -----------------------------------------------------------------------------
def _put_inline(ctx: Call, req: dict, kind: str) -> dict:
    getter, member = _GETTERS[kind]
    entity = getter(ctx, req[member])
    entity.InlinePolicies[req["PolicyName"]] = _document(req["PolicyDocument"])
    # the quota is the entity's inline policies together (2,048 user, 5,120 group, 10,240 role)
    check_size("".join(entity.InlinePolicies.values()), kind.lower(), req[member])
    ctx.store.put(entity)
    return {}


def _inline(entity, kind: str, name: str) -> str:
    if name not in entity.InlinePolicies:
        raise NoSuchEntity(f"The {kind.lower()} policy with name {name} cannot be found.")
    return entity.InlinePolicies[name]


def _get_inline(ctx: Call, req: dict, kind: str) -> dict:
    getter, member = _GETTERS[kind]
    entity = getter(ctx, req[member])
    document = _inline(entity, kind, req["PolicyName"])
    return {member: getattr(entity, member), "PolicyName": req["PolicyName"],
            "PolicyDocument": encode(document)}


def _delete_inline(ctx: Call, req: dict, kind: str) -> dict:
    getter, member = _GETTERS[kind]
    entity = getter(ctx, req[member])
    _inline(entity, kind, req["PolicyName"])
    del entity.InlinePolicies[req["PolicyName"]]
    ctx.store.put(entity)
    return {}


def _list_inline(ctx: Call, req: dict, kind: str) -> dict:
    getter, member = _GETTERS[kind]
    names = sorted(getter(ctx, req[member]).InlinePolicies)
    return paginate(names, req, lambda n: n, "PolicyNames")


for _kind in _GETTERS:
    SERVICE.op(f"Put{_kind}Policy")(lambda ctx, req, k=_kind: _put_inline(ctx, req, k))
    SERVICE.op(f"Get{_kind}Policy")(lambda ctx, req, k=_kind: _get_inline(ctx, req, k))
    SERVICE.op(f"Delete{_kind}Policy")(lambda ctx, req, k=_kind: _delete_inline(ctx, req, k))
    SERVICE.op(f"List{_kind}Policies")(lambda ctx, req, k=_kind: _list_inline(ctx, req, k))


# -- permissions boundaries ----------------------------------------------------------------------
def _put_boundary(ctx: Call, req: dict, kind: str) -> dict:
    getter, member = _GETTERS[kind]
    entity = getter(ctx, req[member])
    entity.PermissionsBoundary = boundary(ctx, req["PermissionsBoundary"])
    ctx.store.put(entity)
    return {}


def _delete_boundary(ctx: Call, req: dict, kind: str) -> dict:
    getter, member = _GETTERS[kind]
    entity = getter(ctx, req[member])
    entity.PermissionsBoundary = None
    ctx.store.put(entity)
    return {}


for _kind in ("User", "Role"):
    SERVICE.op(f"Put{_kind}PermissionsBoundary")(lambda ctx, req, k=_kind: _put_boundary(ctx, req, k))
    SERVICE.op(f"Delete{_kind}PermissionsBoundary")(
        lambda ctx, req, k=_kind: _delete_boundary(ctx, req, k))

