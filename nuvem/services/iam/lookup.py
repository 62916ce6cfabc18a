"""The narrow view of IAM that authentication and authorization read (never the records).

    with store.read() as view:
        found = access_key_principal(view, "AKIA...")
        if found:
            account, user, secret, status = found
            policies = principal_policies(view, account, user.UserName)
            boundary = permissions_boundary(view, account, user.UserName)
"""
from __future__ import annotations

from nuvem.services.iam.managed import aws_policy
from nuvem.services.iam.models import AccessKey, Group, OIDCProvider, Policy, Role, User


def access_key_principal(view, access_key_id: str):
    """(account, user record, secret access key, "Active" | "Inactive") or None."""
    key = view.get(AccessKey, access_key_id)
    if key is None:
        return None
    user = view.get(User, key.account, key.user_key)
    if user is None:
        return None
    return key.account, user, key.SecretAccessKey, key.Status


def managed_document(view, account: str, arn: str) -> str | None:
    """The default version's document of a managed policy (AWS or this account's), or None."""
    aws = aws_policy(arn)
    if aws is not None:
        return aws.Document
    prefix = f"arn:aws:iam::{account}:policy/"
    if not arn.startswith(prefix):
        return None
    policy = view.get(Policy, account, arn.rsplit("/", 1)[-1].lower())
    return policy.document if policy is not None and policy.arn == arn else None


def _entity_policies(view, account: str, entity, label: str) -> list[tuple[str, str]]:
    out = []
    for arn in entity.AttachedPolicies:
        document = managed_document(view, account, arn)
        if document is not None:
            out.append((arn, document))
    out += [(f"{label}:{name}", document) for name, document in sorted(entity.InlinePolicies.items())]
    return out


def principal_policies(view, account: str, user_name: str) -> list[tuple[str, str]]:
    """Every identity policy of a user as (name, document text): attached managed policies (named
    by ARN), inline policies ("user/<name>:<policy>"), and those of each group it belongs to."""
    user = view.get(User, account, user_name.lower())
    if user is None:
        return []
    out = _entity_policies(view, account, user, f"user/{user.UserName}")
    for key in user.Groups:
        group = view.get(Group, account, key)
        if group is not None:
            out += _entity_policies(view, account, group, f"group/{group.GroupName}")
    return out


def permissions_boundary(view, account: str, user_name: str) -> tuple[str, str] | None:
    """The user's permissions boundary as (ARN, document text), or None."""
    user = view.get(User, account, user_name.lower())
    if user is None or not user.PermissionsBoundary:
        return None
    document = managed_document(view, account, user.PermissionsBoundary)
    return (user.PermissionsBoundary, document) if document is not None else None


def role(view, account: str, role_name: str):
    """The role record (trust policy in `AssumeRolePolicyDocument`, `MaxSessionDuration`,
    `RoleId`, `arn`), or None. Names are matched without regard to case, as IAM does."""
    return view.get(Role, account, role_name.lower())


def role_policies(view, account: str, role_name: str) -> list[tuple[str, str]]:
    """A role's identity policies as (name, document text): attached managed policies (by ARN)
    and inline ones ("role/<name>:<policy>")."""
    found = role(view, account, role_name)
    if found is None:
        return []
    return _entity_policies(view, account, found, f"role/{found.RoleName}")


def role_permissions_boundary(view, account: str, role_name: str) -> tuple[str, str] | None:
    found = role(view, account, role_name)
    if found is None or not found.PermissionsBoundary:
        return None
    document = managed_document(view, account, found.PermissionsBoundary)
    return (found.PermissionsBoundary, document) if document is not None else None


def oidc_provider(view, account: str, url: str):
    """The OpenID Connect provider for an issuer URL (with or without https://), or None."""
    host = url[len("https://"):] if url.startswith("https://") else url
    return view.get(OIDCProvider, account, host.rstrip("/"))
