"""Subscription filter policies ("Amazon SNS message filtering"): validation and matching.

A policy is a JSON object. With `FilterPolicyScope` `MessageAttributes` (the default) its keys
name message attributes; with `MessageBody` it mirrors the (JSON) message body, nested objects
and all. A leaf is a list of conditions, any of which may match (OR); the keys of an object must
all match (AND); a `"$or": [policy, ...]` key matches when any of its sub-policies does.

Conditions, as documented:
    "red"                               exact string
    5, 5.0                              exact number (numbers compare as numbers)
    null                                a JSON null in the body (body scope only)
    {"prefix": "ab"}  {"suffix": "yz"}  {"equals-ignore-case": "Red"}
    {"anything-but": "red" | 5 | ["red", 5] | {"prefix": "ab"} | {"suffix": "yz"}}
    {"numeric": [">", 0, "<=", 5]}  {"numeric": ["=", 3.5]}
    {"exists": true | false}
    {"cidr": "10.0.0.0/24"}             an IPv4/IPv6 address inside the block

Attribute values: `String` compares as a string, `Number` as a number, `String.Array` matches
when any element does (strings and numbers), `Binary` never matches. An absent attribute or
body key matches only `{"exists": false}`; everything else needs the value to be there.
"""
from __future__ import annotations

import ipaddress
import json
import math
from typing import Any

from nuvem.services.sns.common import json_failure

MAX_KEYS = 5             # attribute names (or leaf paths) per policy, per "$or" branch
MAX_COMBINATIONS = 150   # the product of the value counts of the keys, summed over "$or"
MAX_POLICY_BYTES = 256 * 1024
_NUMERIC_OPS = ("<", "<=", "=", ">", ">=")
_END = object()     # the end of a numeric condition's array
_MISSING = object()


class FilterPolicyError(ValueError):
    """What is wrong with a policy, in SNS's words (the caller wraps it in InvalidParameter)."""


class FilterScopeError(FilterPolicyError):
    """A policy its FilterPolicyScope does not allow: SNS does not name FilterPolicy for it."""


# -- validation ------------------------------------------------------------------------------------

def parse(text: str, scope: str = "MessageAttributes") -> dict:
    """The policy object of `text`, or FilterPolicyError."""
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise FilterPolicyError("Filter policy is too long")
    try:
        policy = json.loads(text)
    except ValueError as e:
        raise FilterPolicyError(json_failure(e)) from None
    if not isinstance(policy, dict):
        raise FilterPolicyError("Filter policy must be a JSON object")
    if not policy:
        return policy    # "{}" removes the filter
    validate(policy, scope)
    return policy


def validate(policy: dict, scope: str = "MessageAttributes") -> None:
    combinations = 0
    for branch in _branches(policy):
        leaves = list(_leaves(branch, scope, depth=0))
        if len(leaves) > MAX_KEYS:
            raise FilterPolicyError("Filter policy can not have more than 5 keys")
        n = 1
        for _, conditions in leaves:
            for condition in conditions:
                _check_condition(condition)
            n *= max(1, len(conditions))
        combinations += n
    if combinations > MAX_COMBINATIONS:
        raise FilterPolicyError("Filter policy is too complex")


def _branches(policy: dict) -> list[dict]:
    """A policy with a top-level `$or` unfolded into the plain policies it stands for."""
    if "$or" not in policy:
        return [policy]
    alternatives = policy["$or"]
    if not isinstance(alternatives, list) or len(alternatives) < 2 or \
            not all(isinstance(a, dict) and a for a in alternatives):
        raise FilterPolicyError("$or must be an array of at least two JSON objects")
    plain = {k: v for k, v in policy.items() if k != "$or"}
    return [{**plain, **branch} for alt in alternatives for branch in _branches(alt)]


def _leaves(policy: dict, scope: str, depth: int):
    if not policy and depth > 0:
        raise FilterPolicyError("Filter policy can not be empty")
    for key, value in policy.items():
        if key == "$or" and depth > 0:
            for alt in _branches({key: value}):
                yield from _leaves(alt, scope, depth)
        elif isinstance(value, dict):
            yield from _leaves(value, scope, depth + 1)
        elif isinstance(value, list):
            if not value:
                raise FilterPolicyError("Empty arrays are not allowed")
            if depth > 0 and scope != "MessageBody":    # after the values' own checks, as SNS
                raise FilterScopeError("Filter policy scope MessageAttributes does not support "
                                       "nested filter policy")
            yield key, value
        else:
            raise FilterPolicyError(f'"{key}" must be an object or an array')


def _check_condition(condition: Any) -> None:
    if condition is None:   # taken on either scope; an attribute is never null, so never matched
        return
    if isinstance(condition, (str, bool)):
        return
    if isinstance(condition, (int, float)):
        if abs(condition) > 1e9:
            raise FilterPolicyError("Numeric match value must be between -1e9 and 1e9")
        return
    if not isinstance(condition, dict):
        raise FilterPolicyError("Match value must be String, number, true, false, or null")
    if len(condition) != 1:
        raise FilterPolicyError("Only one key allowed in match expression")
    (op, arg), = condition.items()
    if op in ("prefix", "suffix", "equals-ignore-case"):
        if not isinstance(arg, str):
            raise FilterPolicyError(f"{op} match pattern must be a string")
    elif op == "anything-but":
        if isinstance(arg, dict):
            inner = next(iter(arg), "")
            if len(arg) != 1 or inner not in ("prefix", "suffix"):
                raise FilterPolicyError(f"Unsupported anything-but pattern: {inner}")
            if not isinstance(arg[inner], str):
                raise FilterPolicyError(f"{inner} match pattern must be a string")
        elif isinstance(arg, list):
            if not arg or not all(isinstance(a, (str, int, float)) and not isinstance(a, bool)
                                  for a in arg):
                raise FilterPolicyError("Inside anything but list, start|null|boolean is not "
                                        "supported.")
        elif not isinstance(arg, (str, int, float)) or isinstance(arg, bool):
            raise FilterPolicyError("Value of anything-but must be an array or single string/"
                                    "number value.")
    elif op == "numeric":
        _numeric_bounds(arg)
    elif op == "exists":
        if not isinstance(arg, bool):
            raise FilterPolicyError("exists match pattern must be either true or false.")
    elif op == "cidr":
        try:
            ipaddress.ip_network(arg, strict=False)
        except (ValueError, TypeError):
            raise FilterPolicyError("Malformed CIDR, one '/' required") from None
    else:
        raise FilterPolicyError(f"Unrecognized match type {op}")


def _token(value: Any) -> str:
    """How SNS's JSON reader names the member it stopped at (`]`: the array ended)."""
    if value is _END:
        return "]"
    if isinstance(value, dict):
        return "{"
    if isinstance(value, list):
        return "["
    return value if isinstance(value, str) else json.dumps(value)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numeric_bounds(arg: Any) -> list[tuple[str, float]]:
    """[op, value] or [lower op, value, upper op, value], read member by member with SNS's
    message for the first one that does not fit."""
    if not isinstance(arg, list):
        raise FilterPolicyError("Value of numeric must be an array.")
    members = [*arg, _END]
    op = members[0]
    if not isinstance(op, str):
        raise FilterPolicyError(f"Invalid member in numeric match: {_token(op)}")
    if op not in _NUMERIC_OPS:
        raise FilterPolicyError(f"Unrecognized numeric range operator: {op}")
    if not _number(members[1]):
        raise FilterPolicyError(f"Value of {'equals' if op == '=' else op} must be numeric")
    pairs = [(op, float(members[1]))]
    if members[2] is _END:
        return pairs
    if op not in (">", ">="):       # only a lower bound takes an upper one after it
        raise FilterPolicyError("Too many elements in numeric expression")
    upper = members[2]
    if not isinstance(upper, str):
        raise FilterPolicyError(f"Bad value in numeric range: {_token(upper)}")
    if upper not in ("<", "<="):
        raise FilterPolicyError(f"Bad numeric range operator: {upper}")
    if not _number(members[3]):
        raise FilterPolicyError(f"Value of {upper} must be numeric")
    if members[4] is not _END:
        raise FilterPolicyError("Too many terms in numeric range expression")
    pairs.append((upper, float(members[3])))
    if pairs[0][1] >= pairs[1][1]:
        raise FilterPolicyError("Bottom must be less than top")
    return pairs


# -- matching --------------------------------------------------------------------------------------

def matches(policy: dict | None, *, attributes: dict | None = None, body: str | None = None,
            scope: str = "MessageAttributes") -> bool:
    """Whether a message passes `policy`. `attributes` are the message attributes as the API
    takes them ({"name": {"DataType": ..., "StringValue": ...}}); `body` the message text."""
    if not policy:
        return True
    if scope == "MessageBody":
        try:
            document = json.loads(body or "")
        except ValueError:
            return False
        if not isinstance(document, dict):
            return False
        return _match_body(policy, _flatten(document))
    values = {name: _attribute_values(attr) for name, attr in (attributes or {}).items()}
    return _match_attributes(policy, values)


def _attribute_values(attr: dict) -> list:
    kind = (attr.get("DataType") or "String").split(".", 1)
    base = kind[0]
    text = attr.get("StringValue")
    if base == "Binary" or text is None:
        return []
    if base == "Number":
        try:
            return [float(text)]
        except ValueError:
            return []
    if len(kind) > 1 and kind[1].startswith("Array"):
        try:
            items = json.loads(text)
        except ValueError:
            return [text]
        return [i for i in (items if isinstance(items, list) else [items])
                if isinstance(i, (str, int, float)) and not isinstance(i, bool)]
    return [text]


def _match_attributes(policy: dict, values: dict) -> bool:
    for key, conditions in policy.items():
        if key == "$or":
            if not any(_match_attributes(sub, values) for sub in conditions):
                return False
            continue
        if not _match_leaf(conditions, values.get(key, _MISSING)):
            return False
    return True


def _flatten(document: Any, path: str = "", out: dict | None = None) -> dict[str, list]:
    """The values of a JSON body by their dotted paths, arrays looked through (a list of lists
    of objects too): {"a": {"b": 1}}, {"a.b": 1} and {"a": [{"b": 1}]} all have 1 at "a.b", and a
    policy's nested keys name the same paths, as SNS matches them."""
    if out is None:
        out = {}
    if isinstance(document, dict):
        for key, value in document.items():
            _flatten(value, f"{path}.{key}" if path else key, out)
    elif isinstance(document, list):
        for item in document:
            _flatten(item, path, out)
    else:
        out.setdefault(path, []).append(document)
    return out


def _match_body(policy: dict, values: dict[str, list], path: str = "") -> bool:
    for key, spec in policy.items():
        if key == "$or":
            if not any(_match_body(sub, values, path) for sub in spec):
                return False
            continue
        at = f"{path}.{key}" if path else key
        if isinstance(spec, dict):
            if not _match_body(spec, values, at):
                return False
        elif not _match_leaf(spec, values.get(at, _MISSING)):
            return False
    return True


def _match_leaf(conditions: list, values: Any) -> bool:
    if values is _MISSING:
        return any(isinstance(c, dict) and c.get("exists") is False for c in conditions)
    for condition in conditions:
        if isinstance(condition, dict) and "exists" in condition:
            if condition["exists"] and values:
                return True
            continue
        if any(_match_value(condition, v) for v in values):
            return True
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        not (isinstance(value, float) and math.isnan(value))


def _match_value(condition: Any, value: Any) -> bool:
    if condition is None:
        return value is None
    if isinstance(condition, bool) or isinstance(value, bool):
        return condition is value
    if isinstance(condition, str):
        return isinstance(value, str) and value == condition
    if _is_number(condition):
        return _is_number(value) and float(value) == float(condition)
    (op, arg), = condition.items()
    if op == "prefix":
        return isinstance(value, str) and value.startswith(arg)
    if op == "suffix":
        return isinstance(value, str) and value.endswith(arg)
    if op == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == arg.casefold()
    if op == "anything-but":
        if isinstance(arg, dict):
            (kind, text), = arg.items()
            if not isinstance(value, str):
                return False
            return not (value.startswith(text) if kind == "prefix" else value.endswith(text))
        excluded = arg if isinstance(arg, list) else [arg]
        return value is not None and not any(_match_value(e, value) for e in excluded)
    if op == "numeric":
        if not _is_number(value):
            return False
        number = float(value)
        for cmp, bound in _numeric_bounds(arg):
            if not ((cmp == "<" and number < bound) or (cmp == "<=" and number <= bound) or
                    (cmp == "=" and number == bound) or (cmp == ">" and number > bound) or
                    (cmp == ">=" and number >= bound)):
                return False
        return True
    if op == "cidr":
        if not isinstance(value, str):
            return False
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(arg, strict=False)
        except ValueError:
            return False
    return False
