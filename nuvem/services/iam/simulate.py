"""Policy simulation: SimulatePrincipalPolicy, SimulateCustomPolicy and GetContextKeysFor*Policy.

Every decision comes from `nuvem.iam.evaluate`, the evaluator the gateway enforces with, fed the
same policies `lookup.py` gives the authorizer (a user's attached and inline policies, its groups'
and its permissions boundary), so what the simulator says is what a real call gets.

Reference: IAM API Reference, SimulatePrincipalPolicy / SimulateCustomPolicy / EvaluationResult /
ContextEntry; IAM User Guide, "Testing IAM policies with the IAM policy simulator".
"""
from __future__ import annotations

import base64
import json
import re

from nuvem.context import Call
from nuvem.iam.evaluate import Principal, Request, evaluate
from nuvem.iam.conditions import Unresolved
from nuvem.iam.policy import MalformedPolicyDocument, compile_policy
from nuvem.services.iam import SERVICE
from nuvem.services.iam.errors import InvalidInput, NoSuchEntity, PolicyEvaluation
from nuvem.services.iam.lookup import managed_document
from nuvem.services.iam.managed import aws_policy
from nuvem.services.iam.models import Group, Role, User


_ACTION = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$")
_SOURCE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):(user|group|role)(/.*)$")
_ACCOUNT = re.compile(r"^\d{12}$")


class _Source:
    """The policies under simulation: (compiled policy, SourcePolicyId, SourcePolicyType)."""

    def __init__(self):
        self.identity: list = []
        self.boundary: list = []
        self.meta: dict[str, tuple[str, str]] = {}   # compiled policy name -> (id, type)
        self.texts: dict[str, str] = {}
        self._positions: dict[str, list] = {}

    def positions(self, name: str) -> list:
        if name not in self._positions:
            self._positions[name] = statement_positions(self.texts.get(name, ""))
        return self._positions[name]

    def add(self, into: list, text: str, kind: str, policy_id: str, policy_type: str) -> None:
        name = f"{len(self.meta)}:{policy_id}"
        try:
            compiled = compile_policy(text, kind, name)
        except MalformedPolicyDocument as e:
            raise InvalidInput(f"Invalid policy document {policy_id}: {e.message}") from None
        self.meta[name] = (policy_id, policy_type)
        self.texts[name] = text
        into.append(compiled)


def _managed(ctx: Call, src: _Source, into: list, arn: str) -> None:
    text = managed_document(ctx.store, ctx.account, arn)
    if text is None:
        return
    kind = "boundary" if into is src.boundary else "identity"
    ptype = "aws-managed" if aws_policy(arn) is not None else "user-managed"
    src.add(into, text, kind, arn.rsplit("/", 1)[-1], ptype)


def _entity(ctx: Call, src: _Source, entity, ptype: str) -> None:
    for arn in entity.AttachedPolicies:
        _managed(ctx, src, src.identity, arn)
    for pname, text in sorted(entity.InlinePolicies.items()):
        src.add(src.identity, text, "identity", pname, ptype)


def _source_principal(ctx: Call, arn: str, src: _Source) -> Principal:
    m = _SOURCE.match(arn)
    if not m:
        raise InvalidInput(f"Invalid ARN: {arn}")
    account, kind, rest = m.groups()
    name = rest.rsplit("/", 1)[-1]
    record = {"user": User, "group": Group, "role": Role}[kind]
    entity = ctx.store.get(record, account, name.lower()) if account == ctx.account else None
    if entity is None or entity.arn != arn:
        raise NoSuchEntity(f"Could not find {kind} with ARN {arn}.")
    _entity(ctx, src, entity, kind)
    if kind == "user":
        for key in entity.Groups:
            group = ctx.store.get(Group, account, key)
            if group is not None:
                _entity(ctx, src, group, "group")
    boundary = getattr(entity, "PermissionsBoundary", None)
    if boundary:
        _managed(ctx, src, src.boundary, boundary)
    if kind == "user":
        return Principal(arn=arn, account=account, type="user", userid=entity.UserId,
                         tags=ctx.store.tags(arn))
    if kind == "role":
        return Principal(arn=arn, account=account, type="role-session", entity_arn=arn,
                         userid=entity.RoleId, tags=ctx.store.tags(arn))
    return Principal(arn=arn, account=account, type="user", userid=entity.GroupId)


def _caller(ctx: Call, arn: str) -> Principal:
    m = re.match(r"^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):(\S+)$", arn)
    if not m:
        raise InvalidInput(f"Invalid ARN: {arn}")
    account, rest = m.groups()
    if rest == "root":
        return Principal(arn=arn, account=account, type="root")
    if rest.startswith("assumed-role/"):
        role = rest.split("/")[1]
        return Principal(arn=arn, account=account, type="role-session",
                         entity_arn=f"arn:aws:iam::{account}:role/{role}")
    if rest.startswith("role/"):
        return Principal(arn=arn, account=account, type="role-session", entity_arn=arn)
    if rest.startswith("user/"):
        return Principal(arn=arn, account=account, type="user")
    raise InvalidInput(f"Invalid ARN: {arn}")


# -- context entries -----------------------------------------------------------------------------
def _context(entries: list | None) -> dict:
    out: dict = {}
    for e in entries or []:
        key = e.get("ContextKeyName")
        values = e.get("ContextKeyValues") or []
        ktype = e.get("ContextKeyType") or "string"
        if not key:
            raise InvalidInput("ContextKeyName is required for each context entry.")
        conv = []
        for v in values:
            base = ktype[:-4] if ktype.endswith("List") else ktype
            if base == "numeric":
                try:
                    float(v)
                except ValueError:
                    raise InvalidInput(f"Invalid numeric value {v} for context key {key}.") from None
            elif base == "boolean":
                if v.lower() not in ("true", "false"):
                    raise InvalidInput(f"Invalid boolean value {v} for context key {key}.")
                v = v.lower()
            conv.append(v)
        if ktype.endswith("List"):
            out[key] = conv
        elif conv:
            out[key] = conv[0] if len(conv) == 1 else conv
    return out


# -- statement positions -------------------------------------------------------------------------
def statement_positions(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """((line, column), (line, column)) of each statement object of a policy document: its `{`
    and its `}`, 1-based. A single scan; [] when the text is not shaped as expected."""
    out = []
    depth, line, col = 0, 1, 0
    in_string = escaped = False
    token: list[str] = []
    last_string = None
    statement_depth = None   # depth of the Statement value's container once seen
    expect_value = False
    start = None
    for ch in text:
        if ch == "\n":
            line, col = line + 1, 0
        else:
            col += 1
        if in_string:
            if escaped:
                escaped = False
                token.append(ch)
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
                last_string = "".join(token)
            else:
                token.append(ch)
            continue
        if ch == '"':
            in_string, token = True, []
        elif ch == ":":
            if depth == 1 and last_string == "Statement" and statement_depth is None:
                expect_value = True
        elif ch in "[{":
            if expect_value:
                expect_value = False
                if ch == "{":
                    statement_depth = depth      # a single statement object
                    start = (line, col)
                else:
                    statement_depth = depth + 1  # an array of statements
            elif statement_depth is not None and depth == statement_depth and ch == "{":
                start = (line, col)
            depth += 1
        elif ch in "]}":
            depth -= 1
            if statement_depth is not None and depth == statement_depth and ch == "}" \
                    and start is not None:
                out.append((start, (line, col)))
                start = None
        last_string = last_string if ch in ': \t\r\n"' or in_string else None
    return out


def _position(pos: tuple[int, int]) -> dict:
    return {"Line": pos[0], "Column": pos[1]}


# -- the simulation ------------------------------------------------------------------------------
def _statement_raw(policy) -> list:
    doc = json.loads(policy.text)
    stmts = doc["Statement"]
    return [stmts] if isinstance(stmts, dict) else stmts


def _condition_keys(raw: dict) -> list[str]:
    keys = []
    for body in (raw.get("Condition") or {}).values():
        if isinstance(body, dict):
            keys += list(body)
    return keys


def _missing(policies: list, action: str, resource: str, ctx_l: dict) -> list[str]:
    """Condition keys of statements that match the action and resource, absent from the context."""
    action_l = action.lower()
    out: list[str] = []
    for pol in policies:
        raws = None
        for st in pol.candidates(action_l.split(":", 1)[0]):
            if st.condition is None or not st.action_matches(action_l):
                continue
            try:
                if not st.resource_matches(resource, ctx_l):
                    continue
            except Unresolved:
                pass
            raws = raws or _statement_raw(pol)
            for key in _condition_keys(raws[st.index]):
                if key.lower() not in ctx_l and key.lower() not in (k.lower() for k in out):
                    out.append(key)
    return out


def _resource_account(req: dict, principal: Principal) -> str:
    owner = req.get("ResourceOwner")
    if not owner:
        return principal.account
    if _ACCOUNT.match(owner):
        return owner
    m = re.match(r"^arn:aws[a-z-]*:iam::(\d{12}):root$", owner)
    if not m:
        raise InvalidInput(f"Invalid ResourceOwner: {owner}. It must be an account ARN "
                           "(arn:aws:iam::<account>:root).")
    return m.group(1)


def _simulate(ctx: Call, req: dict, src: _Source, principal: Principal) -> dict:
    for i, text in enumerate(req.get("PolicyInputList") or [], 1):
        src.add(src.identity, text, "identity", f"PolicyInputList.{i}", "none")
    if req.get("PermissionsBoundaryPolicyInputList"):
        src.boundary.clear()   # the input replaces the entity's own boundary
    for i, text in enumerate(req.get("PermissionsBoundaryPolicyInputList") or [], 1):
        src.add(src.boundary, text, "boundary",
                f"PermissionsBoundaryPolicyInputList.{i}", "none")
    resource_policy = []
    if req.get("ResourcePolicy"):
        try:
            resource_policy = [compile_policy(req["ResourcePolicy"], "resource", "ResourcePolicy")]
        except MalformedPolicyDocument as e:
            raise InvalidInput(f"Invalid resource policy: {e.message}") from None
        src.meta["ResourcePolicy"] = ("ResourcePolicy", "resource")
        src.texts["ResourcePolicy"] = req["ResourcePolicy"]
    if resource_policy and not req.get("CallerArn") and (principal is None
                                                       or ":user/" not in principal.arn):
        raise InvalidInput("CallerArn must be specified when simulating a resource policy with "
                           "a source that is not an IAM user.")
    if req.get("CallerArn"):
        caller = _caller(ctx, req["CallerArn"])
        principal = Principal(arn=caller.arn, account=caller.account, type=caller.type,
                              entity_arn=caller.entity_arn, userid=principal.userid,
                              tags=principal.tags) if principal else caller
    if principal is None:
        principal = Principal(arn=f"arn:aws:iam::{ctx.account}:user/SimulatedUser",
                              account=ctx.account, type="user")
    actions = req.get("ActionNames") or []
    for a in actions:
        if not _ACTION.match(a):
            raise InvalidInput(f"Invalid action name: {a}. Actions must be service:Action.")
    resources = req.get("ResourceArns") or ["*"]
    for r in resources:
        if r != "*" and not (r.startswith("arn:") and len(r.split(":", 5)) == 6):
            raise InvalidInput(f"Invalid ARN: {r}")
    target = _resource_account(req, principal)
    context = _context(req.get("ContextEntries"))
    results = []
    for action in actions:
        per_resource = [_one(src, principal, action, r, target, context, resource_policy)
                        for r in resources]
        if len(per_resource) == 1:
            results.append(per_resource[0])
            continue
        for res in per_resource:
            detail = {"EvalResourceName": res["EvalResourceName"],
                      "EvalResourceDecision": res["EvalDecision"],
                      "MatchedStatements": res["MatchedStatements"],
                      "MissingContextValues": res["MissingContextValues"]}
            for k in ("EvalDecisionDetails", "PermissionsBoundaryDecisionDetail"):
                if k in res:
                    detail[k] = res[k]
            results.append({**res, "ResourceSpecificResults": [detail]})
    return _page(results, req)


_DECISIONS = {"Allow": "allowed", "ExplicitDeny": "explicitDeny", "ImplicitDeny": "implicitDeny"}


def _one(src: _Source, principal: Principal, action: str, resource: str, target: str,
         context: dict, resource_policy: list) -> dict:
    request = Request(principal=principal, action=action, resource=resource,
                      resource_account=target, context=context)
    try:
        decision = evaluate(request, identity_policies=src.identity,
                            resource_policy=resource_policy or None,
                            boundary=src.boundary or None)
    except Exception as e:  # noqa: BLE001 - reported as IAM reports evaluation failures
        raise PolicyEvaluation(f"Error evaluating policies for {action}: {e}") from None
    ctx_l = request.condition_context()
    matched = []
    wanted = {"Allow": "Allow", "ExplicitDeny": "Deny"}.get(decision.effect)
    for entry in decision.trace:
        if entry.get("effect") != wanted:
            continue   # an explicit deny names the denying statement; an implicit deny none
        policy_id, policy_type = src.meta.get(entry["policy"], (entry["policy"], "none"))
        statement = {"SourcePolicyId": policy_id, "SourcePolicyType": policy_type}
        positions = src.positions(entry["policy"])
        if entry.get("statement") is not None and entry["statement"] < len(positions):
            begin, end = positions[entry["statement"]]
            statement["StartPosition"], statement["EndPosition"] = _position(begin), _position(end)
        if statement not in matched:
            matched.append(statement)
    missing = _missing(src.identity + src.boundary + resource_policy, action, resource, ctx_l)
    out = {"EvalActionName": action, "EvalResourceName": resource,
           "EvalDecision": _DECISIONS[decision.effect], "MatchedStatements": matched,
           "MissingContextValues": missing}
    if src.boundary:
        allowed = evaluate(Request(principal=Principal(arn=principal.arn, account=principal.account,
                                                       type="user", tags=principal.tags,
                                                       userid=principal.userid),
                                   action=action, resource=resource, context=context),
                           identity_policies=src.boundary).allowed
        out["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": allowed}
    if resource_policy:
        identity_side = evaluate(Request(principal=principal, action=action, resource=resource,
                                         context=context),
                                 identity_policies=src.identity, boundary=src.boundary or None)
        resource_side = evaluate(request, resource_policy=resource_policy)
        rp = "implicitDeny"
        if resource_side.effect == "ExplicitDeny":
            rp = "explicitDeny"
        elif any(t["policy_type"] == "resource" and t["effect"] == "Allow"
                 for t in resource_side.trace):
            rp = "allowed"
        out["EvalDecisionDetails"] = {"IAM Policy": _DECISIONS[identity_side.effect],
                                      "Resource Policy": rp}
    return out


def _page(results: list, req: dict) -> dict:
    start = 0
    if req.get("Marker"):
        try:
            start = int(base64.urlsafe_b64decode(req["Marker"].encode()).decode())
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput("Invalid Marker.") from None
    limit = req.get("MaxItems") or 100
    page = results[start:start + limit]
    out = {"EvaluationResults": page, "IsTruncated": start + limit < len(results)}
    if out["IsTruncated"]:
        out["Marker"] = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
    return out


@SERVICE.op("SimulatePrincipalPolicy")
def simulate_principal_policy(ctx: Call, req: dict) -> dict:
    src = _Source()
    principal = _source_principal(ctx, req["PolicySourceArn"], src)
    return _simulate(ctx, req, src, principal)


@SERVICE.op("SimulateCustomPolicy")
def simulate_custom_policy(ctx: Call, req: dict) -> dict:
    return _simulate(ctx, req, _Source(), None)


# -- context keys --------------------------------------------------------------------------------
def _keys(texts: list[str]) -> list[str]:
    out: list[str] = []
    seen = set()
    for i, text in enumerate(texts, 1):
        try:
            compiled = compile_policy(text, "identity", f"PolicyInputList.{i}",
                                      validate_document=False)
        except MalformedPolicyDocument as e:
            raise InvalidInput(f"Invalid policy document: {e.message}") from None
        for raw in _statement_raw(compiled):
            for key in _condition_keys(raw):
                if key.lower() not in seen:
                    seen.add(key.lower())
                    out.append(key)
    return out


@SERVICE.op("GetContextKeysForCustomPolicy")
def get_context_keys_for_custom_policy(ctx: Call, req: dict) -> dict:
    return {"ContextKeyNames": _keys(req.get("PolicyInputList") or [])}


@SERVICE.op("GetContextKeysForPrincipalPolicy")
def get_context_keys_for_principal_policy(ctx: Call, req: dict) -> dict:
    src = _Source()
    _source_principal(ctx, req["PolicySourceArn"], src)
    texts = [p.text for p in src.identity] + list(req.get("PolicyInputList") or [])
    return {"ContextKeyNames": _keys(texts)}
