"""Condition operators, globs and policy variables for the IAM evaluator. Pure functions, no I/O.

References (IAM User Guide):
- "IAM JSON policy elements: Condition operators" (every operator below, `...IfExists`, `Null`, and
  "If the key that you specify in a policy condition is not present in the request context, the
  values do not match and the condition is false. If the policy condition requires that the key is
  not matched, such as StringNotLike or ArnNotLike, and the right key is not present, the condition
  is true").
- "Conditions with multiple context keys or values" (operators AND, keys AND, values OR, negated
  operators NOR; `ForAllValues` also returns true when the key is absent, `ForAnyValue` false).
- "IAM policy elements: Variables and tags" (`${key}`, `${key, 'default'}`, `${*}`, `${?}`, `${$}`,
  unresolvable variables make the statement not apply).
"""
from __future__ import annotations

import base64
import ipaddress
import re
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

# ---------------------------------------------------------------------------------------------
# Template tokens: a pattern is a tuple of tokens. ("lit", text) | ("star",) | ("qm",) |
# ("var", lowercased key, default or None). Variables resolve to literal text (never globs).
# ---------------------------------------------------------------------------------------------

_LIT, _STAR, _QM, _VAR = "lit", "star", "qm", "var"
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


class Unresolved(Exception):
    """A policy variable with no value and no default: the statement does not apply."""


def _parse_variable(text: str, i: int):
    """Parse `${...}` starting at text[i] == '$'. Returns (token or literal, next index) or None."""
    end = len(text)
    j = i + 2
    # key: up to ',' or '}'
    k = j
    while k < end and text[k] not in ",}":
        if text[k] == "'":
            return None
        k += 1
    if k >= end:
        return None
    key = text[j:k].strip()
    if not key:
        return None
    if text[k] == "}":
        if key in _SPECIAL:
            return (_LIT, _SPECIAL[key]), k + 1
        if " " in key:
            return None
        return (_VAR, key.lower(), None), k + 1
    # default value: , 'text' }   ('' is an escaped quote)
    k += 1
    while k < end and text[k] == " ":
        k += 1
    if k >= end or text[k] != "'":
        return None
    k += 1
    buf = []
    while True:
        if k >= end:
            return None
        c = text[k]
        if c == "'":
            if k + 1 < end and text[k + 1] == "'":
                buf.append("'")
                k += 2
                continue
            k += 1
            break
        buf.append(c)
        k += 1
    while k < end and text[k] == " ":
        k += 1
    if k >= end or text[k] != "}" or " " in key:
        return None
    return (_VAR, key.lower(), "".join(buf)), k + 1


def tokenize(text: str, *, variables: bool, globs: bool = True) -> tuple:
    """Split a policy string into literal, wildcard and variable tokens.

    With `variables=False` (Version 2008-10-17, or an operator that takes no variables) `${...}`
    is literal text ("Policy variables": in 2008-10-17 they are treated as literal strings).
    """
    out: list[tuple] = []
    lit: list[str] = []

    def flush():
        if lit:
            out.append((_LIT, "".join(lit)))
            lit.clear()

    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if globs and c == "*":
            flush()
            out.append((_STAR,))
            i += 1
        elif globs and c == "?":
            flush()
            out.append((_QM,))
            i += 1
        elif variables and c == "$" and i + 1 < n and text[i + 1] == "{":
            parsed = _parse_variable(text, i)
            if parsed is None:
                lit.append(c)
                i += 1
                continue
            tok, i = parsed
            if tok[0] == _LIT:
                lit.append(tok[1])
            else:
                flush()
                out.append(tok)
        else:
            lit.append(c)
            i += 1
    flush()
    # merge adjacent literals
    merged: list[tuple] = []
    for t in out:
        if merged and t[0] == _LIT and merged[-1][0] == _LIT:
            merged[-1] = (_LIT, merged[-1][1] + t[1])
        else:
            merged.append(t)
    return tuple(merged)


def has_variables(tokens: tuple) -> bool:
    return any(t[0] == _VAR for t in tokens)


def variable_value(ctx: Mapping[str, Any], key: str, default: str | None) -> str:
    v = ctx.get(key)
    if v is None or isinstance(v, (list, tuple, set, frozenset)):
        # "Policy variables with no value" / multivalued keys cannot be variables
        if default is not None:
            return default
        raise Unresolved(key)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(v)


def resolve_literal(tokens: tuple, ctx: Mapping[str, Any]) -> tuple:
    """Substitute variables with literal text (wildcards stay wildcards)."""
    out = []
    for t in tokens:
        if t[0] == _VAR:
            out.append((_LIT, variable_value(ctx, t[1], t[2])))
        else:
            out.append(t)
    return tuple(out)


def tokens_text(tokens: tuple) -> str:
    """The plain text of wildcard-free tokens (used by exact-match operators)."""
    return "".join(t[1] if t[0] == _LIT else ("*" if t[0] == _STAR else "?") for t in tokens)


def compile_tokens(tokens: tuple, ignore_case: bool = False) -> Callable[[str], bool]:
    """A matcher for wildcard tokens: `*` any run (across `:` and `/`), `?` one character,
    everything else literal (a `.` is a dot). Fast paths for `*`, exact and prefix patterns."""
    if tokens == ((_STAR,),):
        return _always
    if all(t[0] == _LIT for t in tokens):
        lit = "".join(t[1] for t in tokens)
        if ignore_case:
            lit = lit.lower()
            return lambda s: s.lower() == lit
        return lit.__eq__
    if len(tokens) == 2 and tokens[0][0] == _LIT and tokens[1][0] == _STAR:
        prefix = tokens[0][1]
        if ignore_case:
            prefix = prefix.lower()
            return lambda s: s.lower().startswith(prefix)
        return lambda s: s.startswith(prefix)
    parts = []
    for t in tokens:
        if t[0] == _LIT:
            parts.append(re.escape(t[1]))
        elif t[0] == _STAR:
            parts.append(".*")
        elif t[0] == _QM:
            parts.append(".")
        else:  # pragma: no cover - variables are resolved before compiling
            raise ValueError("unresolved variable")
    rx = re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))
    fm = rx.fullmatch
    return lambda s: fm(s) is not None


def _always(_s: str) -> bool:
    return True


def glob_matcher(pattern: str, ignore_case: bool = False) -> Callable[[str], bool]:
    return compile_tokens(tokenize(pattern, variables=False), ignore_case)


class Template:
    """A pattern that may hold policy variables; compiled once when it has none."""
    __slots__ = ("tokens", "static", "ignore_case", "text")

    def __init__(self, text: str, *, variables: bool, ignore_case: bool = False, globs: bool = True):
        self.text = text
        self.tokens = tokenize(text, variables=variables, globs=globs)
        self.ignore_case = ignore_case
        self.static = None if has_variables(self.tokens) else compile_tokens(self.tokens, ignore_case)

    def matcher(self, ctx: Mapping[str, Any]) -> Callable[[str], bool]:
        if self.static is not None:
            return self.static
        return compile_tokens(resolve_literal(self.tokens, ctx), self.ignore_case)

    def literal(self, ctx: Mapping[str, Any]) -> str:
        """The value as plain text (variables substituted, `${*}` turned into `*`)."""
        return tokens_text(resolve_literal(self.tokens, ctx))


# ---------------------------------------------------------------------------------------------
# Operators
# ---------------------------------------------------------------------------------------------

class _Mismatch(Exception):
    """The context value has the wrong type for the operator: the value does not match."""


def _ctx_str(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    return str(v)


def _num(v: Any) -> float:
    if isinstance(v, bool):
        raise _Mismatch()
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(str(v).strip())
    except ValueError:
        raise _Mismatch() from None


_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z",
                 "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
                 "%Y%m%dT%H%M%SZ")


def parse_date(v: Any) -> float:
    """Epoch seconds from a datetime, an epoch number, or an ISO 8601 string (UTC if no zone)."""
    if isinstance(v, datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=timezone.utc)
        return v.timestamp()
    if isinstance(v, bool):
        raise _Mismatch()
    if isinstance(v, (int, float)):
        return float(v)
    s = str(v).strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", s):
        return float(s)
    s2 = s[:-1] + "+0000" if s.endswith("Z") else s
    for fmt in _DATE_FORMATS:
        try:
            d = datetime.strptime(s2 if "%z" in fmt else s, fmt)
        except ValueError:
            continue
        if d.tzinfo is None:
            d = d.replace(tzinfo=timezone.utc)
        return d.timestamp()
    raise _Mismatch()


def _bool_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    s = str(v).strip().lower()
    if s not in ("true", "false"):
        raise _Mismatch()
    return s


def _ip(v: Any):
    try:
        return ipaddress.ip_address(str(v).strip())
    except ValueError:
        raise _Mismatch() from None


def _arn_parts(s: str):
    parts = s.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return parts


# Each base operator: (family, negated, takes_variables)
BASE_OPERATORS: dict[str, tuple[str, bool]] = {
    "StringEquals": ("str_eq", False), "StringNotEquals": ("str_eq", True),
    "StringEqualsIgnoreCase": ("str_eqi", False), "StringNotEqualsIgnoreCase": ("str_eqi", True),
    "StringLike": ("str_like", False), "StringNotLike": ("str_like", True),
    "NumericEquals": ("num_eq", False), "NumericNotEquals": ("num_eq", True),
    "NumericLessThan": ("num_lt", False), "NumericLessThanEquals": ("num_le", False),
    "NumericGreaterThan": ("num_gt", False), "NumericGreaterThanEquals": ("num_ge", False),
    "DateEquals": ("date_eq", False), "DateNotEquals": ("date_eq", True),
    "DateLessThan": ("date_lt", False), "DateLessThanEquals": ("date_le", False),
    "DateGreaterThan": ("date_gt", False), "DateGreaterThanEquals": ("date_ge", False),
    "Bool": ("bool", False), "BinaryEquals": ("binary", False),
    "IpAddress": ("ip", False), "NotIpAddress": ("ip", True),
    "ArnEquals": ("arn", False), "ArnLike": ("arn", False),
    "ArnNotEquals": ("arn", True), "ArnNotLike": ("arn", True),
    "Null": ("null", False),
}
_LOWER_OPS = {k.lower(): k for k in BASE_OPERATORS}
# "Policy variables: Supported" per operator family in "Condition operators".
_VARIABLE_FAMILIES = {"str_eq", "str_eqi", "str_like", "bool", "arn"}


class ConditionError(ValueError):
    """An invalid condition operator or value (policy validation turns it into an AWS error)."""


def parse_operator(name: str) -> tuple[str | None, str, bool]:
    """'ForAnyValue:StringLikeIfExists' -> ('anyvalue', 'StringLike', True)."""
    qualifier = None
    op = name
    if ":" in name:
        q, op = name.split(":", 1)
        ql = q.lower()
        if ql == "forallvalues":
            qualifier = "allvalues"
        elif ql == "foranyvalue":
            qualifier = "anyvalue"
        else:
            raise ConditionError(name)
    if_exists = False
    base = _LOWER_OPS.get(op.lower())
    if base is None and op.lower().endswith("ifexists"):
        base = _LOWER_OPS.get(op[:-8].lower())
        if_exists = True
        if base == "Null":
            base = None
    if base is None:
        raise ConditionError(name)
    return qualifier, base, if_exists


class Condition:
    """One (operator, key, values) triple, compiled."""
    __slots__ = ("operator", "key", "qualifier", "family", "negated", "if_exists", "values",
                 "dynamic", "_prepared")

    def __init__(self, operator: str, key: str, values: list, *, variables: bool):
        self.operator = operator
        self.qualifier, base, self.if_exists = parse_operator(operator)
        self.family, self.negated = BASE_OPERATORS[base]
        self.key = key.lower()
        texts = [_policy_value_text(v) for v in values]
        use_vars = variables and self.family in _VARIABLE_FAMILIES
        globs = self.family in ("str_like", "arn")
        if self.family == "arn":
            self.values = [tuple(Template(p, variables=use_vars) for p in _split_arn_pattern(t))
                           for t in texts]
        else:
            self.values = [Template(t, variables=use_vars, globs=globs,
                                    ignore_case=False) for t in texts]
        self.dynamic = use_vars and any(
            (isinstance(v, Template) and v.static is None) or
            (isinstance(v, tuple) and any(p.static is None for p in v)) for v in self.values)
        self._prepared = None if self.dynamic else self._prepare({})

    # -- preparation: policy values into comparable form ------------------------------------
    def _prepare(self, ctx: Mapping[str, Any]):
        f = self.family
        if f == "arn":
            return [tuple(p.matcher(ctx) for p in v) for v in self.values]
        if f == "str_like":
            return [v.matcher(ctx) for v in self.values]
        texts = [v.literal(ctx) for v in self.values]
        if f == "str_eq":
            return set(texts)
        if f == "str_eqi":
            return {t.casefold() for t in texts}
        if f.startswith("num_"):
            out = []
            for t in texts:
                try:
                    out.append(float(t))
                except ValueError:
                    raise ConditionError(t) from None
            return out
        if f.startswith("date_"):
            try:
                return [parse_date(t) for t in texts]
            except _Mismatch:
                raise ConditionError(texts) from None
        if f == "bool":
            return {t.strip().lower() for t in texts}
        if f == "binary":
            return set(texts)
        if f == "ip":
            try:
                return [ipaddress.ip_network(t.strip(), strict=False) for t in texts]
            except ValueError:
                raise ConditionError(texts) from None
        if f == "null":
            return {t.strip().lower() for t in texts}
        raise ConditionError(f)  # pragma: no cover

    def _match_one(self, v: Any, prepared) -> bool:
        """Does one context value match any policy value (the positive form of the operator)?"""
        f = self.family
        if f == "str_eq":
            return _ctx_str(v) in prepared
        if f == "str_eqi":
            return _ctx_str(v).casefold() in prepared
        if f == "str_like":
            s = _ctx_str(v)
            return any(m(s) for m in prepared)
        if f.startswith("num_"):
            x = _num(v)
            return any(_CMP[f[4:]](x, p) for p in prepared)
        if f.startswith("date_"):
            x = parse_date(v)
            return any(_CMP[f[5:]](x, p) for p in prepared)
        if f == "bool":
            return _bool_text(v) in prepared
        if f == "binary":
            return _ctx_str(v) in prepared
        if f == "ip":
            a = _ip(v)
            return any(a.version == n.version and a in n for n in prepared)
        if f == "arn":
            parts = _arn_parts(_ctx_str(v))
            if parts is None:
                raise _Mismatch()
            return any(all(m(p) for m, p in zip(ms, parts)) for ms in prepared)
        raise ConditionError(f)  # pragma: no cover

    def _result(self, v: Any, prepared) -> bool:
        try:
            m = self._match_one(v, prepared)
        except _Mismatch:
            return False
        return not m if self.negated else m

    def evaluate(self, ctx: Mapping[str, Any]) -> bool:
        raw = ctx.get(self.key)
        multi = isinstance(raw, (list, tuple, set, frozenset))
        missing = raw is None or (multi and len(raw) == 0)
        if self.family == "null":
            prepared = self._prepared
            # "Null": true means the key is absent (or its value is null/empty).
            return any((p == "true") == missing for p in prepared if p in ("true", "false"))
        if missing:
            if self.if_exists or self.qualifier == "allvalues":
                return True
            if self.qualifier == "anyvalue":
                return False
            return self.negated
        prepared = self._prepared if not self.dynamic else self._prepare(ctx)
        values = raw if multi else (raw,)
        if self.qualifier == "allvalues":
            return all(self._result(v, prepared) for v in values)
        if self.qualifier == "anyvalue":
            return any(self._result(v, prepared) for v in values)
        if not multi:
            return self._result(raw, prepared)
        # A multivalued key without a set operator: positive forms match when any value matches;
        # negated forms when no value matches the positive form.
        if self.negated:
            try:
                return not any(self._match_one(v, prepared) for v in values)
            except _Mismatch:
                return False
        return any(self._result(v, prepared) for v in values)


_CMP = {
    "eq": lambda a, b: a == b, "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
}


def _policy_value_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float, str)):
        return str(v)
    raise ConditionError(repr(v))


def _split_colons(text: str, maxsplit: int) -> list[str]:
    """Split on ':' outside `${...}` policy variables (whose keys contain colons)."""
    parts, buf, depth, i = [], [], 0, 0
    while i < len(text):
        c = text[i]
        if c == "$" and text.startswith("${", i):
            depth += 1
            buf.append("${")
            i += 2
            continue
        if c == "}" and depth:
            depth -= 1
        if c == ":" and not depth and len(parts) < maxsplit:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(c)
        i += 1
    parts.append("".join(buf))
    return parts


def _split_arn_pattern(text: str) -> list[str]:
    parts = _split_colons(text, 5)
    if len(parts) != 6:
        # Not an ARN-shaped pattern: only "*" can still match everything.
        if text == "*":
            return ["*"] * 6
        return [text, "\x00"] + [""] * 4  # never matches
    return parts


class ConditionBlock:
    """A statement's whole Condition element: every operator and every key must be true."""
    __slots__ = ("conditions",)

    def __init__(self, element: Mapping[str, Any], *, variables: bool):
        conds = []
        for op, body in element.items():
            if not isinstance(body, dict):
                raise ConditionError(op)
            for key, values in body.items():
                if not isinstance(values, list):
                    values = [values]
                conds.append(Condition(op, key, values, variables=variables))
        # cheapest first: static before dynamic, Null and Bool first
        conds.sort(key=lambda c: (c.dynamic, c.family not in ("null", "bool", "str_eq")))
        self.conditions = tuple(conds)

    def evaluate(self, ctx: Mapping[str, Any]) -> bool:
        """Raises `Unresolved` when a variable has no value (the statement then does not apply)."""
        for c in self.conditions:
            if not c.evaluate(ctx):
                return False
        return True
