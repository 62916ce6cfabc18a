"""KeyConditionExpression: from a parsed condition to the partition-key value and sort-key range.

The expression is parsed with the condition grammar; this module then checks the restricted shape
DynamoDB allows (one `=` on the partition key, at most one condition on the sort key) with its
error messages.
"""
from __future__ import annotations

from nuvem.services.dynamodb.errors import ValidationException
from nuvem.services.dynamodb.expressions import (
    And, Between, Compare, FuncCond, In, KeyCondition, Not, Or, Path, Value)

_FLIP = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _invalid_operator(name: str):
    return ValidationException(f"Invalid operator used in KeyConditionExpression: {name}")


def _flatten(node, out: list):
    if isinstance(node, And):
        _flatten(node.left, out)
        _flatten(node.right, out)
    elif isinstance(node, Or):
        raise _invalid_operator("OR")
    elif isinstance(node, Not):
        raise _invalid_operator("NOT")
    elif isinstance(node, In):
        raise _invalid_operator("IN")
    elif isinstance(node, Compare) and node.op == "<>":
        raise _invalid_operator("<>")
    elif isinstance(node, FuncCond) and node.func.name != "begins_with":
        raise _invalid_operator(node.func.name)
    else:
        out.append(node)


def _operands(cond) -> tuple[str, list]:
    if isinstance(cond, Compare):
        return cond.op, [cond.left, cond.right]
    if isinstance(cond, Between):
        return "BETWEEN", [cond.operand, cond.low, cond.high]
    return "begins_with", list(cond.func.args)


def _key_attribute(cond) -> tuple[str, str, list]:
    """The condition's attribute, its operator (as if the attribute came first) and its values."""
    op, operands = _operands(cond)
    if op in ("BETWEEN", "begins_with") and not isinstance(operands[0], Path):
        raise ValidationException("Invalid condition in KeyConditionExpression: "
                                  f"{op} operator must have the key attribute as its first operand")
    attribute, position, values = None, 0, []
    for i, operand in enumerate(operands):
        if isinstance(operand, Path):
            if attribute is not None:
                raise ValidationException("Invalid condition in KeyConditionExpression: "
                                          "Multiple attribute names used in one condition")
            if len(operand.elements) != 1:
                raise ValidationException(
                    "KeyConditionExpressions cannot have conditions on nested attributes")
            attribute, position = operand, i
        elif isinstance(operand, Value):
            values.append(operand.value)
        else:
            raise ValidationException("KeyConditionExpressions cannot contain nested operations")
    if attribute is None:
        raise ValidationException("Invalid condition in KeyConditionExpression: No key attribute specified")
    if op in _FLIP and position == 1:
        op = _FLIP[op]
    return attribute.elements[0], op, values


def build_key_condition(root, hash_key: str, range_key: str | None,
                        key_types: dict[str, str] | None = None) -> KeyCondition:
    conditions: list = []
    _flatten(root, conditions)
    by_attribute: dict[str, tuple[str, list]] = {}
    for cond in conditions:
        name, op, values = _key_attribute(cond)
        if name in by_attribute:
            raise ValidationException("Invalid KeyConditionExpression: KeyConditionExpressions "
                                      "must only contain one condition per key")
        by_attribute[name] = (op, values)
    if len(by_attribute) > 2:
        raise ValidationException(f"The number of query conditions ({len(by_attribute)}) exceeds "
                                  "the number of key attributes defined in the schema "
                                  f"({2 if range_key else 1})")
    return key_condition_from_parts(by_attribute, hash_key, range_key, key_types)


def key_condition_from_parts(by_attribute: dict, hash_key: str, range_key: str | None,
                             key_types: dict[str, str] | None = None) -> KeyCondition:
    """`by_attribute`: attribute name -> (operator, values), operators as in expressions; an
    operator None means one that cannot be used on a key (legacy NULL, CONTAINS, ...).
    `key_types` (attribute name -> "S"/"N"/"B"), when given, is checked against the values."""
    if range_key is None and len(by_attribute) > 1:
        raise ValidationException("Query key condition not supported")
    for name, is_hash in ((hash_key, True), (range_key, False)):
        if name is None:
            continue
        if name not in by_attribute:
            if is_hash or len(by_attribute) > 1:
                raise ValidationException(f"Query condition missed key schema element: {name}")
            continue
        op = by_attribute[name][0]
        if op is None:
            raise ValidationException("Attempted conditional constraint is not an indexable operation")
        wanted = (key_types or {}).get(name)
        if wanted and any(next(iter(v)) != wanted for v in by_attribute[name][1] if v):
            raise ValidationException("One or more parameter values were invalid: Condition "
                                      "parameter type does not match schema type")
        if is_hash and op != "=":
            raise ValidationException("Query key condition not supported")
    hash_values = by_attribute[hash_key][1]
    range_op, range_values = None, []
    if range_key is not None and range_key in by_attribute:
        range_op, range_values = by_attribute[range_key]
    return KeyCondition(hash_values[0], range_op, list(range_values), hash_key, range_key)
