"""The IAM policy evaluator: AWS's documented policy evaluation logic, pure (no I/O, no store).

Sources (IAM User Guide):
- "Policy evaluation logic" and "How AWS enforcement code logic evaluates requests to allow or deny
  access": by default everything is implicitly denied except the account root user, which has full
  access; an explicit deny in any policy wins; SCPs must allow; within an account, identity-based
  and resource-based policies are a union; permissions boundaries and session policies limit.
- "Policy evaluation for requests within a single account", section on resource-based policies and
  permissions boundaries: "Within an account, an implicit deny in a permissions boundary does not
  limit the permissions granted to an IAM user by a resource-based policy"; a resource-based policy
  that names the role ARN is limited by the boundary and by session policies, one that names the
  role *session* ARN grants to the session directly and is not limited by either.
- "Session policies": "If the resource-based policy specifies the ARN of the user or role as the
  principal, ... the session policy limits"; "if a resource-based policy specifies the ARN of the
  session ..., the permissions are added after the session policy".
- "Cross-account policy evaluation logic": the request is allowed only if the identity side
  (identity policies, boundary, session policies of the requester's account) allows AND the
  resource-based policy of the trusting account allows the principal.
- "AWS JSON policy elements: Principal" / "NotPrincipal": account ids and `arn:...:root` name the
  account (delegating to its IAM policies); `"*"` and `{"AWS": "*"}` are everyone including
  anonymous; NotPrincipal with Deny must list the account, the role and the session to exclude a
  role session; "The NotPrincipal element with a Deny effect will always deny any IAM principal that
  has a permissions boundary policy attached" ("Permissions boundaries for IAM entities").
- "Troubleshoot access denied error messages": the denial message forms used by `denial_message`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from nuvem.iam.conditions import Unresolved
from nuvem.iam.policy import (MATCH_ACCOUNT, MATCH_DIRECT, MATCH_ENTITY, MATCH_NONE,
                              CompiledPolicy, PrincipalSpec, Statement, compile_policy)

PRINCIPAL_TYPES = ("root", "user", "role-session", "federated-user", "service", "anonymous",
                   "web-identity")

# aws:PrincipalType values ("Global condition context keys")
_PRINCIPAL_TYPE_KEY = {"root": "Account", "user": "User", "role-session": "AssumedRole",
                       "federated-user": "FederatedUser", "anonymous": "Anonymous"}

_POLICY_TYPE_TEXT = {
    "scp": "service control policy", "identity": "identity-based policy",
    "resource": "resource-based policy", "boundary": "permissions boundary",
    "session": "session policy",
}


@dataclass(frozen=True)
class Principal:
    """Who is calling.

    - `arn`: the caller's ARN as GetCallerIdentity shows it (the assumed-role *session* ARN for a
      role session, the service name for a service principal, "*" or "anonymous" for anonymous).
    - `entity_arn`: the IAM entity behind a session (the role ARN for a role session, the IAM user
      ARN for a federated user); defaults to `arn` for users and root.
    """
    arn: str
    account: str = ""
    type: str = "user"
    tags: Mapping[str, str] = field(default_factory=dict)
    entity_arn: str | None = None
    userid: str | None = None

    @property
    def identity_arn(self) -> str:
        if self.entity_arn:
            return self.entity_arn
        if self.type == "root":
            return f"arn:{_partition(self.arn)}:iam::{self.account}:root"
        return self.arn

    @property
    def principal_arn(self) -> str:
        """aws:PrincipalArn ("Global condition context keys"): the role ARN for a role session,
        the federated-user ARN for a federated user, otherwise the caller's ARN."""
        if self.type == "role-session" and self.entity_arn:
            return self.entity_arn
        if self.type == "federated-user":
            return self.arn
        return self.identity_arn

    @property
    def name(self) -> str:
        return self.arn.rsplit("/", 1)[-1]


def _partition(arn: str) -> str:
    parts = arn.split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "arn" else "aws"


@dataclass
class Request:
    """What is being authorized: one action on one or more resources (each must be allowed)."""
    principal: Principal
    action: str
    resource: str | Sequence[str] = "*"
    resource_account: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    _ctx: dict | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def resources(self) -> tuple[str, ...]:
        r = self.resource
        return (r,) if isinstance(r, str) else tuple(r)

    @property
    def target_account(self) -> str:
        return self.resource_account or self.principal.account

    def condition_context(self) -> dict:
        """Context keys lowercased, with the principal's global keys filled in unless given."""
        if self._ctx is not None:
            return self._ctx
        p = self.principal
        ctx: dict[str, Any] = {}
        if p.type not in ("anonymous", "service", "web-identity"):
            ctx["aws:principalarn"] = p.principal_arn
            ctx["aws:principalaccount"] = p.account
            if p.type in _PRINCIPAL_TYPE_KEY:
                ctx["aws:principaltype"] = _PRINCIPAL_TYPE_KEY[p.type]
            if p.userid:
                ctx["aws:userid"] = p.userid
            elif p.type == "root":
                ctx["aws:userid"] = p.account
            if p.type == "user":
                ctx["aws:username"] = p.name
            for k, v in p.tags.items():
                ctx["aws:principaltag/" + k.lower()] = v
            ctx["aws:principalisawsservice"] = "false"
        elif p.type == "service":
            ctx["aws:principalisawsservice"] = "true"
            ctx["aws:principalservicename"] = p.arn
        elif p.type == "anonymous":
            ctx["aws:principaltype"] = "Anonymous"
        for k, v in self.context.items():
            ctx[k.lower()] = v
        self._ctx = ctx
        return ctx


@dataclass
class Decision:
    allowed: bool
    effect: str  # "Allow" | "ExplicitDeny" | "ImplicitDeny"
    reason: str  # phrase for the denial message, e.g. "no identity-based policy allows the X action"
    policy_type: str | None = None  # which kind of policy denied or was missing
    resource: str | None = None
    trace: list[dict] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.allowed


# ---------------------------------------------------------------------------------------------
# Principal matching (resource-based policies)
# ---------------------------------------------------------------------------------------------

def _principal_level(spec: PrincipalSpec, p: Principal) -> int:
    """How a Principal element names the caller: MATCH_DIRECT (the user, the session, or "*"),
    MATCH_ENTITY (the role behind a session, the user behind a federated session),
    MATCH_ACCOUNT (the caller's account), or MATCH_NONE."""
    if spec.any:
        return MATCH_DIRECT
    t = p.type
    if t == "service":
        return MATCH_DIRECT if p.arn.lower() in spec.services else MATCH_NONE
    if t == "anonymous":
        return MATCH_NONE
    if t == "web-identity":
        # AssumeRoleWithWebIdentity / WithSAML: `arn` is the identity provider (an OIDC provider
        # ARN, a SAML provider ARN, or a name such as "cognito-identity.amazonaws.com").
        return MATCH_DIRECT if p.arn in spec.federated else MATCH_NONE
    if t in ("role-session", "federated-user"):
        if p.arn in spec.aws:
            return MATCH_DIRECT
        if p.identity_arn in spec.aws:
            return MATCH_ENTITY
    elif t == "user":
        if p.arn in spec.aws:
            return MATCH_DIRECT
    if p.account in spec.accounts:
        return MATCH_ACCOUNT
    return MATCH_NONE


def _not_principal_excludes(spec: PrincipalSpec, p: Principal) -> bool:
    """NotPrincipal excludes the caller only when every link of its chain is listed: the account,
    the entity and, for sessions, the session ARN ("AWS JSON policy elements: NotPrincipal")."""
    if spec.any:
        return True
    t = p.type
    if t == "service":
        return p.arn.lower() in spec.services
    if t == "anonymous":
        return False
    if t == "web-identity":
        return p.arn in spec.federated
    if p.account not in spec.accounts:
        return False
    if t == "root":
        return True
    if t == "user":
        return p.arn in spec.aws
    return p.arn in spec.aws and p.identity_arn in spec.aws


# ---------------------------------------------------------------------------------------------
# Statement matching
# ---------------------------------------------------------------------------------------------

def _statement_applies(st: Statement, action_l: str, resource: str, ctx: Mapping[str, Any]) -> bool:
    if not st.action_matches(action_l):
        return False
    try:
        if not st.resource_matches(resource, ctx):
            return False
        if st.condition is not None and not st.condition.evaluate(ctx):
            return False
    except Unresolved:
        return False  # "Policy variables": an unresolvable variable makes the statement not apply
    return True


def _as_compiled(policies: Any, kind: str) -> list[CompiledPolicy]:
    if policies is None:
        return []
    if isinstance(policies, (CompiledPolicy, str, dict)):
        policies = [policies]
    out = []
    for i, p in enumerate(policies):
        if isinstance(p, CompiledPolicy):
            out.append(p)
        elif isinstance(p, tuple) and len(p) == 2:  # (name, document)
            name, doc = p
            out.append(doc if isinstance(doc, CompiledPolicy) else
                       compile_policy(doc, kind, name, validate_document=False))
        else:
            out.append(compile_policy(p, kind, f"{kind}-{i}", validate_document=False))
    return out


def _trace(trace: list, kind: str, st: Statement, extra: str | None = None):
    entry = {"policy_type": kind, "policy": st.policy_name, "sid": st.sid, "effect": st.effect,
             "statement": st.index}
    if extra:
        entry["match"] = extra
    trace.append(entry)


# ---------------------------------------------------------------------------------------------
# The evaluator
# ---------------------------------------------------------------------------------------------

def evaluate(request: Request, *, identity_policies: Iterable = (), resource_policy: Any = None,
             boundary: Any = None, session_policies: Any = None, scp: Any = None,
             require_resource_policy: bool = False) -> Decision:
    """Decide one request. Policies are `CompiledPolicy` objects (fast path), or documents /
    (name, document) pairs compiled on the fly. `session_policies=None` or `[]`: no session
    policy applies. `scp=None`: not in an organization (no SCP applies).

    `require_resource_policy=True` for resources whose resource-based policy must always name the
    caller (or its account), even within one account: a role's trust policy for sts:AssumeRole
    ("the trust policy ... must allow"), and KMS key policies ("no principal, not even the account
    root, has access to a KMS key unless the key policy allows it")."""
    ids = _as_compiled(identity_policies, "identity")
    rps = _as_compiled(resource_policy, "resource")
    bps = _as_compiled(boundary, "boundary")
    sps = _as_compiled(session_policies, "session")
    # SCPs: a flat list is one level; a list of lists is the organization's levels (root, OUs,
    # account), each of which must allow ("SCP evaluation": every level in the hierarchy).
    if scp is not None and not isinstance(scp, (str, dict, CompiledPolicy)) and \
            any(isinstance(x, list) for x in scp):
        scps = [_as_compiled(level, "scp") for level in scp]
    else:
        compiled_scp = _as_compiled(scp, "scp")
        scps = [compiled_scp] if compiled_scp else []
    decision = None
    for res in request.resources or ("*",):
        decision = _evaluate_one(request, res, ids, rps, bps, sps, scps, require_resource_policy)
        if not decision.allowed:
            return decision
    return decision


def _evaluate_one(request: Request, resource: str, ids, rps, bps, sps, scps,
                  require_resource_policy: bool = False) -> Decision:
    p = request.principal
    action = request.action
    action_l = action.lower()
    service = action_l.split(":", 1)[0]
    ctx = request.condition_context()
    trace: list[dict] = []
    has_boundary = bool(bps)

    scp_allow = [False] * len(scps)
    id_allow = False
    b_allow = False
    s_allow = False
    res_level = MATCH_NONE

    def deny(kind: str) -> Decision:
        return Decision(False, "ExplicitDeny", f"with an explicit deny in a{'n' if kind == 'identity' else ''} "
                        f"{_POLICY_TYPE_TEXT[kind]}", kind, resource, trace)

    # 1. Explicit deny anywhere wins; collect allows on the way.
    groups = [("scp", level, i) for i, level in enumerate(scps)]
    groups += [("resource", rps, 0), ("identity", ids, 0), ("boundary", bps, 0), ("session", sps, 0)]
    for kind, pols, level_index in groups:
        for pol in pols:
            for st in pol.candidates(service):
                level = MATCH_DIRECT
                if kind == "resource":
                    if st.principal is not None:
                        level = _principal_level(st.principal, p)
                        if level == MATCH_NONE:
                            continue
                    elif st.not_principal is None:
                        continue  # a resource-based statement with neither element names nobody
                    else:
                        # "The NotPrincipal element with a Deny effect will always deny any IAM
                        # principal that has a permissions boundary policy attached"
                        if not (not st.allow and has_boundary) and _not_principal_excludes(st.not_principal, p):
                            continue
                if not _statement_applies(st, action_l, resource, ctx):
                    continue
                _trace(trace, kind, st)
                if not st.allow:
                    return deny(kind)
                if kind == "identity":
                    id_allow = True
                elif kind == "resource":
                    res_level = max(res_level, level)
                elif kind == "boundary":
                    b_allow = True
                elif kind == "session":
                    s_allow = True
                else:
                    scp_allow[level_index] = True

    def implicit(kind: str) -> Decision:
        return Decision(False, "ImplicitDeny",
                        f"no {_POLICY_TYPE_TEXT[kind]} allows the {action} action", kind, resource, trace)

    def allow() -> Decision:
        return Decision(True, "Allow", "allowed", None, resource, trace)

    # 2. Organizations SCPs must allow (they apply to the member account's root user too).
    if scps and not all(scp_allow) and p.type not in ("service", "anonymous"):
        return implicit("scp")

    same_account = request.target_account == p.account

    # 3. Anonymous and service principals: only a resource-based policy can grant.
    if p.type in ("anonymous", "service", "web-identity"):
        return allow() if res_level > MATCH_NONE else implicit("resource")

    if require_resource_policy and res_level == MATCH_NONE:
        return implicit("resource")

    # 4. The root user has full access to its own account's resources.
    if p.type == "root":
        if same_account or res_level > MATCH_NONE:
            return allow()
        return implicit("resource")

    if not has_boundary:
        b_allow = True
    if not sps:
        s_allow = True

    if same_account:
        # Resource-based grant naming the user or the session itself: not limited by an implicit
        # deny in a boundary or session policy.
        if res_level == MATCH_DIRECT:
            return allow()
        # Grant to the role ARN (or the user behind a federated session), or an identity grant:
        # limited by the boundary and session policies.
        if res_level == MATCH_ENTITY or id_allow:
            if not b_allow:
                return implicit("boundary")
            if not s_allow:
                return implicit("session")
            return allow()
        return implicit("identity")

    # 5. Cross-account: the requester's side and the resource's side must both allow.
    if not id_allow:
        return implicit("identity")
    if not b_allow:
        return implicit("boundary")
    if not s_allow:
        return implicit("session")
    if res_level == MATCH_NONE:
        return implicit("resource")
    return allow()


def denial_message(request: Request, decision: Decision) -> str:
    """AWS's AccessDenied message: "User: arn:... is not authorized to perform: svc:Action on
    resource: arn:... because no identity-based policy allows the svc:Action action"."""
    p = request.principal
    who = "anonymous" if p.type == "anonymous" else p.arn
    resource = decision.resource or (request.resources[0] if request.resources else "*")
    head = f"User: {who} is not authorized to perform: {request.action} on resource: {resource}"
    if decision.allowed:
        return head.replace(" is not authorized", " is authorized")
    if decision.effect == "ExplicitDeny":
        return f"{head} {decision.reason}"
    return f"{head} because {decision.reason}"


__all__ = ["Principal", "Request", "Decision", "evaluate", "denial_message", "PRINCIPAL_TYPES"]
