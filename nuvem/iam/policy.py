"""IAM JSON policy documents: validation as IAM does it, and compilation for the evaluator.

Pure: no I/O, no store. `compile_policy` validates and compiles a document; `PolicyCache` is a
bounded LRU of compiled policies keyed by (kind, document text) that callers own.

Grammar and elements: IAM User Guide, "IAM JSON policy element reference" and "Grammar of the IAM
JSON policy language". Size quotas: "IAM and AWS STS quotas" (managed policy 6,144 characters,
inline policies per user 2,048, per role 10,240, per group 5,120, role trust policy 2,048 by
default, counted without whitespace).
"""
from __future__ import annotations

import json
import re
from collections import OrderedDict
from typing import Any, Mapping

from nuvem.errors import AwsError
from nuvem.iam.conditions import ConditionBlock, ConditionError, Template, Unresolved, parse_operator

VERSIONS = ("2012-10-17", "2008-10-17")
KINDS = ("identity", "resource", "trust", "boundary", "session", "scp")
_TOP_FIELDS = ("Version", "Id", "Statement")
_STMT_FIELDS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
                "NotResource", "Condition")
_SID_RE = re.compile(r"[0-9A-Za-z]*")
_ACCOUNT_RE = re.compile(r"\d{12}")

SIZE_QUOTAS = {"managed": 6144, "user": 2048, "role": 10240, "group": 5120, "trust": 2048}


class MalformedPolicyDocument(AwsError):
    code = "MalformedPolicyDocument"
    status = 400


class LimitExceeded(AwsError):
    code = "LimitExceeded"
    status = 409


def _malformed(message: str) -> MalformedPolicyDocument:
    return MalformedPolicyDocument(message)


def policy_size(text: str) -> int:
    """Characters counted against IAM's size quotas: whitespace does not count."""
    return sum(1 for c in text if not c.isspace())


def check_size(text: str, quota: str, entity_name: str | None = None, *, limit: int | None = None):
    """Raise IAM's `LimitExceeded` when `text` is over the quota ("managed", "user", "role",
    "group", "trust"). Inline quotas are aggregate per entity: pass the combined text."""
    limit = limit if limit is not None else SIZE_QUOTAS[quota]
    if policy_size(text) <= limit:
        return
    if quota in ("managed", "trust"):
        raise LimitExceeded(f"Cannot exceed quota for {'PolicySize' if quota == 'managed' else 'ACLSizePerRole'}: {limit}")
    raise LimitExceeded(f"Maximum policy size of {limit} bytes exceeded for {quota} {entity_name or ''}".rstrip())


# ---------------------------------------------------------------------------------------------
# Principals
# ---------------------------------------------------------------------------------------------

class PrincipalSpec:
    """A compiled Principal/NotPrincipal element."""
    __slots__ = ("any", "aws", "accounts", "services", "federated")

    def __init__(self, element: Any):
        self.any = False
        self.aws: set[str] = set()
        self.accounts: set[str] = set()
        self.services: set[str] = set()
        self.federated: set[str] = set()
        if element == "*":
            self.any = True
            return
        if not isinstance(element, dict) or not element:
            raise _malformed("Invalid principal in policy")
        for k, v in element.items():
            vals = v if isinstance(v, list) else [v]
            if not all(isinstance(x, str) for x in vals):
                raise _malformed("Syntax errors in policy.")
            if k == "AWS":
                for x in vals:
                    if x == "*":
                        self.any = True
                    elif _ACCOUNT_RE.fullmatch(x):
                        self.accounts.add(x)
                    elif x.startswith("arn:") and x.endswith(":root") and x.split(":")[2] == "iam":
                        self.accounts.add(x.split(":")[4])
                    elif x.startswith("arn:"):
                        self.aws.add(x)
                    else:
                        raise _malformed(f'Invalid principal in policy: "AWS":"{x}"')
            elif k == "Service":
                self.services.update(x.lower() for x in vals)
            elif k == "Federated":
                self.federated.update(vals)
            elif k == "CanonicalUser":
                pass  # S3 canonical user ids: Nuvem principals never carry one
            else:
                raise _malformed(f"Invalid principal in policy: {k}")


# Levels of a resource-based policy match (see evaluate.py for how they are used).
MATCH_NONE, MATCH_ACCOUNT, MATCH_ENTITY, MATCH_DIRECT = 0, 1, 2, 3


# ---------------------------------------------------------------------------------------------
# Statements and policies
# ---------------------------------------------------------------------------------------------

class Statement:
    __slots__ = ("sid", "allow", "actions_exact", "actions_glob", "actions_any", "not_action",
                 "resources", "resources_any", "not_resource", "principal", "not_principal",
                 "condition", "services", "index", "policy_name")

    def __init__(self, index: int, raw: Mapping[str, Any], *, variables: bool, policy_name: str):
        self.index = index
        self.policy_name = policy_name
        self.sid = raw.get("Sid")
        self.allow = raw["Effect"] == "Allow"
        self.not_action = "NotAction" in raw
        acts = _as_list(raw.get("NotAction") if self.not_action else raw.get("Action"))
        self.actions_any = "*" in acts
        exact, globs, services = set(), [], set()
        for a in acts:
            if a == "*":
                services = None
                continue
            al = a.lower()
            if services is not None:
                services.add(al.split(":", 1)[0])
            if "*" in al or "?" in al:
                globs.append(Template(al, variables=False, ignore_case=True).static)
            else:
                exact.add(al)
        self.actions_exact = frozenset(exact)
        self.actions_glob = tuple(globs)
        # Service prefixes an Action statement can match (None: any). NotAction can match any.
        self.services = None if self.not_action else services
        self.not_resource = "NotResource" in raw
        res = raw.get("NotResource") if self.not_resource else raw.get("Resource")
        if res is None:
            self.resources_any = True  # trust policies: the role itself is the resource
            self.resources = ()
        else:
            rl = _as_list(res)
            self.resources_any = "*" in rl and not self.not_resource
            self.resources = tuple(Template(r, variables=variables) for r in rl)
        self.principal = PrincipalSpec(raw["Principal"]) if "Principal" in raw else None
        self.not_principal = PrincipalSpec(raw["NotPrincipal"]) if "NotPrincipal" in raw else None
        cond = raw.get("Condition")
        self.condition = ConditionBlock(cond, variables=variables) if cond else None

    @property
    def effect(self) -> str:
        return "Allow" if self.allow else "Deny"

    def action_matches(self, action_l: str) -> bool:
        if self.actions_any:
            m = True
        elif action_l in self.actions_exact:
            m = True
        else:
            m = any(g(action_l) for g in self.actions_glob)
        return not m if self.not_action else m

    def resource_matches(self, resource: str, ctx: Mapping[str, Any]) -> bool:
        if self.resources_any:
            return True
        m = False
        for t in self.resources:
            if t.matcher(ctx)(resource):  # may raise Unresolved
                m = True
                break
        return not m if self.not_resource else m


def _as_list(v: Any) -> list:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


class CompiledPolicy:
    """A validated, compiled policy. Immutable once built; safe to share and cache."""
    __slots__ = ("name", "kind", "version", "statements", "_by_service", "_general", "text",
                 "denies")

    def __init__(self, doc: Mapping[str, Any], *, kind: str, name: str, text: str):
        self.name = name
        self.kind = kind
        self.text = text
        self.version = doc.get("Version", "2008-10-17")
        variables = self.version == "2012-10-17"
        raw_statements = doc["Statement"]
        if isinstance(raw_statements, dict):
            raw_statements = [raw_statements]
        self.statements = tuple(Statement(i, s, variables=variables, policy_name=name)
                                for i, s in enumerate(raw_statements))
        self.denies = any(not s.allow for s in self.statements)   # has a Deny statement
        by_service: dict[str, list] = {}
        for s in self.statements:
            for svc in s.services or ():
                by_service.setdefault(svc, [])
        for svc in list(by_service):
            by_service[svc] = tuple(s for s in self.statements
                                    if s.services is None or svc in s.services
                                    or any(not _plain_service(x) for x in s.services))
        self._by_service = by_service
        # statements whose service prefix itself has a wildcard ("s*:Get*") go everywhere
        self._general = tuple(s for s in self.statements
                              if s.services is None or any(not _plain_service(x) for x in s.services))

    def candidates(self, service: str) -> tuple:
        """Statements that can match an action of `service` (lowercase)."""
        return self._by_service.get(service, self._general)


def _plain_service(s: str) -> bool:
    return "*" not in s and "?" not in s


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

def parse_document(document: str | Mapping[str, Any]) -> tuple[dict, str]:
    if isinstance(document, str):
        text = document
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            raise _malformed("Syntax errors in policy.") from None
    else:
        doc = dict(document)
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    if not isinstance(doc, dict):
        raise _malformed("Syntax errors in policy.")
    return doc, text


def validate(document: str | Mapping[str, Any], kind: str = "identity") -> dict:
    """Validate a policy document as IAM does; returns the parsed document.

    `kind`: "identity" (and "boundary", "session", "scp": no Principal allowed), "resource"
    (Principal required), "trust" (a role's trust policy: Principal required, no Resource).
    Raises `MalformedPolicyDocument` with IAM's messages.
    """
    if kind not in KINDS:
        raise ValueError(kind)
    doc, _text = parse_document(document)
    for k in doc:
        if k not in _TOP_FIELDS:
            raise _malformed(f"Unknown field {k}")
    version = doc.get("Version", "2008-10-17")
    if not isinstance(version, str):
        raise _malformed("Syntax errors in policy.")
    if version not in VERSIONS:
        raise _malformed("The policy failed legacy parsing")
    if "Id" in doc and not isinstance(doc["Id"], str):
        raise _malformed("Syntax errors in policy.")
    if "Statement" not in doc:
        raise _malformed("Missing required field Statement")
    stmts = doc["Statement"]
    if isinstance(stmts, dict):
        stmts = [stmts]
    if not isinstance(stmts, list) or not all(isinstance(s, dict) for s in stmts):
        raise _malformed("Syntax errors in policy.")
    if not stmts:
        raise _malformed("Syntax errors in policy.")
    sids = set()
    principal_kind = kind in ("resource", "trust")
    for s in stmts:
        for k in s:
            if k not in _STMT_FIELDS:
                raise _malformed(f"Unknown field {k}")
        for a, b in (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal")):
            if a in s and b in s:
                raise _malformed("Syntax errors in policy.")
        if "Sid" in s:
            sid = s["Sid"]
            if not isinstance(sid, str):
                raise _malformed("Syntax errors in policy.")
            if kind in ("identity", "boundary", "session", "trust") and not _SID_RE.fullmatch(sid):
                raise _malformed("Statement IDs (SID) must be alpha-numeric. Check that your input "
                                 "satisfies the regular expression [0-9A-Za-z]*")
            if sid and sid in sids:
                raise _malformed("Statement IDs (SID) in a single policy must be unique.")
            sids.add(sid)
        if "Effect" not in s:
            raise _malformed("Missing required field Effect")
        if s["Effect"] not in ("Allow", "Deny"):
            raise _malformed(f"Invalid effect: {s['Effect']}")
        if not principal_kind and ("Principal" in s or "NotPrincipal" in s):
            raise _malformed("Policy document should not specify a principal.")
        if principal_kind and "Principal" not in s and "NotPrincipal" not in s:
            raise _malformed("Missing required field Principal")
        if kind == "trust" and "NotPrincipal" in s:
            raise _malformed("Syntax errors in policy.")
        if "Action" not in s and "NotAction" not in s:
            raise _malformed("Policy statement must contain actions.")
        acts = s.get("Action", s.get("NotAction"))
        if acts == []:
            raise _malformed("Policy statement must contain actions.")
        _validate_actions(acts)
        if kind == "trust":
            if "Resource" in s or "NotResource" in s:
                raise _malformed("Has prohibited field Resource")
        elif "Resource" not in s and "NotResource" not in s:
            raise _malformed("Policy statement must contain resources.")
        else:
            res = s.get("Resource", s.get("NotResource"))
            if res == []:
                raise _malformed("Policy statement must contain resources.")
            _validate_resources(res)
        if "Condition" in s:
            _validate_condition(s["Condition"])
        for el in ("Principal", "NotPrincipal"):
            if el in s:
                PrincipalSpec(s[el])  # raises on bad shapes
    return doc


def _strings(v: Any) -> list[str]:
    vals = v if isinstance(v, list) else [v]
    if not vals or not all(isinstance(x, str) for x in vals):
        raise _malformed("Syntax errors in policy.")
    return vals


def _validate_actions(v: Any):
    for a in _strings(v):
        if a == "*":
            continue
        if ":" not in a:
            raise _malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
        if a.count(":") > 1:
            raise _malformed("Actions/Condition can contain only one colon.")
        vendor = a.split(":", 1)[0]
        if not re.fullmatch(r"[A-Za-z0-9*?-]+", vendor):
            raise _malformed(f"Vendor {vendor} is not valid")


def _validate_resources(v: Any):
    for r in _strings(v):
        if r == "*":
            continue
        if not r.startswith("arn:"):
            raise _malformed(f'Resource {r} must be in ARN format or "*".')
        parts = r.split(":", 5)
        if len(parts) < 6:
            raise _malformed("The policy failed legacy parsing")
        if parts[2] == "":
            raise _malformed("Resource vendor must be fully qualified and cannot contain regexes.")
        if parts[2] == "iam" and parts[3] not in ("", "*"):
            raise _malformed(f"IAM resource {r} cannot contain region information.")


def _validate_condition(c: Any):
    if not isinstance(c, dict):
        raise _malformed("Syntax errors in policy.")
    for op, body in c.items():
        if not isinstance(body, dict):
            raise _malformed("Syntax errors in policy.")
        try:
            ConditionBlock({op: body}, variables=False)
        except ConditionError:
            try:
                parse_operator(op)
            except ConditionError:
                raise _malformed(f"Invalid Condition type : {op}.") from None
            raise _malformed("Syntax errors in policy.") from None
        for key in body:
            if ":" not in key:
                raise _malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")


# ---------------------------------------------------------------------------------------------
# Compilation and the cache
# ---------------------------------------------------------------------------------------------

def compile_policy(document: str | Mapping[str, Any], kind: str = "identity", name: str = "",
                   *, validate_document: bool = True) -> CompiledPolicy:
    """Validate (unless told not to: stored policies were validated when written) and compile."""
    doc, text = parse_document(document)
    if validate_document:
        validate(doc, kind)
    else:
        # Resource-based policies written by other services may use looser shapes: still need
        # the fields the compiler reads.
        if "Statement" not in doc:
            raise _malformed("Missing required field Statement")
    try:
        return CompiledPolicy(doc, kind=kind, name=name, text=text)
    except (ConditionError, KeyError, TypeError):
        raise _malformed("Syntax errors in policy.") from None


class PolicyCache:
    """A bounded LRU of compiled policies keyed by (kind, name, document text)."""

    def __init__(self, maxsize: int = 4096):
        self.maxsize = maxsize
        self._items: OrderedDict[tuple, CompiledPolicy] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, document: str | Mapping[str, Any], kind: str = "identity", name: str = "",
            *, validate_document: bool = False) -> CompiledPolicy:
        text = document if isinstance(document, str) else json.dumps(document, sort_keys=True)
        key = (kind, name, text)
        hit = self._items.get(key)
        if hit is not None:
            self._items.move_to_end(key)
            self.hits += 1
            return hit
        self.misses += 1
        compiled = compile_policy(document, kind, name, validate_document=validate_document)
        self._items[key] = compiled
        if len(self._items) > self.maxsize:
            self._items.popitem(last=False)
        return compiled

    def __len__(self) -> int:
        return len(self._items)

    def clear(self):
        self._items.clear()


__all__ = ["CompiledPolicy", "PolicyCache", "Statement", "PrincipalSpec", "MalformedPolicyDocument",
           "LimitExceeded", "compile_policy", "validate", "check_size", "policy_size", "Unresolved",
           "MATCH_NONE", "MATCH_ACCOUNT", "MATCH_ENTITY", "MATCH_DIRECT"]

