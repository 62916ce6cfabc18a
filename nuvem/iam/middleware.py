"""authorize(call): every call's accesses, evaluated against its principal's policies.

The accesses (action, resource ARNs, context keys) come from `actions.accesses`; the principal's
identity policies and boundary come through an injected lookup, so this module never reads IAM's
records. Root is allowed everything, as in AWS. `NUVEM_IAM=log` allows but logs what it would deny.

Temporary credentials: an assumed-role session is evaluated as the evaluator's "role-session"
(the role's policies ∩ its boundary ∩ the session policies), a federated user as "federated-user"
(the user's policies ∩ boundary ∩ session policies). Trust actions (sts:AssumeRole and the
sts:TagSession / sts:SetSourceIdentity that go with it) are evaluated with the role's trust policy
as the resource-based policy, which must always allow (`require_resource_policy`), for the root
user too; a role that does not exist answers the same AccessDenied, as STS does.
"""
from __future__ import annotations

import dataclasses
import logging
import re
import threading
from datetime import timezone
from typing import Callable

from nuvem.context import Call
from nuvem.errors import AwsError
from nuvem.iam import actions
from nuvem.iam.evaluate import Principal as IamPrincipal
from nuvem.iam.evaluate import Decision, Request, denial_message, evaluate
from nuvem.iam.policy import PolicyCache
from nuvem.protocol import specs

log = logging.getLogger("nuvem.iam")

# (identity policies as [(name, document)], boundary as (name, document) or None, and optionally
# session policies as [(name, document)]) of a principal
PolicyLookup = Callable[[Call], tuple]
# role ARN -> its trust policy as (name, document), or None when there is no such role
TrustLookup = Callable[[str], tuple[str, str] | None]

# The context keys that change with the clock, and how a policy that reads them shows.
_CLOCK_KEYS = frozenset({"aws:CurrentTime", "aws:EpochTime"})
_TIME_KEY = re.compile(r"(?i)aws:(currenttime|epochtime)")
TRUST_ACTIONS = frozenset({"sts:assumerole", "sts:tagsession", "sts:setsourceidentity"})
_KINDS = {"assumed-role": "role-session"}
# sts:GetSessionToken: "No permissions are required for users to perform this operation ... You
# cannot use policies to control authentication operations" (STS API reference). Belongs with
# `no_permission_needed` in data/actions/_overrides.json.
_NO_PERMISSION = frozenset({("sts", "GetSessionToken")})


class Authorizer:
    def __init__(self, mode: str, policies: PolicyLookup, trust: TrustLookup | None = None):
        self.mode = mode
        self.policies = policies
        self.trust = trust
        self._cache = PolicyCache(4096)
        self._decisions: dict[tuple, Decision] = {}   # see _service_decision
        self._lock = threading.Lock()   # the cache is an OrderedDict; calls run on a thread pool

    def authorize(self, call: Call, operation, resources: "ResourceLookup | None" = None,
                  accesses: "list[actions.Access] | None" = None,
                  owner: Callable[[Call], tuple[str, bool] | None] | None = None,
                  accesses_of: Callable[[Call], "list[actions.Access] | None"] | None = None
                  ) -> None:
        """Allow the call or raise the service's access-denied error. `resources` is the
        service's view of what an access touches (owner account, resource-based policy, ACL
        grants). `accesses`: what the call needs, when the service knows better than the
        operation's data (a PartiQL statement names its own table and action). `owner`: the
        service's `owner_of` (services/__init__.py), a shortcut for the root user.
        `accesses_of`: the service's own `accesses`, asked after that shortcut (its
        `accesses_of`)."""
        principal = call.principal
        if self.mode == "off" or principal is None:
            return
        if principal.kind in ("anonymous", "service") and resources is None:
            return   # no resource policy to consult: the handler decides (unsigned calls are
            # refused by authentication for every service but S3)
        if actions.needs_no_permission(call.service, operation.name) or \
                (call.service, operation.name) in _NO_PERMISSION:
            if operation.name != "GetCallerIdentity":
                _session_limits(call, principal)
            return
        _session_limits(call, principal)
        if owner is not None and principal.kind == "root" and accesses is None:
            found = owner(call)      # the same answer `check` gives root, without the accesses
            if found is not None and found[0] == principal.account and not found[1]:
                return
        if accesses is None and accesses_of is not None:
            accesses = accesses_of(call)
        if accesses is not None:
            self.check(call, operation.name, accesses, resources)
            return
        accesses = list(actions.accesses(call.service, operation, call.params, call.account,
                                         call.region))
        if call.service == "sts" and operation.name == "AssumeRole":
            accesses += _assume_role_extras(call.params, accesses)
        elif call.service == "sts" and operation.name == "GetFederationToken":
            # the federated user the call creates ("Actions, resources, and condition keys for
            # AWS STS": federated-user resource type)
            arn = f"arn:aws:sts::{call.account}:federated-user/{call.params.get('Name', '')}"
            accesses = [a.replace(resources=[arn]) for a in accesses]
        self.check(call, operation.name, accesses, resources)

    def permits(self, call: Call, access: "actions.Access", resources: "ResourceLookup") -> bool:
        """Whether the caller may make `access` (S3: may it list the bucket, which decides
        between 404 and 403 for a missing key)."""
        if self.mode != "enforce" or call.principal is None:
            return True      # `log` mode allows, as it does for the call itself
        try:
            self.check(call, access.action, [access], resources, quiet=True)
        except AwsError:
            return False
        return True

    def check(self, call: Call, what: str, accesses: list, resources: "ResourceLookup | None",
              quiet: bool = False) -> None:
        principal = call.principal
        views = [resources(call, access) if resources else None for access in accesses]
        if principal.kind == "service" and self._kept_allowed(call, accesses, views):
            return
        trust_checks = [a for a in accesses if a.action.lower() in TRUST_ACTIONS and self.trust]
        # Root may do anything in its own account; another account's resource needs that
        # resource's policy (or ACL) to let it in, so it is evaluated.
        if principal.kind == "root" and not trust_checks and \
                not any(v and (v.policy or v.account != principal.account) for v in views):
            return
        identity, boundary, session = _unpack(self.policies(call)) \
            if principal.kind not in ("root", "anonymous", "service") else ([], None, [])
        with self._lock:
            compiled = [self._cache.get(doc, "identity", name) for name, doc in identity]
            compiled_boundary = self._cache.get(boundary[1], "boundary", boundary[0]) if boundary else None
            compiled_session = [self._cache.get(doc, "session", name) for name, doc in session]
        who = context = context_key = None       # made when a request is first built
        for access, view in zip(accesses, views):
            trust = access.action.lower() in TRUST_ACTIONS and self.trust is not None
            if view is not None and not view.exists:
                continue     # the handler answers for a resource that is not there (NoSuchBucket)
            if principal.kind == "root" and not trust and \
                    not (view and (view.policy or view.account != principal.account)):
                continue
            resource_policy, resource_account = None, call.account
            if trust:
                role_arn = access.resources[0] if access.resources else ""
                found = self.trust(role_arn)
                resource_account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else call.account
                if found is not None:
                    with self._lock:
                        resource_policy = self._cache.get(found[1], "resource", found[0])
            elif view is not None:
                resource_account = view.account
                if view.policy:
                    with self._lock:
                        resource_policy = self._cache.get(view.policy[1], "resource", view.policy[0])
            if principal.kind == "root" and not trust and resource_account == principal.account \
                    and resource_policy is not None and not resource_policy.denies:
                continue    # root in its own account: only an explicit deny could refuse it
                # (`evaluate`, step 4), and this policy has no Deny statement
            if who is None:
                who = iam_principal(principal)
                context, context_key = _context_of(call, keyed=principal.kind == "service")
            request = Request(principal=who, action=access.action, resource=access.resources,
                              resource_account=resource_account,
                              context={**context, **access.context,
                                       **(view.context if view is not None and view.context else {})})
            if principal.kind == "service" and resource_policy is not None and not trust:
                decision = self._service_decision(request, resource_policy, _decision_key(
                    view.policy, principal.arn, access, resource_account, context_key))
            else:
                decision = evaluate(request, identity_policies=compiled,
                                    boundary=compiled_boundary, session_policies=compiled_session,
                                    resource_policy=resource_policy, require_resource_policy=trust)
            if decision.allowed:
                continue
            if view is not None and view.grants and decision.effect != "ExplicitDeny" and \
                    self._granted(request, view, compiled, compiled_boundary, compiled_session):
                continue
            message = denial_message(request, decision)
            if trust:   # STS names no reason: "User: ... is not authorized to perform:
                # sts:AssumeRole on resource: arn:aws:iam::...:role/..."
                message = message.split(" because ")[0].split(" with an explicit deny")[0]
            if quiet:
                raise access_denied(call, message)
            log.info("denied %s.%s req=%s: %s; trace=%s", call.service, what,
                     call.request_id, message, decision.trace)
            if self.mode == "enforce":
                raise access_denied(call, message, encode_failure(request, decision))

    def _service_decision(self, request: Request, resource_policy, key: tuple | None
                          ) -> "Decision":
        """A service principal (SNS delivering to a queue, on every publish) is judged by the
        resource's policy alone, so the decision is a function of that policy and the request:
        kept by `key` (`_decision_key`), unless the policy reads the clock. Only such decisions
        are ever kept, so a kept one is used before the policy is searched for clock keys."""
        decision = self._decisions.get(key) if key is not None else None
        if decision is not None:
            return decision
        decision = evaluate(request, resource_policy=resource_policy)
        if key is not None and not _TIME_KEY.search(resource_policy.text):
            if len(self._decisions) >= 4096:
                self._decisions.clear()
            self._decisions[key] = decision
        return decision

    def _kept_allowed(self, call: Call, accesses: list, views: list) -> bool:
        """Whether a kept decision (`_service_decision`) already allows each of a service
        principal's accesses, so no request needs building (an SNS delivery to a queue)."""
        context_key = None
        for access, view in zip(accesses, views):
            if view is not None and not view.exists:
                continue        # as in `check`: the handler answers for it
            if view is None or not view.policy or access.action.lower() in TRUST_ACTIONS:
                return False
            if context_key is None:
                context_key = _context_of(call, keyed=True)[1]
                if context_key is None:
                    return False
            key = _decision_key(view.policy, call.principal.arn, access, view.account,
                                context_key)
            decision = self._decisions.get(key) if key is not None else None
            if decision is None or not decision.allowed:
                return False
        return True

    @staticmethod
    def _granted(request: Request, view: "ResourceView", compiled, boundary, session) -> bool:
        """Access an ACL grants the caller's account (or everyone): it stands in for a
        resource-based policy naming the account, so a caller from that account still needs its
        identity policies to allow, unless it is anonymous or the account's root."""
        if request.principal.type in ("anonymous", "root"):
            return True
        same_account = dataclasses.replace(request, resource_account=request.principal.account)
        return evaluate(same_account, identity_policies=compiled, boundary=boundary,
                        session_policies=session).allowed


@dataclasses.dataclass(frozen=True)
class ResourceView:
    """What a service tells the authorizer about the resource an access touches."""
    account: str                           # the resource owner's account
    policy: tuple[str, str] | None = None  # (name, document) of its resource-based policy
    grants: bool = False                   # an ACL grants the caller this access
    exists: bool = True
    context: dict | None = None            # condition keys the resource gives (S3's object tags)


# (call, access) -> the view of the resource the access touches, or None for no resource
ResourceLookup = Callable[[Call, "actions.Access"], ResourceView | None]


def iam_principal(principal) -> IamPrincipal:
    """The evaluator's view of the caller (role sessions are its "role-session")."""
    return IamPrincipal(arn=principal.arn, account=principal.account,
                        type=_KINDS.get(principal.kind, principal.kind), userid=principal.user_id,
                        tags=dict(principal.tags), entity_arn=principal.entity_arn)


def _session_limits(call: Call, principal) -> None:
    """What some temporary credentials can never call, whatever their policies say (STS API
    reference, GetSessionToken and GetFederationToken): credentials from GetSessionToken call IAM
    only with MFA, and STS only for AssumeRole and GetCallerIdentity; a federated user calls no IAM
    and no STS operation but GetCallerIdentity. IAM answers InvalidClientTokenId, STS
    AccessDenied "Cannot call <Operation> with session credentials"."""
    if not principal.session_key or call.service not in ("iam", "sts"):
        return
    if call.service == "sts" and call.operation == "GetCallerIdentity":
        return
    if principal.kind == "federated-user":
        pass
    elif principal.kind in ("user", "root"):
        if call.service == "sts" and call.operation == "AssumeRole":
            return
        if call.service == "iam" and principal.mfa:
            return
    else:
        return
    if call.service == "sts" and call.operation in ("GetSessionToken", "GetFederationToken"):
        return   # the handlers answer "Cannot call ... with session credentials"
    if call.service == "iam":   # what IAM answers such credentials
        raise AwsError("The security token included in the request is invalid.",
                       code="InvalidClientTokenId", status=403)
    raise AwsError(f"Cannot call {call.operation} with session credentials", code="AccessDenied",
                   status=403)


def _unpack(found) -> tuple:
    if len(found) == 2:
        return found[0], found[1], []
    return found


def _assume_role_extras(params: dict, accesses: list) -> list:
    """AssumeRole with session tags also needs sts:TagSession, with a source identity also
    sts:SetSourceIdentity, both allowed by the trust policy ("Passing session tags in AWS STS",
    "Monitor and control actions taken with assumed roles")."""
    base = next((a for a in accesses if a.action == "sts:AssumeRole"), None)
    if base is None:
        return []
    if params.get("SerialNumber") and params.get("TokenCode"):
        # the handler refuses a wrong code, so the trust policy may count on MFA being present
        i = accesses.index(base)
        base = accesses[i] = base.replace(context={
            "aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "0"})
    extras = []
    if params.get("Tags"):
        extras.append(actions.Access("sts:TagSession", list(base.resources), dict(base.context)))
    if params.get("SourceIdentity"):
        extras.append(actions.Access("sts:SetSourceIdentity", list(base.resources),
                                     dict(base.context)))
    return extras


def _decision_key(policy: tuple[str, str], principal_arn: str, access, account: str | None,
                  context_key: tuple | None) -> tuple | None:
    """What a service principal's decision depends on (see `_service_decision`): the resource
    policy's text and name, the principal, the access and its context keys, the resource's
    account and the global condition keys but the clock's. None: a value that cannot be a key."""
    if context_key is None:
        return None
    try:
        own = tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                           for k, v in access.context.items())) if access.context else ()
        key = (policy[1], policy[0], principal_arn, access.action, tuple(access.resources),
               account, context_key, own)
        hash(key)
    except TypeError:
        return None
    return key


def _global_context(call: Call) -> dict:
    return _context_of(call)[0]


def _context_of(call: Call, keyed: bool = False) -> tuple[dict, tuple | None]:
    """The global condition keys of a call (a dict nobody may change) and, if `keyed`, those
    but the clock's as a key (None if one cannot be). Calls of one `Call.batch` in one region
    share them: the clock's keys then read the time of the batch's first call."""
    batch = call.batch
    if batch is not None:
        principal = call.principal
        name = ("iam.context", call.region, principal.kind if principal else None,
                principal.arn if principal else None, call.source_arn, call.source_account)
        found = batch.get(name)
        if found is None or (keyed and found[1] is None):
            context = found[0] if found is not None else _make_context(call)
            found = batch[name] = (context, _context_key(context) if keyed else None)
        return found
    context = _make_context(call)
    return context, _context_key(context) if keyed else None


def _context_key(context: dict) -> tuple | None:
    try:
        key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                           for k, v in context.items() if k not in _CLOCK_KEYS))
        hash(key)
    except TypeError:
        return None
    return key


def _make_context(call: Call) -> dict:
    now = call.now.astimezone(timezone.utc)
    return {
        "aws:SourceIp": call.request.client_ip,
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:SecureTransport": "true" if call.request.scheme == "https" else "false",
        "aws:RequestedRegion": call.region,
        "aws:UserAgent": call.request.headers.get("user-agent", ""),
        **_referer(call),
        **({"aws:SourceArn": call.source_arn} if call.source_arn else {}),
        **({"aws:SourceAccount": call.source_account} if call.source_account else {}),
        **_source_owner(call),
        **_session_context(call.principal, now),
    }


def _referer(call: Call) -> dict:
    """aws:Referer, present only when the request sent a Referer header."""
    referer = call.request.headers.get("referer")
    return {"aws:Referer": referer} if referer is not None else {}


def _source_owner(call: Call) -> dict:
    """AWS:SourceOwner, the legacy key of SNS's default topic policy: the account a request
    comes from (the source's owner for a service calling on its behalf)."""
    principal = call.principal
    owner = call.source_account or (principal.account if principal is not None and
                                     principal.kind not in ("anonymous", "service") else None)
    return {"aws:SourceOwner": owner} if owner else {}


def _session_context(principal, now) -> dict:
    """aws:MultiFactorAuthPresent/Age and aws:SourceIdentity of temporary credentials (absent
    for long-term keys, as AWS documents)."""
    if principal is None or principal.mfa is None:
        return {}
    out = {"aws:MultiFactorAuthPresent": "true" if principal.mfa else "false"}
    if principal.mfa and principal.mfa_at is not None:
        out["aws:MultiFactorAuthAge"] = str(int((now - principal.mfa_at).total_seconds()))
    if principal.source_identity:
        out["aws:SourceIdentity"] = principal.source_identity
    if principal.issued_at is not None:
        out["aws:TokenIssueTime"] = principal.issued_at.astimezone(timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
    return out


ENCODED_PREFIX = "nuvem1."


def encode_failure(request: Request, decision) -> str:
    """EC2's "Encoded authorization failure message", which sts:DecodeAuthorizationMessage turns
    back into the JSON AWS documents (allowed, explicitDeny, matchedStatements, failures,
    context). AWS encrypts it; ours is zlib + base64url behind a version prefix, since it holds
    nothing the caller did not send or could not learn from the plain message."""
    import base64
    import json
    import zlib
    p = request.principal
    statements = [{"statementId": t.get("sid") or "", "effect": "DENY" if decision.effect ==
                   "ExplicitDeny" and t is decision.trace[-1] else "ALLOW",
                   "policyType": t.get("policy_type"), "policyName": t.get("policy")}
                  for t in decision.trace]
    conditions = [{"key": k, "values": {"items": [{"value": str(x)} for x in
                                                  (v if isinstance(v, list) else [v])]}}
                  for k, v in sorted(request.condition_context().items())]
    body = {"allowed": False, "explicitDeny": decision.effect == "ExplicitDeny",
            "matchedStatements": {"items": statements}, "failures": {"items": []},
            "context": {"principal": {"id": p.userid or "", "arn": p.arn},
                        "action": request.action, "resource": decision.resource or "",
                        "conditions": {"items": conditions}}}
    raw = zlib.compress(json.dumps(body, separators=(",", ":")).encode(), 9)
    return ENCODED_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_failure(encoded: str) -> dict | None:
    """The JSON of an `encode_failure` message, or None if it is not one."""
    import base64
    import binascii
    import json
    import zlib
    if not encoded.startswith(ENCODED_PREFIX):
        return None
    data = encoded[len(ENCODED_PREFIX):]
    try:
        return json.loads(zlib.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))))
    except (ValueError, binascii.Error, zlib.error):
        return None


def access_denied(call: Call, message: str, encoded: str | None = None) -> AwsError:
    """The service's own access-denied error: EC2's UnauthorizedOperation (with AWS's "Encoded
    authorization failure message"), AccessDeniedException where the service models one and in
    JSON services without a query heritage, else the query family's AccessDenied."""
    if call.protocol == "ec2":
        tail = f". Encoded authorization failure message: {encoded}" if encoded else ""
        return AwsError(f"You are not authorized to perform this operation. {message}{tail}",
                        code="UnauthorizedOperation", status=403)
    if call.principal is not None and call.principal.kind == "anonymous":
        return AwsError("Access Denied", code="AccessDenied", status=403)   # S3 says no more
    model = specs.service_model(call.service)
    json_family = call.protocol in ("json", "smithy-rpc-v2-cbor")
    if "AccessDeniedException" in model.shape_names or \
            (json_family and "awsQueryCompatible" not in model.metadata):
        # JSON services answer AccessDeniedException, 400, modelled or not (DynamoDB, Logs)
        return AwsError(message, code="AccessDeniedException", status=400 if json_family else 403)
    return AwsError(message, code="AccessDenied", status=403)
