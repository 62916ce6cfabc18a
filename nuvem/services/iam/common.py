"""Helpers shared by the IAM operation modules: ids, lookups, paths, tags, pagination."""
from __future__ import annotations

import base64
import re

from nuvem.context import Call
from nuvem.core.ids import BASE32
from nuvem.protocol import specs
from nuvem.protocol.validate import (Problem, coral_message, member_constraint,
                                     tag_pattern_problems, tag_text_ok)
from nuvem.services.iam.errors import (InvalidInput, LimitExceeded, NoSuchEntity,
                                       ValidationError)
from nuvem.services.iam.models import Group, InstanceProfile, Role, User

_PATH = re.compile(r"^/([\x21-\x7e]*/)?$")
MAX_TAGS = 50


def new_id(ctx: Call, prefix: str) -> str:
    """IAM unique ids: a 4-letter type prefix (AIDA user, AGPA group, AROA role, ANPA policy,
    AIPA instance profile) and 17 characters."""
    return prefix + ctx.ids.chars(BASE32, 17)


def check_path(path: str | None, member: str = "path") -> str:
    path = path or "/"
    if not _PATH.match(path):
        raise ValidationError(f"The specified value for {member} is invalid. It must begin and end "
                              "with / and contain only alphanumeric characters and/or / characters.")
    return path


def matches_prefix(path: str, prefix: str | None) -> bool:
    return not prefix or path.startswith(prefix)


def get_user(ctx: Call, name: str) -> User:
    user = ctx.store.get(User, ctx.account, name.lower())
    if user is None:
        raise NoSuchEntity(f"The user with name {name} cannot be found.")
    return user


def caller_user(ctx: Call, req: dict) -> User:
    """`UserName` when given, else the calling IAM user (operations where IAM defaults to it)."""
    if req.get("UserName"):
        return get_user(ctx, req["UserName"])
    name = calling_user_name(ctx)
    if name:
        return get_user(ctx, name)
    raise ValidationError("Must specify userName when calling with non-User credentials")


def calling_user_name(ctx: Call) -> str | None:
    """The IAM user name of the caller (the last part of `arn:aws:iam::<account>:user/<path>
    <name>`), or None for root, roles and the anonymous principal."""
    principal = ctx.principal
    if principal is None or principal.kind != "user":
        return None
    return principal.arn.rsplit("/", 1)[-1]


def get_group(ctx: Call, name: str) -> Group:
    group = ctx.store.get(Group, ctx.account, name.lower())
    if group is None:
        raise NoSuchEntity(f"The group with name {name} cannot be found.")
    return group


def get_role(ctx: Call, name: str) -> Role:
    role = ctx.store.get(Role, ctx.account, name.lower())
    if role is None:
        raise NoSuchEntity(f"The role with name {name} cannot be found.")
    return role


def get_instance_profile(ctx: Call, name: str) -> InstanceProfile:
    profile = ctx.store.get(InstanceProfile, ctx.account, name.lower())
    if profile is None:
        raise NoSuchEntity(f"Instance Profile {name} cannot be found.")
    return profile


# -- tags ---------------------------------------------------------------------------------------
def tag_list(ctx: Call, arn: str) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in sorted(ctx.store.tags(arn).items())]


def check_tags(tags: list[dict] | None, case_sensitive: bool = False) -> dict[str, str]:
    """`case_sensitive`: a managed policy's tag keys, where IAM tells 'a' from 'A'."""
    problems = tag_pattern_problems(tags or [])
    if problems:
        raise ValidationError(coral_message(problems, values=False))   # IAM quotes none (quirks.py)
    fold = (lambda k: k) if case_sensitive else str.lower
    out: dict[str, str] = {}
    for t in tags or []:
        if fold(t["Key"]) in (fold(k) for k in out):
            raise InvalidInput("Duplicate tag keys found." if case_sensitive else
                               "Duplicate tag keys found. Please note that Tag keys are "
                               "case insensitive.")
        if t["Key"].lower().startswith("aws:"):
            raise InvalidInput("User-specified tag keys can't start with aws:")
        out[t["Key"]] = t.get("Value", "")
    return out


def check_tag_keys(keys: list[str] | None) -> None:
    """The pattern of an Untag* call's TagKeys (the front end checked their lengths), broken as
    AWS words any member's constraint: on the list, with all of them (validate._set_checker)."""
    if keys and not all(tag_text_ok(k) for k in keys):
        constraint = member_constraint(specs.service_model("iam").shape_for("tagKeyListType"))
        raise ValidationError(coral_message(
            [Problem("tagKeys", "TagKeys", "body", None, constraint)], values=False))


def add_tags(ctx: Call, arn: str, tags: list[dict] | None, case_sensitive: bool = False) -> None:
    new = check_tags(tags, case_sensitive)
    if not new:
        return
    current = ctx.store.tags(arn)
    fold = (lambda k: k) if case_sensitive else str.lower
    replaced = {fold(n) for n in new}
    merged = {k: v for k, v in current.items() if fold(k) not in replaced}
    merged.update(new)
    if len(merged) > MAX_TAGS:
        raise LimitExceeded("The number of tags has reached the maximum limit.")
    ctx.store.untag(arn, [k for k in current if k not in merged])
    ctx.store.tag(arn, new)


def replace(ctx: Call, record, change) -> None:
    """Rename or move `record` (a new key and ARN): `change(record)` edits it; tags follow."""
    tags = ctx.store.tags(record.arn)
    ctx.store.delete(record)
    change(record)
    ctx.store.put(record)
    if tags:
        ctx.store.tag(record.arn, tags)


# -- pagination ---------------------------------------------------------------------------------
def paginate(items: list, req: dict, key, result: str) -> dict:
    """`items` sorted by `key(item)` (a string); Marker/MaxItems/IsTruncated as IAM pages."""
    start = 0
    if req.get("Marker"):
        try:
            after = base64.urlsafe_b64decode(req["Marker"].encode()).decode()
        except (ValueError, UnicodeDecodeError):
            raise ValidationError("Invalid Marker.")
        start = next((i for i, it in enumerate(items) if key(it) > after), len(items))
    limit = req.get("MaxItems") or 100
    page = items[start:start + limit]
    out = {result: page, "IsTruncated": start + limit < len(items)}
    if out["IsTruncated"]:
        out["Marker"] = base64.urlsafe_b64encode(key(page[-1]).encode()).decode()
    return out


def boundary_out(arn: str | None) -> dict | None:
    if not arn:
        return None
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn}


def drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}
