"""AWS Security Token Service: temporary credentials as `sts.Session` records.

Who may call what is decided by the authorizer before a handler runs (for AssumeRole: the caller's
identity policies and the role's trust policy, see `nuvem/iam/middleware.py`); these handlers check
what the request itself must satisfy (durations, names, session policies, tags) and issue the
credentials. Roles, policies and MFA devices are read through IAM's narrow lookup view.
"""
from __future__ import annotations

import json
import math
import re
import zlib
from datetime import timedelta

from nuvem.context import Call
from nuvem.iam import policy as iam_policy
from nuvem.protocol.validate import coral_message, pattern_check, tag_pattern_problems
from nuvem.services.sts import SERVICE
from nuvem.services.sts.errors import (AccessDenied, ExpiredToken, InvalidIdentityToken,
                                       InvalidParameterValue, MalformedPolicyDocument,
                                       PackedPolicyTooLarge, ValidationError)
from nuvem.services.sts.models import Session


def _iam():
    """IAM's lookup, imported on first use: GetCallerIdentity, the first call of most sessions,
    must not pay for loading the IAM service."""
    from nuvem.services.iam import lookup
    return lookup

ROLE_CHAINING_LIMIT = 3600
SESSION_POLICY_LIMIT = 2048          # plaintext characters of inline + managed session policies
MAX_SESSION_TAGS = 50


def _validation(value, member: str, constraint: str) -> ValidationError:
    return ValidationError(f"1 validation error detected: Value '{value}' at '{member}' failed to "
                           f"satisfy constraint: {constraint}")


def _session_policies(ctx: Call, req: dict, account: str) -> tuple[list[str], str]:
    """The documents of the inline `Policy` and the `PolicyArns` (validated), and the text that
    counts against the packed size."""
    documents, packed = [], ""
    inline = req.get("Policy")
    if inline is not None:
        if iam_policy.policy_size(inline) > SESSION_POLICY_LIMIT:
            raise _validation("policy", "policy", f"Member must have length less than or equal "
                                                   f"to {SESSION_POLICY_LIMIT}")
        try:
            iam_policy.validate(inline, "session")
        except iam_policy.MalformedPolicyDocument as e:
            raise MalformedPolicyDocument(e.message) from None
        documents.append(inline)
        packed += inline
    for i, entry in enumerate(req.get("PolicyArns") or []):
        arn = entry.get("arn", "")
        document = _iam().managed_document(ctx.store, account, arn)
        if document is None:
            raise _validation(arn, f"policyArns.{i + 1}.member.arn",
                              "Member must be the ARN of an existing managed policy")
        documents.append(document)
        packed += arn
    return documents, packed


def _packed_size(ctx: Call, packed: str, tags: dict[str, str]) -> int | None:
    """PackedPolicySize: AWS packs the session policies and tags into a compressed binary form
    and reports its share of the limit, in percent. Ours compresses the same text with zlib
    against 2,048 bytes of packed space; above 100 % the request is refused."""
    if not packed and not tags:
        return None
    text = packed + json.dumps(sorted(tags.items()), separators=(",", ":")) if tags else packed
    size = math.ceil(100 * len(zlib.compress(text.encode(), 9)) / 2048)
    if size > 100:
        raise PackedPolicyTooLarge(f"Packed policy consumes {size}% of allotted space, please use "
                                   "smaller policy.")
    return size


def _session_tags(req: dict, inherited: dict[str, str], transitive: list[str]) -> tuple[dict, list]:
    tags = dict(inherited)
    given = req.get("Tags") or []
    if len(given) > MAX_SESSION_TAGS:
        raise _validation("tags", "tags", f"Member must have length less than or equal to "
                                          f"{MAX_SESSION_TAGS}")
    problems = tag_pattern_problems(given)
    if problems:
        raise ValidationError(coral_message(problems))
    seen = set()
    for tag in given:
        key = tag["Key"]
        if key.lower() in seen:
            raise InvalidParameterValue("Duplicate tag keys found. Please note that Tag keys are "
                                        "case insensitive.")
        seen.add(key.lower())
        if key.lower() in {k.lower() for k in transitive}:
            raise InvalidParameterValue("One of the specified transitive tag keys can't be set "
                                        "because it conflicts with a transitive tag key from the "
                                        "calling session.")
        tags[key] = tag["Value"]
    new_transitive = list(transitive)
    for key in req.get("TransitiveTagKeys") or []:
        if key.lower() not in seen:
            raise InvalidParameterValue("The specified transitive tag key must be included in "
                                        "the requested tags.")
        new_transitive.append(key)
    return tags, new_transitive


def _caller_session(ctx: Call) -> Session | None:
    key = ctx.principal.session_key
    return ctx.store.get(Session, key) if key else None


def _check_mfa(ctx: Call, req: dict) -> bool:
    """SerialNumber + TokenCode: the code must be the current (or a recent) TOTP code of an MFA
    device enabled for the caller. Returns whether MFA was used."""
    serial, code = req.get("SerialNumber"), req.get("TokenCode")
    if not serial and not code:
        return False
    failed = AccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code. ")
    if not serial or not code:
        raise failed
    # IAM's lookup view has no MFA device read yet: read the device record (and IAM's TOTP) here
    # until it does. Codes are not marked used (that would write IAM's record).
    from nuvem.services.iam import account as iam_account
    from nuvem.services.iam.models import MFADevice
    caller = ctx.principal
    prefix = f"arn:aws:iam::{caller.account}:mfa/"
    device = ctx.store.get(MFADevice, caller.account, serial.rsplit("/", 1)[-1].lower()) \
        if serial.startswith(prefix) else None
    owner = getattr(iam_account, "ROOT_KEY", "<root>") if caller.kind == "root" \
        else caller.entity_name.lower()
    if device is None or device.arn != serial or device.user_key != owner:
        raise failed
    totp = iam_account.totp
    step = int(ctx.now.timestamp()) // 30
    if not any(totp(device.Seed, s) == code for s in (step, step - 1, step + 1)):
        raise failed
    return True


def _issue(ctx: Call, seconds: int, **fields) -> Session:
    session = Session(AccessKeyId=ctx.ids.access_key_id("ASIA"), SecretAccessKey=ctx.ids.secret(),
                      SessionToken=ctx.ids.token(192),
                      Expiration=(ctx.now + timedelta(seconds=seconds)).replace(microsecond=0),
                      created=ctx.now, **fields)
    ctx.store.put(session)
    return session


def _credentials(session: Session) -> dict:
    return {"AccessKeyId": session.AccessKeyId, "SecretAccessKey": session.SecretAccessKey,
            "SessionToken": session.SessionToken, "Expiration": session.Expiration}


# partition, service and resource present (region and account may be empty)
_ARN = re.compile(r"arn:[^:]+:[^:]+:[^:]*:[^:]*:.+", re.DOTALL)


_model_patterns = pattern_check("sts")


def authorize(call: Call, operation) -> None:
    """STS answers a member that fails the model's pattern (a RoleSessionName with a colon), then
    a RoleArn that is no ARN at all, before it authorizes anything."""
    _model_patterns(call, call.params)
    role_arn = call.params.get("RoleArn")
    if role_arn is not None and not _ARN.fullmatch(role_arn):
        raise ValidationError(f"{role_arn} is invalid")
    call.runtime.authorizer.authorize(call, operation)


def _role_from_arn(ctx: Call, role_arn: str):
    parts = role_arn.split(":", 5)
    role = None
    if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("role/"):
        role = _iam().role(ctx.store, parts[4], parts[5].rsplit("/", 1)[-1])
    if role is None or role.arn != role_arn:
        raise AccessDenied(f"User: {ctx.principal.arn} is not authorized to perform: "
                           f"sts:AssumeRole on resource: {role_arn}")
    return role


@SERVICE.op("GetCallerIdentity")
def get_caller_identity(ctx: Call, req: dict) -> dict:
    principal = ctx.principal
    return {"UserId": principal.user_id, "Account": principal.account, "Arn": principal.arn}


@SERVICE.op("AssumeRole")
def assume_role(ctx: Call, req: dict) -> dict:
    name = req["RoleSessionName"]
    role = _role_from_arn(ctx, req["RoleArn"])
    caller = ctx.principal
    chained = caller.kind == "assumed-role"
    duration = req.get("DurationSeconds", 3600)
    if duration > role.MaxSessionDuration:
        raise ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set "
                              "for this role.")
    if chained and duration > ROLE_CHAINING_LIMIT:
        raise ValidationError("The requested DurationSeconds exceeds the 1 hour session limit "
                              "for roles assumed by role chaining.")
    mfa = _check_mfa(ctx, req)
    parent = _caller_session(ctx)
    inherited = {k: v for k, v in (parent.tags if parent else {}).items()
                 if k in (parent.transitive_tag_keys if parent else [])}
    tags, transitive = _session_tags(req, inherited, parent.transitive_tag_keys if parent else [])
    documents, packed = _session_policies(ctx, req, role.account)
    packed_size = _packed_size(ctx, packed, {k: v for k, v in tags.items() if k not in inherited})
    source_identity = req.get("SourceIdentity") or (parent.source_identity if parent else None)
    if parent and parent.source_identity and req.get("SourceIdentity") not in (None, parent.source_identity):
        raise AccessDenied(f"User: {caller.arn} is not authorized to perform: "
                           f"sts:SetSourceIdentity on resource: {role.arn}")
    arn = f"arn:aws:sts::{role.account}:assumed-role/{role.RoleName}/{name}"
    user_id = f"{role.RoleId}:{name}"
    session = _issue(ctx, duration, account=role.account, kind="assumed-role", CallerArn=arn,
                     UserId=user_id, entity_arn=role.arn, entity_name=role.RoleName,
                     session_policies=documents, tags=tags, transitive_tag_keys=transitive,
                     source_identity=source_identity, chained=chained,
                     mfa=mfa or bool(caller.mfa), mfa_at=ctx.now if mfa else caller.mfa_at)
    out = {"Credentials": _credentials(session),
           "AssumedRoleUser": {"AssumedRoleId": user_id, "Arn": arn}}
    if packed_size is not None:
        out["PackedPolicySize"] = packed_size
    if source_identity:
        out["SourceIdentity"] = source_identity
    return out


def _long_term_only(ctx: Call, operation: str) -> None:
    if ctx.principal.session_key or ctx.principal.kind not in ("user", "root"):
        raise AccessDenied(f"Cannot call {operation} with session credentials")


@SERVICE.op("GetSessionToken")
def get_session_token(ctx: Call, req: dict) -> dict:
    _long_term_only(ctx, "GetSessionToken")
    caller = ctx.principal
    duration = req.get("DurationSeconds", 43200)
    if caller.kind == "root":
        duration = min(duration, 3600)   # "sessions for AWS account owners defaults to one hour"
    mfa = _check_mfa(ctx, req)
    session = _issue(ctx, duration, account=caller.account, kind=caller.kind,
                     CallerArn=caller.arn, UserId=caller.user_id,
                     entity_arn=caller.arn if caller.kind == "user" else None,
                     entity_name=caller.entity_name if caller.kind == "user" else None,
                     mfa=mfa, mfa_at=ctx.now if mfa else None)
    return {"Credentials": _credentials(session)}


@SERVICE.op("GetFederationToken")
def get_federation_token(ctx: Call, req: dict) -> dict:
    _long_term_only(ctx, "GetFederationToken")
    name = req["Name"]
    caller = ctx.principal
    duration = req.get("DurationSeconds", 43200)
    if caller.kind == "root":
        duration = min(duration, 3600)
    documents, packed = _session_policies(ctx, req, caller.account)
    tags, _ = _session_tags({**req, "TransitiveTagKeys": None}, {}, [])
    packed_size = _packed_size(ctx, packed, tags)
    arn = f"arn:aws:sts::{caller.account}:federated-user/{name}"
    user_id = f"{caller.account}:{name}"
    session = _issue(ctx, duration, account=caller.account, kind="federated-user", CallerArn=arn,
                     UserId=user_id, entity_arn=caller.arn, entity_name=caller.entity_name,
                     session_policies=documents, no_permissions_without_policy=True, tags=tags)
    # unlike AssumeRole's, always answered: 0 when no policy or tag was passed
    return {"Credentials": _credentials(session),
            "FederatedUser": {"FederatedUserId": user_id, "Arn": arn},
            "PackedPolicySize": packed_size or 0}


@SERVICE.op("GetAccessKeyInfo")
def get_access_key_info(ctx: Call, req: dict) -> dict:
    key = req["AccessKeyId"]
    session = ctx.store.get(Session, key) if key.startswith("ASIA") else None
    if session is not None:
        return {"Account": session.account}
    found = _iam().access_key_principal(ctx.store, key)
    if found is not None:
        return {"Account": found[0]}
    from nuvem.auth.credentials import account_for_key
    return {"Account": account_for_key(key)}


# -- AssumeRoleWithWebIdentity --------------------------------------------------------------------
def _b64json(part: str) -> dict:
    import base64
    try:
        value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, TypeError):
        raise InvalidIdentityToken("The ID Token provided is not a valid JWT. (You may see this "
                                   "error if you sent an Access Token)") from None
    if not isinstance(value, dict):
        raise InvalidIdentityToken("The ID Token provided is not a valid JWT. (You may see this "
                                   "error if you sent an Access Token)")
    return value


def _web_identity_claims(token: str) -> tuple[dict, dict]:
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidIdentityToken("The ID Token provided is not a valid JWT. (You may see this "
                                   "error if you sent an Access Token)")
    return _b64json(parts[0]), _b64json(parts[1])


@SERVICE.op("AssumeRoleWithWebIdentity")
def assume_role_with_web_identity(ctx: Call, req: dict) -> dict:
    """Unsigned: the token is the caller's proof. Checked: the JWT's shape, its issuer is an
    OpenID Connect provider registered in IAM in the role's account, its audience is one of the
    provider's client ids, `exp`/`nbf`, and the role's trust policy (evaluated against the
    provider as a federated principal, with the `<issuer>:aud`/`:sub` condition keys). The JWT's
    signature is not verified: Nuvem does not fetch the issuer's keys (see docs/services/sts.md)."""
    from nuvem.iam.evaluate import Principal as IamPrincipal
    from nuvem.iam.evaluate import Request, evaluate

    name = req["RoleSessionName"]
    role_arn = req["RoleArn"]
    parts = role_arn.split(":", 5)
    role = None
    if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("role/"):
        role = _iam().role(ctx.store, parts[4], parts[5].rsplit("/", 1)[-1])
    if role is not None and role.arn != role_arn:
        role = None
    _header, claims = _web_identity_claims(req["WebIdentityToken"])
    issuer = str(claims.get("iss", ""))
    host = issuer[len("https://"):] if issuer.startswith("https://") else issuer
    host = host.rstrip("/")
    account = parts[4] if len(parts) == 6 else ""
    provider = _iam().oidc_provider(ctx.store, account, host) if host else None
    if provider is None:
        raise InvalidIdentityToken(f"No OpenIDConnect provider found in your account for {issuer}")
    audiences = claims.get("aud")
    audiences = audiences if isinstance(audiences, list) else [audiences]
    audience = next((a for a in audiences if a in provider.ClientIDList), None)
    if audience is None:
        raise InvalidIdentityToken("Incorrect token audience")
    now = ctx.now.timestamp()
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or now >= exp:
        raise ExpiredToken("Token expired: current date/time must be before the expiration "
                           "date/time")
    if isinstance(claims.get("nbf"), (int, float)) and now < claims["nbf"]:
        raise InvalidIdentityToken("Token is not yet valid")
    subject = str(claims.get("sub", ""))
    context = {"sts:RoleSessionName": name, f"{host}:aud": audience, f"{host}:sub": subject,
               f"{host}:oaud": audience}
    if req.get("SourceIdentity"):
        context["sts:SourceIdentity"] = req["SourceIdentity"]
    who = IamPrincipal(arn=provider.arn, account=account, type="web-identity")
    trust = [(f"trust:{role.RoleName}", role.AssumeRolePolicyDocument)] if role else None
    decision = evaluate(Request(principal=who, action="sts:AssumeRoleWithWebIdentity",
                                resource=role_arn, resource_account=account, context=context),
                        resource_policy=trust, require_resource_policy=True)
    if role is None or (not decision.allowed and ctx.runtime.config.iam == "enforce"):
        raise AccessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity")
    duration = req.get("DurationSeconds", 3600)
    if duration > role.MaxSessionDuration:
        raise ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set "
                              "for this role.")
    documents, packed = _session_policies(ctx, req, role.account)
    packed_size = _packed_size(ctx, packed, {})
    arn = f"arn:aws:sts::{role.account}:assumed-role/{role.RoleName}/{name}"
    user_id = f"{role.RoleId}:{name}"
    session = _issue(ctx, duration, account=role.account, kind="assumed-role", CallerArn=arn,
                     UserId=user_id, entity_arn=role.arn, entity_name=role.RoleName,
                     session_policies=documents, source_identity=req.get("SourceIdentity"))
    out = {"Credentials": _credentials(session), "SubjectFromWebIdentityToken": subject,
           "AssumedRoleUser": {"AssumedRoleId": user_id, "Arn": arn}, "Provider": issuer,
           "Audience": audience}
    if packed_size is not None:
        out["PackedPolicySize"] = packed_size
    if req.get("SourceIdentity"):
        out["SourceIdentity"] = req["SourceIdentity"]
    return out


@SERVICE.op("DecodeAuthorizationMessage")
def decode_authorization_message(ctx: Call, req: dict) -> dict:
    """The details behind an EC2 "Encoded authorization failure message" (see
    `nuvem.iam.middleware.encode_failure`); the caller needs sts:DecodeAuthorizationMessage."""
    from nuvem.iam.middleware import decode_failure
    from nuvem.services.sts.errors import InvalidAuthorizationMessage
    decoded = decode_failure(req["EncodedMessage"])
    if decoded is None:
        raise InvalidAuthorizationMessage("The message is invalid or could not be decoded.")
    return {"DecodedMessage": json.dumps(decoded)}
