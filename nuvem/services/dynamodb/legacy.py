"""The legacy (non-expression) parameters, converted to the expression AST.

Expected / QueryFilter / ScanFilter become `LegacyCond` nodes (ComparisonOperator semantics),
KeyConditions a `KeyCondition`, AttributeUpdates an `Update` of `LegacyUpdateAction`s and
AttributesToGet a `Projection`. Messages follow DynamoDB's wording.
"""
from __future__ import annotations

from nuvem.services.dynamodb.errors import ValidationException
from nuvem.services.dynamodb.evaluation import compare_values
from nuvem.services.dynamodb.expressions import (
    And, Condition, KeyCondition, LegacyCond, LegacyUpdateAction, Or, Projection, Update,
    literal_path, null_suffix, value_type)
from nuvem.services.dynamodb.keycondition import key_condition_from_parts
from nuvem.services.dynamodb.values import check_attribute_names, check_value

INVALID = "One or more parameter values were invalid: "

# operation -> (non-expression parameters, expression parameters, those that take values)
_PARAMETERS = {
    "GetItem": (("AttributesToGet",), ("ProjectionExpression",), ()),
    "BatchGetItem": (("AttributesToGet",), ("ProjectionExpression",), ()),
    "PutItem": (("Expected", "ConditionalOperator"), ("ConditionExpression",),
                ("ConditionExpression",)),
    "DeleteItem": (("Expected", "ConditionalOperator"), ("ConditionExpression",),
                   ("ConditionExpression",)),
    "UpdateItem": (("AttributeUpdates", "Expected", "ConditionalOperator"),
                   ("UpdateExpression", "ConditionExpression"),
                   ("UpdateExpression", "ConditionExpression")),
    "Query": (("AttributesToGet", "KeyConditions", "QueryFilter", "ConditionalOperator"),
              ("ProjectionExpression", "FilterExpression", "KeyConditionExpression"),
              ("FilterExpression", "KeyConditionExpression")),
    "Scan": (("AttributesToGet", "ScanFilter", "ConditionalOperator"),
             ("ProjectionExpression", "FilterExpression"), ("FilterExpression",)),
}

# A legacy parameter that clashes only with its own expression: Query's KeyConditions goes with a
# FilterExpression or ProjectionExpression (DynamoDB's KeyConditions page: "If a FilterExpression
# or QueryFilter is present, it will be applied after the items are retrieved").
_CLASHES_ONLY_WITH = {"KeyConditions": "KeyConditionExpression"}

_ARITY = {"EQ": 1, "NE": 1, "LE": 1, "LT": 1, "GE": 1, "GT": 1, "CONTAINS": 1, "NOT_CONTAINS": 1,
          "BEGINS_WITH": 1, "NULL": 0, "NOT_NULL": 0, "BETWEEN": 2}
_SCALAR = ("S", "N", "B")
_ALLOWED_TYPES = {"LT": _SCALAR, "LE": _SCALAR, "GT": _SCALAR, "GE": _SCALAR, "IN": _SCALAR,
                  "BETWEEN": _SCALAR, "CONTAINS": ("S", "N", "B", "BOOL", "NULL"),
                  "NOT_CONTAINS": ("S", "N", "B", "BOOL", "NULL"), "BEGINS_WITH": ("S", "B")}


def check_no_mix(request: dict, operation: str) -> None:
    """Rejects a request mixing legacy and expression parameters, and expression attribute names
    or values given with no expression to use them."""
    legacy, expression, valued = _PARAMETERS.get(operation, ((), (), ()))
    used_legacy = [p for p in legacy if request.get(p) is not None
                   and request.get(_CLASHES_ONLY_WITH.get(p, p)) is not None]
    used_expression = [p for p in expression if request.get(p) is not None]
    if used_legacy and used_expression:
        raise ValidationException(
            "Can not use both expression and non-expression parameters in the same request: "
            f"Non-expression parameters: {{{', '.join(used_legacy)}}} "
            f"Expression parameters: {{{', '.join(used_expression)}}}")
    if not used_expression:
        if request.get("ExpressionAttributeNames") is not None:
            raise ValidationException(
                "ExpressionAttributeNames can only be specified when using expressions")
        if request.get("ExpressionAttributeValues") is not None:
            raise ValidationException(
                "ExpressionAttributeValues can only be specified when using expressions"
                + null_suffix(list(valued)))
    if request.get("ConditionalOperator") is not None:
        # it joins the conditions of Expected / QueryFilter / ScanFilter: there must be some
        sizes = [len(request.get(p) or ()) for p in ("Expected", "QueryFilter", "ScanFilter")]
        if not any(sizes):
            raise ValidationException("ConditionalOperator cannot be used without Filter or "
                                      "Expected")
        if max(sizes) < 2:
            raise ValidationException("ConditionalOperator can only be used when Filter or "
                                      "Expected has two or more elements")


def _arguments(op: str, values: list, *, key: bool = False) -> None:
    count = len(values)
    ok = count >= 1 if op == "IN" else count == _ARITY.get(op, -1)
    if not ok:
        if key:     # KeyConditions are worded apart
            raise ValidationException("The attempted filter operation is not supported for the "
                                      "provided filter argument count")
        raise ValidationException(f"{INVALID}Invalid number of argument(s) for the {op} ComparisonOperator")


def _check_types(op: str, values: list) -> None:
    allowed = _ALLOWED_TYPES.get(op)
    for value in values:
        t = value_type(value)
        if allowed is not None and t not in allowed:
            raise ValidationException(f"{INVALID}ComparisonOperator {op} is not valid for {t} AttributeValue type")
    if op in ("IN", "BETWEEN") and len({value_type(v) for v in values}) > 1:
        raise ValidationException(f"{INVALID}AttributeValues inside AttributeValueList must be of same type")
    if op == "BETWEEN":
        c = compare_values(values[0], values[1])
        if c is not None and c > 0:
            raise ValidationException("The BETWEEN condition was provided a range where the lower "
                                      "bound is greater than the upper bound")


def _comparison(name: str, op: str, values: list) -> LegacyCond:
    values = [check_value(v) for v in values]
    _arguments(op, values)
    _check_types(op, values)
    return LegacyCond(op, literal_path(name), list(values))


def _combine(nodes: list, conditional_operator: str | None):
    if not nodes:
        return None
    node = nodes[0]
    for other in nodes[1:]:
        node = Or(node, other) if conditional_operator == "OR" else And(node, other)
    return node


def condition_from_expected(expected: dict, conditional_operator: str | None) -> Condition:
    nodes = []
    for name, spec in (expected or {}).items():
        spec = spec or {}
        op = spec.get("ComparisonOperator")
        value, values = spec.get("Value"), spec.get("AttributeValueList")
        exists = spec.get("Exists")
        if value is not None and values is not None:    # with or without a ComparisonOperator
            raise ValidationException(f"{INVALID}Value and AttributeValueList cannot be used "
                                      f"together for Attribute: {name}")
        if op is not None:
            if exists is not None:
                raise ValidationException(f"{INVALID}Exists and ComparisonOperator cannot be used "
                                          f"together for Attribute: {name}")
            if value is None and values is None and op not in ("NULL", "NOT_NULL"):
                raise ValidationException(f"{INVALID}Value or AttributeValueList must be used with "
                                          f"ComparisonOperator: {op} for Attribute: {name}")
            args = [value] if value is not None else list(values or [])
            nodes.append(_comparison(name, op, args))
        elif values is not None:
            raise ValidationException(f"{INVALID}AttributeValueList can only be used with a "
                                      f"ComparisonOperator for Attribute: {name}")
        elif exists is None or exists:
            if value is None:
                shown = "null" if exists is None else "true"
                raise ValidationException(f"{INVALID}Value must be provided when Exists is {shown} "
                                          f"for Attribute: {name}")
            nodes.append(LegacyCond("EQ", literal_path(name), [check_value(value)]))
        else:
            if value is not None:
                raise ValidationException(f"{INVALID}Value cannot be used when Exists is false for "
                                          f"Attribute: {name}")
            nodes.append(LegacyCond("NULL", literal_path(name), []))
    return Condition(_combine(nodes, conditional_operator), "Expected")


def condition_from_filter(conditions: dict, conditional_operator: str | None) -> Condition:
    """QueryFilter / ScanFilter."""
    nodes = []
    for name, spec in (conditions or {}).items():
        spec = spec or {}
        nodes.append(_comparison(name, spec.get("ComparisonOperator"),
                                 list(spec.get("AttributeValueList") or [])))
    return Condition(_combine(nodes, conditional_operator), "Filter")


_KEY_OPERATORS = {"EQ": "=", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">", "BEGINS_WITH": "begins_with",
                  "BETWEEN": "BETWEEN"}


def checked_key_conditions(key_conditions: dict) -> dict[str, tuple[str, list]]:
    """KeyConditions as far as DynamoDB checks them before it looks at the table: each
    condition's values and argument count, then how many there are. {name: (operator, values)}
    for `key_condition_from_legacy`."""
    by_attribute = {}
    for name, spec in key_conditions.items():
        spec = spec or {}
        op = spec.get("ComparisonOperator")
        values = [check_value(v) for v in spec.get("AttributeValueList") or []]
        _arguments(op, values, key=True)
        _check_types(op, values)
        by_attribute[name] = (op, values)
    if len(by_attribute) not in (1, 2):
        raise ValidationException("Conditions can be of length 1 or 2 only")
    return by_attribute


def key_condition_from_legacy(by_attribute: dict[str, tuple[str, list]], hash_key: str,
                              range_key: str | None,
                              key_types: dict[str, str] | None = None) -> KeyCondition:
    """The key condition of `checked_key_conditions` on the table's or index's key schema."""
    return key_condition_from_parts(
        {name: (_KEY_OPERATORS.get(op), values) for name, (op, values) in by_attribute.items()},
        hash_key, range_key, key_types)


def update_from_attribute_updates(updates: dict) -> Update:
    """AttributeUpdates: PUT (the default) replaces, ADD adds to a number or set (or appends to a
    list, creating the attribute), DELETE removes the attribute or, with a value, set members."""
    updates = updates or {}
    check_attribute_names(updates)
    actions = []
    for name, spec in updates.items():
        spec = spec or {}
        action = spec.get("Action") or "PUT"
        value = spec.get("Value")
        if value is not None:
            value = check_value(value)
        t = value_type(value) if value is not None else None
        if value is None and action != "DELETE":
            raise ValidationException(f"{INVALID}Only DELETE action is allowed when no attribute "
                                      "value is specified")
        if action == "ADD" and t not in ("N", "SS", "NS", "BS", "L"):
            raise ValidationException(f"{INVALID}ADD action is not supported for the type {t}")
        if action == "DELETE" and value is not None and t not in ("SS", "NS", "BS"):
            raise ValidationException(f"{INVALID}DELETE action with value is not supported for the "
                                      f"type {t}")
        actions.append(LegacyUpdateAction(action, literal_path(name), value))
    return Update(actions)


def projection_from_attributes_to_get(names: list[str]) -> Projection:
    seen = set()
    for name in names:
        if name in seen:
            raise ValidationException(f"{INVALID}Duplicate value in attribute name: {name}")
        seen.add(name)
    return Projection([(name,) for name in names])
