"""Evaluating parsed expressions over items: conditions, projections and updates.

Items and values are in DynamoDB's wire form as botocore parses it (`{"S": ...}`, `{"N": "1"}`,
`{"B": b"..."}`, sets, `{"M": {...}}`, `{"L": [...]}`, `{"NULL": True}`, `{"BOOL": ...}`).
Numbers compare as Decimals, strings by their UTF-8 bytes, binaries bytewise. Comparing values
of different types is false, never an error. `apply_update` returns a new item.
"""
from __future__ import annotations

import copy
from decimal import Context, Decimal, InvalidOperation

from nuvem.services.dynamodb.errors import ValidationException
from nuvem.services.dynamodb.expressions import (
    AddAction, And, Arith, Between, Compare, DeleteAction, Func, FuncCond, In, LegacyCond,
    LegacyUpdateAction, Not, Or, Path, RemoveAction, SetAction, Value, value_type)

_CONTEXT = Context(prec=200, Emax=999999, Emin=-999999)
MAX_DIGITS = 38

INVALID_PATH = "The document path provided in the update expression is invalid for update"
INCORRECT_TYPE = "An operand in the update expression has an incorrect data type"
MISSING_ATTRIBUTE = "The provided expression refers to an attribute that does not exist in the item"
LEGACY_TYPE_MISMATCH = "Type mismatch for attribute to update"
OVERFLOW = ("Number overflow. Attempting to store a number with magnitude larger than supported "
            "range")


# ---------------------------------------------------------------------------------------------
# Numbers


def _decimal(text: str) -> Decimal:
    try:
        d = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationException(f"The parameter cannot be converted to a numeric value: {text}") from None
    if not d.is_finite():
        raise ValidationException(f"The parameter cannot be converted to a numeric value: {text}")
    return d


def canonical_decimal(d: Decimal) -> str:
    if d.is_zero():
        return "0"
    d = d.normalize(_CONTEXT)
    if d.adjusted() > 125:
        raise ValidationException(OVERFLOW)
    if d.adjusted() < -130:
        raise ValidationException(
            "Number underflow. Attempting to store a number with magnitude smaller than supported range")
    if len(d.as_tuple().digits) > MAX_DIGITS:
        raise ValidationException("Attempting to store more than 38 significant digits in a Number")
    return format(d, "f")


def canonical_number(text: str) -> str:
    """DynamoDB's text for a number: no exponent, no trailing or leading zeros, "-0" as "0"."""
    return canonical_decimal(_decimal(text))


def _num(text: str) -> Decimal:
    return Decimal(text)


# ---------------------------------------------------------------------------------------------
# Values


def _bytes(v) -> bytes:
    return v.encode() if isinstance(v, str) else bytes(v)


def values_equal(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return False
    ta, tb = value_type(a), value_type(b)
    if ta != tb:
        return False
    va, vb = a[ta], b[tb]
    if ta == "N":
        return _num(va) == _num(vb)
    if ta == "B":
        return _bytes(va) == _bytes(vb)
    if ta == "NULL":
        return True
    if ta == "SS":
        return set(va) == set(vb)
    if ta == "NS":
        return {_num(x) for x in va} == {_num(x) for x in vb}
    if ta == "BS":
        return {_bytes(x) for x in va} == {_bytes(x) for x in vb}
    if ta == "L":
        return len(va) == len(vb) and all(values_equal(x, y) for x, y in zip(va, vb))
    if ta == "M":
        return va.keys() == vb.keys() and all(values_equal(va[k], vb[k]) for k in va)
    return va == vb


def compare_values(a: dict | None, b: dict | None) -> int | None:
    """-1/0/1 for two values of the same orderable type (S, N, B); None otherwise."""
    if a is None or b is None:
        return None
    ta, tb = value_type(a), value_type(b)
    if ta != tb or ta not in ("S", "N", "B"):
        return None
    if ta == "N":
        x, y = _num(a["N"]), _num(b["N"])
    elif ta == "S":
        x, y = a["S"].encode("utf-8"), b["S"].encode("utf-8")
    else:
        x, y = _bytes(a["B"]), _bytes(b["B"])
    return (x > y) - (x < y)


def get_path(item: dict | None, elements) -> dict | None:
    if not item or not elements:
        return None
    current = item.get(elements[0])
    for element in elements[1:]:
        if current is None:
            return None
        if isinstance(element, int):
            items = current.get("L") if isinstance(current, dict) else None
            current = items[element] if items is not None and element < len(items) else None
        else:
            members = current.get("M") if isinstance(current, dict) else None
            current = members.get(element) if members is not None else None
    return current


def value_size(v: dict | None) -> int | None:
    t = value_type(v) if v is not None else None
    if t == "S":
        return len(v["S"])
    if t == "B":
        return len(_bytes(v["B"]))
    if t in ("SS", "NS", "BS", "L", "M"):
        return len(v[t])
    return None


def contains(haystack: dict | None, needle: dict | None) -> bool:
    if haystack is None or needle is None:
        return False
    th, tn = value_type(haystack), value_type(needle)
    if th == "S" and tn == "S":
        return needle["S"] in haystack["S"]
    if th == "B" and tn == "B":
        return _bytes(needle["B"]) in _bytes(haystack["B"])
    if th in ("SS", "NS", "BS") and tn == th[0]:
        return any(values_equal({tn: x}, needle) for x in haystack[th])
    if th == "L":
        return any(values_equal(x, needle) for x in haystack["L"])
    return False


def begins_with(value: dict | None, prefix: dict | None) -> bool:
    if value is None or prefix is None:
        return False
    tv, tp = value_type(value), value_type(prefix)
    if tv == "S" and tp == "S":
        return value["S"].startswith(prefix["S"])
    if tv == "B" and tp == "B":
        return _bytes(value["B"]).startswith(_bytes(prefix["B"]))
    return False


# ---------------------------------------------------------------------------------------------
# Conditions


def _operand(node, item: dict) -> dict | None:
    if isinstance(node, Path):
        return get_path(item, node.elements)
    if isinstance(node, Value):
        return node.value
    if isinstance(node, Func) and node.name == "size":
        size = value_size(_operand(node.args[0], item))
        return None if size is None else {"N": str(size)}
    return None


def _compare(op: str, left: dict | None, right: dict | None) -> bool:
    if op == "=":
        return values_equal(left, right)
    if op == "<>":
        return not values_equal(left, right)
    c = compare_values(left, right)
    if c is None:
        return False
    return {"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]


def _between(value, low, high) -> bool:
    c1, c2 = compare_values(value, low), compare_values(value, high)
    return c1 is not None and c2 is not None and c1 >= 0 and c2 <= 0


def _function(func: Func, item: dict) -> bool:
    name, args = func.name, func.args
    if name == "attribute_exists":
        return _operand(args[0], item) is not None
    if name == "attribute_not_exists":
        return _operand(args[0], item) is None
    if name == "attribute_type":
        value, wanted = _operand(args[0], item), _operand(args[1], item)
        return value is not None and wanted is not None and value_type(value) == wanted.get("S")
    if name == "begins_with":
        return begins_with(_operand(args[0], item), _operand(args[1], item))
    if name == "contains":
        return contains(_operand(args[0], item), _operand(args[1], item))
    return False


def _legacy(node: LegacyCond, item: dict) -> bool:
    value = get_path(item, node.path.elements)
    op, args = node.op, node.values
    if op == "NULL":
        return value is None
    if op == "NOT_NULL":
        return value is not None
    if op == "NE":
        return not values_equal(value, args[0])
    if value is None:
        return False
    if op == "EQ":
        return values_equal(value, args[0])
    if op in ("LT", "LE", "GT", "GE"):
        return _compare({"LT": "<", "LE": "<=", "GT": ">", "GE": ">="}[op], value, args[0])
    if op == "CONTAINS":
        return contains(value, args[0])
    if op == "NOT_CONTAINS":
        return not contains(value, args[0])
    if op == "BEGINS_WITH":
        return begins_with(value, args[0])
    if op == "IN":
        return any(values_equal(value, a) for a in args)
    if op == "BETWEEN":
        return _between(value, args[0], args[1])
    return False


def _evaluate(node, item: dict) -> bool:
    if isinstance(node, And):
        return _evaluate(node.left, item) and _evaluate(node.right, item)
    if isinstance(node, Or):
        return _evaluate(node.left, item) or _evaluate(node.right, item)
    if isinstance(node, Not):
        return not _evaluate(node.operand, item)
    if isinstance(node, Compare):
        return _compare(node.op, _operand(node.left, item), _operand(node.right, item))
    if isinstance(node, Between):
        return _between(_operand(node.operand, item), _operand(node.low, item),
                        _operand(node.high, item))
    if isinstance(node, In):
        value = _operand(node.operand, item)
        return any(values_equal(value, _operand(o, item)) for o in node.options)
    if isinstance(node, FuncCond):
        return _function(node.func, item)
    if isinstance(node, LegacyCond):
        return _legacy(node, item)
    if node is None:
        return True
    raise TypeError(f"not a condition: {node!r}")


def matches(condition, item: dict | None) -> bool:
    """Whether `item` (None: no such item, so every attribute is missing) satisfies `condition`."""
    return _evaluate(condition.root if condition is not None else None, item or {})


# ---------------------------------------------------------------------------------------------
# Projections


def project_paths(item: dict | None, paths) -> dict:
    """The parts of `item` at `paths`, keeping the nested structure (list elements compacted in
    index order)."""
    if not item:
        return {}
    tree: dict = {}
    for elements in paths:
        value = get_path(item, elements)
        if value is None:
            continue
        node = tree
        for element in elements[:-1]:
            node = node.setdefault(element, {})
            if node is True:
                break
        else:
            node[elements[-1]] = True
    return {name: _build(item[name], sub) for name, sub in tree.items()}


def _build(value: dict, sub) -> dict:
    if sub is True:
        return copy.deepcopy(value)
    if "M" in value:
        members = value["M"]
        return {"M": {k: _build(members[k], s) for k, s in sub.items() if k in members}}
    items = value["L"]
    return {"L": [_build(items[i], sub[i]) for i in sorted(sub) if i < len(items)]}


def project(projection, item: dict) -> dict:
    return project_paths(item, projection.paths)


# ---------------------------------------------------------------------------------------------
# Updates


def _arith(op: str, left: dict, right: dict) -> dict:
    if value_type(left) != "N" or value_type(right) != "N":
        raise ValidationException(INCORRECT_TYPE)
    a, b = _decimal(left["N"]), _decimal(right["N"])
    result = _CONTEXT.add(a, b) if op == "+" else _CONTEXT.subtract(a, b)
    if len(result.normalize(_CONTEXT).as_tuple().digits) > MAX_DIGITS:
        raise ValidationException(OVERFLOW)  # what DynamoDB says of a result it cannot hold
    return {"N": canonical_decimal(result)}


def _set_value(node, item: dict) -> dict:
    if isinstance(node, Value):
        return node.value
    if isinstance(node, Path):
        value = get_path(item, node.elements)
        if value is None:
            raise ValidationException(MISSING_ATTRIBUTE)
        return value
    if isinstance(node, Arith):
        return _arith(node.op, _set_value(node.left, item), _set_value(node.right, item))
    if isinstance(node, Func):
        if node.name == "if_not_exists":
            existing = get_path(item, node.args[0].elements)
            return existing if existing is not None else _set_value(node.args[1], item)
        if node.name == "list_append":
            first, second = _set_value(node.args[0], item), _set_value(node.args[1], item)
            if value_type(first) != "L" or value_type(second) != "L":
                raise ValidationException(INCORRECT_TYPE)
            return {"L": list(first["L"]) + list(second["L"])}
    raise ValidationException(INCORRECT_TYPE)


def _parent(item: dict, elements) -> tuple[dict, object]:
    """The container holding the last element of `elements`: the item itself for a top-level
    attribute, else the M/L value, checked to be of the right kind."""
    if len(elements) == 1:
        return item, elements[0]
    parent = get_path(item, elements[:-1])
    last = elements[-1]
    kind = "L" if isinstance(last, int) else "M"
    if parent is None or kind not in parent:
        raise ValidationException(INVALID_PATH)
    return parent[kind], last


def _assign(item: dict, elements, value: dict):
    container, last = _parent(item, elements)
    value = copy.deepcopy(value)
    if isinstance(last, int):
        if last < len(container):
            container[last] = value
        else:
            container.append(value)
    else:
        container[last] = value


def _remove(item: dict, elements):
    container, last = _parent(item, elements)
    if isinstance(last, int):
        if last < len(container):
            del container[last]
    else:
        container.pop(last, None)


def _read(item: dict, elements) -> dict | None:
    container, last = _parent(item, elements)
    if isinstance(last, int):
        return container[last] if last < len(container) else None
    return container.get(last)


def _union(existing: dict, addition: dict) -> dict:
    t = value_type(existing)
    e = t[0]  # the element type: S, N or B
    members = list(existing[t])
    for x in addition[t]:
        if not any(values_equal({e: x}, {e: m}) for m in members):
            members.append(x)
    return {t: members}


def _difference(existing: dict, removal: dict) -> dict | None:
    t = value_type(existing)
    e = t[0]
    members = [m for m in existing[t] if not any(values_equal({e: m}, {e: x}) for x in removal[t])]
    return {t: members} if members else None


def _add(item: dict, elements, value: dict, legacy: bool = False):
    existing = _read(item, elements)
    t = value_type(value)
    if existing is None:
        _assign(item, elements, value)
    elif value_type(existing) != t:
        raise ValidationException(LEGACY_TYPE_MISMATCH if legacy else INCORRECT_TYPE)
    elif t == "N":
        _assign(item, elements, _arith("+", existing, value))
    elif t in ("SS", "NS", "BS"):
        _assign(item, elements, _union(existing, value))
    elif t == "L" and legacy:
        _assign(item, elements, {"L": list(existing["L"]) + list(value["L"])})
    else:
        raise ValidationException(LEGACY_TYPE_MISMATCH if legacy else INCORRECT_TYPE)


def _delete(item: dict, elements, value: dict, legacy: bool = False):
    existing = _read(item, elements)
    if existing is None:
        return
    if value_type(existing) != value_type(value) or value_type(value) not in ("SS", "NS", "BS"):
        raise ValidationException(LEGACY_TYPE_MISMATCH if legacy else INCORRECT_TYPE)
    remaining = _difference(existing, value)
    if remaining is None:
        _remove(item, elements)
    else:
        _assign(item, elements, remaining)


def _path_order(elements):
    return tuple((1, e) if isinstance(e, int) else (0, e) for e in elements)


def apply_update(update, item: dict | None, key: dict | None = None) -> dict:
    """A new item: `item` (None: no such item yet, so the new one starts from `key`) with the
    update applied. Operands are read from the item as it was before the update."""
    original = item if item is not None else (key or {})
    new = copy.deepcopy(original)
    # SET, ADD and DELETE together in path order, so that several elements given past a list's
    # end are appended by index whichever clause names them (as DynamoDB does); REMOVE after
    changes = [(a.path.elements, a, _set_value(a.value, original) if isinstance(a, SetAction)
                else a.value.value)
               for a in update.actions if isinstance(a, (SetAction, AddAction, DeleteAction))]
    for elements, action, value in sorted(changes, key=lambda c: _path_order(c[0])):
        if isinstance(action, SetAction):
            _assign(new, elements, value)
        elif isinstance(action, AddAction):
            _add(new, elements, value)
        else:
            _delete(new, elements, value)
    removes = [a.path.elements for a in update.actions if isinstance(a, RemoveAction)]
    for elements in sorted(removes, key=_path_order, reverse=True):
        if item is None and len(elements) > 1:
            continue  # DynamoDB ignores a nested REMOVE on an item that does not exist
        _remove(new, elements)
    for action in update.actions:
        if isinstance(action, LegacyUpdateAction):
            elements = action.path.elements
            if action.action == "PUT":
                _assign(new, elements, action.value)
            elif action.action == "ADD":
                _add(new, elements, action.value, legacy=True)
            elif action.value is None:
                _remove(new, elements)
            else:
                _delete(new, elements, action.value, legacy=True)
    return new


def updated_attributes(update, old: dict | None, new: dict | None, which: str) -> dict:
    """ReturnValues UPDATED_OLD / UPDATED_NEW: only what the update touched, from old or new."""
    # Plain projections: a removed list element shows its successor in UPDATED_NEW and a list
    # index set past the end (an append) shows nothing, as DynamoDB does.
    source = old if which == "UPDATED_OLD" else new
    return project_paths(source, update.target_paths())


def referenced_paths(expression) -> list[tuple]:
    """Every resolved document path a Condition / Projection / Update mentions (update targets
    and operands alike), e.g. for "can only contain non-primary key attributes" checks."""
    if hasattr(expression, "paths"):
        return list(expression.paths)
    found: list[tuple] = []
    _collect(expression.root if hasattr(expression, "root") else expression.actions, found)
    return found


def _collect(node, found: list):
    if isinstance(node, Path):
        found.append(node.elements)
    elif isinstance(node, (list, tuple)):
        for child in node:
            _collect(child, found)
    elif hasattr(node, "__dataclass_fields__"):
        for name in node.__dataclass_fields__:
            _collect(getattr(node, name), found)  # AttributeValue dicts are skipped
