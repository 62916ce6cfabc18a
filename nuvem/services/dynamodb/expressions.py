"""DynamoDB's expression language: parsing entry points, validation and placeholder tracking.

One `Expressions` per request holds ExpressionAttributeNames/Values, parses each of the request's
expressions (condition, filter, key condition, projection, update) and tracks which placeholders
were used. Parsing (expression_parser.py) builds an AST first, so syntax errors raise at once; a
validation pass then resolves names and values and reports the first problem in DynamoDB's order
of precedence. Evaluation lives in evaluation.py, the legacy parameters in legacy.py.
"""
from __future__ import annotations

import base64

from nuvem.services.dynamodb.errors import ValidationException
from nuvem.services.dynamodb.expression_parser import (  # noqa: F401  (AST re-exported)
    _WORD, ATTRIBUTE_TYPES, CONDITION_FUNCTIONS, CONDITION_KEYWORDS, MAX_IN_OPERANDS,
    UPDATE_FUNCTIONS, UPDATE_KEYWORDS, AddAction, And, Arith, Between, Compare, Condition,
    DeleteAction, Func, FuncCond, In, KeyCondition, LegacyCond, LegacyUpdateAction, Not, Or, Path,
    Projection, RemoveAction, SetAction, Update, Value, _Parser, _Syntax, literal_path, path_str)
from nuvem.services.dynamodb.reserved import RESERVED_WORDS
from nuvem.services.dynamodb.values import MAX_DEPTH, checked_value

# ---------------------------------------------------------------------------------------------
# Validation


def value_type(av) -> str | None:
    if isinstance(av, dict) and len(av) == 1:
        return next(iter(av))
    return None


def format_value(av: dict) -> str:
    t = value_type(av)
    v = av[t]
    if t == "B":
        v = base64.b64encode(v).decode() if isinstance(v, (bytes, bytearray)) else v
    return f"{{{t}:{v}}}"


ORDERED_TYPES = ("S", "N", "B")
MAX_PATH_DEPTH = 32
MAX_EXPRESSION_BYTES = 4096
MAX_OPERATORS = 300

_ADD_DELETE_TYPE_WORDS = {"S": "STRING", "N": "NUMBER", "B": "BINARY", "NULL": "NULL",
                          "BOOL": "BOOLEAN", "L": "LIST", "M": "MAP"}


class _Checker:
    """Collects the first error of each category; `first(order)` picks by precedence."""

    def __init__(self, exprs: "Expressions", context: str):
        self.exprs = exprs
        self.context = context  # "condition" / "update" / "projection"
        self.errors: dict[str, str] = {}

    def add(self, category: str, message: str):
        self.errors.setdefault(category, message)

    def first(self, order) -> str | None:
        for category in order:
            if category in self.errors:
                return self.errors[category]
        return None

    # -- resolution
    def resolve_path(self, path: Path):
        if len(path.raw) > MAX_PATH_DEPTH:
            self.add("nesting", "The document path has too many nesting levels; "
                     f"nesting levels: {len(path.raw)}")
        elements = []
        for kind, item in path.raw:
            if kind == "name":
                if item.upper() in RESERVED_WORDS:
                    self.add("reserved", "Attribute name is a reserved keyword; "
                             f"reserved keyword: {item}")
                elements.append(item)
            elif kind == "index":
                elements.append(item)
            else:
                name = self.exprs._name(item)
                if name is None:
                    self.add("attrName", "An expression attribute name used in the document path is "
                             f"not defined; attribute name: {item}")
                    return
                elements.append(name)
        path.elements = tuple(elements)

    def resolve_value(self, node: Value):
        value = self.exprs._value(node.placeholder)
        if value is None:
            self.add("attrVal", "An expression attribute value used in expression is not defined; "
                     f"attribute value: {node.placeholder}")
        node.value = value

    # -- operands
    def operand_type(self, node) -> str | None:
        if isinstance(node, Value):
            return value_type(node.value)
        if isinstance(node, Func):
            return {"size": "N", "list_append": "L"}.get(node.name)
        if isinstance(node, Arith):
            return "N"
        return None

    def misuse(self, operands):
        for op in operands:
            if isinstance(op, Func) and op.name != "size":
                self.add("misusedFunction", "The function is not allowed to be used this way in an "
                         f"expression; function: {op.name}")

    def operand(self, node):
        if node.paren >= 2 and self.context == "condition":
            self.add("parens", "The expression has redundant parentheses;")
        if isinstance(node, Path):
            self.resolve_path(node)
        elif isinstance(node, Value):
            self.resolve_value(node)
        elif isinstance(node, Func):
            self.function(node)
        elif isinstance(node, Arith):
            self.operand(node.left)
            self.operand(node.right)
            self.typed_args(node.op, [node.left, node.right], ("N",), immediate=True)

    def distinct(self, name: str, args):
        if not (len(args) == 2 and isinstance(args[0], Path) and isinstance(args[1], Path)):
            return
        first, second = args
        same = (first.elements == second.elements if first.elements and second.elements
                else first.raw == second.raw)
        if same:
            self.add("distinct", "The first operand must be distinct from the remaining operands "
                     f"for this operator or function; operator: {name}, "
                     f"first operand: {path_str(first.elements)}")

    def typed_args(self, name, args, allowed, immediate=False):
        for arg in args:
            t = value_type(arg.value) if isinstance(arg, Value) else (
                None if immediate else self.operand_type(arg))
            if t is not None and t not in allowed:
                self.add("function", "Incorrect operand type for operator or function; "
                         f"operator or function: {name}, operand type: {t}")
                return

    def function(self, node: Func):
        name = node.name
        known = CONDITION_FUNCTIONS if self.context == "condition" else UPDATE_FUNCTIONS
        if name not in CONDITION_FUNCTIONS and name not in UPDATE_FUNCTIONS:
            self.add("unknownFunction", f"Invalid function name; function: {name}")
        elif name not in known:
            where = ("a condition expression" if self.context == "condition"
                     else "an update expression")
            self.add("wrongFunction", f"The function is not allowed in {where}; function: {name}")
        if self.context == "condition":
            self.misuse(node.args)
        else:  # list_append can not be nested in a function call (if_not_exists can)
            for arg in node.args:
                if isinstance(arg, Func) and arg.name == "list_append":
                    self.add("misusedFunction", "The function is not allowed to be used this way "
                             "in an expression; function: list_append")
        for arg in node.args:
            self.operand(arg)
        arity = CONDITION_FUNCTIONS.get(name) or UPDATE_FUNCTIONS.get(name)
        if arity is None:
            return
        if len(node.args) != arity:
            self.add("operand", "Incorrect number of operands for operator or function; "
                     f"operator or function: {name}, number of operands: {len(node.args)}")
            return
        if arity == 2 and name not in UPDATE_FUNCTIONS:
            self.distinct(name, node.args)
        if name in ("attribute_exists", "attribute_not_exists", "if_not_exists"):
            if not isinstance(node.args[0], Path):
                self.add("function", "Operator or function requires a document path; "
                         f"operator or function: {name}")
                return
        if name == "begins_with":
            self.typed_args(name, node.args, ("S", "B"))
        elif name == "size":
            t = self.operand_type(node.args[0])
            if t in ("N", "BOOL", "NULL"):
                self.add("function", "Incorrect operand type for operator or function; "
                         f"operator or function: size, operand type: {t}")
        elif name == "attribute_type":
            arg = node.args[1]
            t = self.operand_type(arg)
            if t != "S":
                shown = t or "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"
                self.add("function", "Incorrect operand type for operator or function; "
                         f"operator or function: attribute_type, operand type: {shown}")
            elif arg.value["S"] not in ATTRIBUTE_TYPES:
                self.add("function", f"Invalid attribute type name found; type: {arg.value['S']}, "
                         "valid types: {" + ",".join(ATTRIBUTE_TYPES) + "}")
        elif name == "list_append":
            self.typed_args(name, node.args, ("L",), immediate=True)

    # -- conditions
    def condition(self, node):
        if node.paren >= 2:
            self.add("parens", "The expression has redundant parentheses;")
        if isinstance(node, (And, Or)):
            self.condition(node.left)
            self.condition(node.right)
        elif isinstance(node, Not):
            self.condition(node.operand)
        elif isinstance(node, FuncCond):
            if node.func.name == "size":
                self.add("misusedFunction", "The function is not allowed to be used this way in an "
                         "expression; function: size")
            self.function(node.func)
        elif isinstance(node, Compare):
            self.misuse([node.left, node.right])
            self.operand(node.left)
            self.operand(node.right)
            self.distinct(node.op, [node.left, node.right])
            if node.op not in ("=", "<>"):
                self.typed_args(node.op, [node.left, node.right], ORDERED_TYPES, immediate=True)
        elif isinstance(node, Between):
            self.misuse([node.operand, node.low, node.high])
            for op in (node.operand, node.low, node.high):
                self.operand(op)
            self.between(node.low, node.high)
            self.typed_args("BETWEEN", [node.operand, node.low, node.high], ORDERED_TYPES,
                            immediate=True)
        elif isinstance(node, In):
            self.misuse([node.operand, *node.options])
            self.operand(node.operand)
            for op in node.options:
                self.operand(op)
            if len(node.options) + 1 > MAX_IN_OPERANDS:
                self.add("function", "The IN operator is provided with too many operands; "
                         f"number of operands: {len(node.options) + 1}")

    def between(self, low, high):
        if not (isinstance(low, Value) and isinstance(high, Value)):
            return
        if low.value is None or high.value is None:
            return
        t1, t2 = value_type(low.value), value_type(high.value)
        bounds = (f"lower bound operand: AttributeValue: {format_value(low.value)}, "
                  f"upper bound operand: AttributeValue: {format_value(high.value)}")
        if t1 != t2:
            self.add("function", "The BETWEEN operator requires same data type for lower and upper "
                     f"bounds; {bounds}")
            return
        if t1 not in ORDERED_TYPES:
            self.add("function", "Incorrect operand type for operator or function; "
                     f"operator or function: BETWEEN, operand type: {t1}")
            return
        from nuvem.services.dynamodb.evaluation import compare_values
        c = compare_values(low.value, high.value)
        if c is not None and c > 0:
            self.add("function", "The BETWEEN operator requires upper bound to be greater than or "
                     f"equal to lower bound; {bounds}")


_CONDITION_ORDER = ("nesting", "parens", "unknownFunction", "wrongFunction", "misusedFunction",
                    "reserved", "attrName", "attrVal", "operand", "distinct", "function")
_UPDATE_ORDER = ("nesting", "reserved", "unknownFunction", "wrongFunction", "misusedFunction",
                 "section", "attrName", "attrVal", "pathOverlap", "pathConflict", "addDelete",
                 "operand", "function")
_PROJECTION_ORDER = ("nesting", "reserved", "attrName", "pathOverlap", "pathConflict")


def check_paths(checker: _Checker, paths):
    """Two paths overlap when one is a prefix of (or equal to) the other; they conflict when at
    the first difference one has a list index and the other a map key."""
    seen = []
    for path in paths:
        if not path.elements and path.raw:
            continue  # unresolved
        for other in seen:
            a, b = other.elements, path.elements
            for x, y in zip(a, b):
                if isinstance(x, int) != isinstance(y, int):
                    checker.add("pathConflict", "Two document paths conflict with each other; must "
                                "remove or rewrite one of these paths; "
                                f"path one: {path_str(a)}, path two: {path_str(b)}")
                    break
                if x != y:
                    break
            else:
                checker.add("pathOverlap", "Two document paths overlap with each other; must "
                            "remove or rewrite one of these paths; "
                            f"path one: {path_str(a)}, path two: {path_str(b)}")
        seen.append(path)


# ---------------------------------------------------------------------------------------------
# Expressions: one per request


def _operator_count(root) -> int:
    """AND, OR, NOT, comparisons, BETWEEN and IN of a condition (functions and parentheses do
    not count)."""
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        if isinstance(node, (And, Or)):
            count += 1
            stack += (node.left, node.right)
        elif isinstance(node, Not):
            count += 1
            stack.append(node.operand)
        elif isinstance(node, (Compare, Between, In)):
            count += 1
    return count


def _key_ok(key: str, prefix: str) -> bool:
    return len(key) > 1 and key[0] == prefix and all(c in _WORD for c in key[1:])


def _checked_value(key: str, value, levels: int) -> dict:
    """DynamoDB checks every ExpressionAttributeValues entry up front, used or not (nested at
    most `levels` levels)."""
    try:
        return checked_value(value, MAX_DEPTH + 1 - levels)[0]
    except ValidationException as e:
        # the same class: a value nested too deep stays one (`values.TooDeep`)
        raise type(e)("ExpressionAttributeValues contains invalid value: "
                      f"{e.message} for key {key}") from None


class Expressions:
    """One per request: holds ExpressionAttributeNames/Values and tracks which were used."""

    def __init__(self, names: dict[str, str] | None, values: dict[str, dict] | None,
                 value_levels: int = MAX_DEPTH):
        self.names = names
        self.values = values
        self.used_names: set[str] = set()
        self.used_values: set[str] = set()
        self.parsed = 0
        for param, mapping, prefix in (("ExpressionAttributeNames", names, "#"),
                                       ("ExpressionAttributeValues", values, ":")):
            if mapping is None:
                continue
            if not mapping:
                raise ValidationException(f"{param} must not be empty")
            for key in mapping:
                if not _key_ok(key, prefix):
                    raise ValidationException(
                        f'{param} contains invalid key: Syntax error; key: "{key}"')
                if mapping is names and names[key] == "":
                    raise ValidationException(f"{param} contains invalid value: Empty attribute "
                                              f"name for key {key}")
        if values:
            self.values = {key: _checked_value(key, value, value_levels)
                           for key, value in values.items()}

    # -- placeholder lookup (marks used)
    def _name(self, placeholder: str) -> str | None:
        if self.names is None or placeholder not in self.names:
            return None
        self.used_names.add(placeholder)
        return self.names[placeholder]

    def _value(self, placeholder: str) -> dict | None:
        if self.values is None or placeholder not in self.values:
            return None
        self.used_values.add(placeholder)
        return self.values[placeholder]

    # -- parsing entry points
    def _parse(self, text: str, kind: str, keywords: frozenset, rule: str):
        self.parsed += 1
        if text is None or text == "":
            raise ValidationException(f"Invalid {kind}: The expression can not be empty;")
        size = len(text.encode("utf-8"))
        if size > MAX_EXPRESSION_BYTES:
            raise ValidationException(f"Invalid {kind}: Expression size has exceeded the maximum "
                                      f"allowed size; expression size: {size}")
        parser = _Parser(text, keywords)
        try:
            return getattr(parser, rule)()
        except _Syntax as e:
            raise ValidationException(f"Invalid {kind}: {parser.message(e.index)}") from None
        except RecursionError:
            raise ValidationException(f"Invalid {kind}: The expression is too deeply nested") from None

    def _parse_condition(self, text: str, kind: str):
        root = self._parse(text, kind, CONDITION_KEYWORDS, "condition")
        if _operator_count(root) > MAX_OPERATORS:
            # DynamoDB stops counting at the first operator past the limit
            raise ValidationException(f"Invalid {kind}: The expression contains too many "
                                      f"operators; operator count: {MAX_OPERATORS + 1}")
        checker = _Checker(self, "condition")
        checker.condition(root)
        message = checker.first(_CONDITION_ORDER)
        if message:
            raise ValidationException(f"Invalid {kind}: {message}")
        return root

    def condition(self, text: str, kind: str = "ConditionExpression") -> Condition:
        return Condition(self._parse_condition(text, kind), kind)

    def key_condition(self, text: str, hash_key: str, range_key: str | None,
                      key_types: dict[str, str] | None = None) -> KeyCondition:
        """`key_types` (optional, attribute name -> S/N/B) adds DynamoDB's schema type check."""
        from nuvem.services.dynamodb.keycondition import build_key_condition  # noqa: PLC0415
        root = self._parse_condition(text, "KeyConditionExpression")
        return build_key_condition(root, hash_key, range_key, key_types)

    def projection(self, text: str) -> Projection:
        kind = "ProjectionExpression"
        paths = self._parse(text, kind, frozenset(), "projection")
        checker = _Checker(self, "projection")
        for path in paths:
            checker.resolve_path(path)
        check_paths(checker, paths)
        message = checker.first(_PROJECTION_ORDER)
        if message:
            raise ValidationException(f"Invalid {kind}: {message}")
        return Projection([p.elements for p in paths])

    def update(self, text: str) -> Update:
        kind = "UpdateExpression"
        sections = self._parse(text, kind, UPDATE_KEYWORDS, "update")
        checker = _Checker(self, "update")
        seen, actions = set(), []
        for word, section_actions in sections:
            if word in seen:
                checker.add("section", f'The "{word}" section can only be used once in an update '
                            'expression;')
            seen.add(word)
            for action in section_actions:
                checker.resolve_path(action.path)
                if isinstance(action, SetAction):
                    checker.operand(action.value)
                elif isinstance(action, (AddAction, DeleteAction)):
                    checker.resolve_value(action.value)
                    t = value_type(action.value.value)
                    word_type = _ADD_DELETE_TYPE_WORDS.get(t)
                    if word_type and not (word == "ADD" and t == "N"):
                        checker.add("addDelete", "Incorrect operand type for operator or function; "
                                    f"operator: {word}, operand type: {word_type}")
                actions.append(action)
        check_paths(checker, [a.path for a in actions])
        message = checker.first(_UPDATE_ORDER)
        if message:
            raise ValidationException(f"Invalid {kind}: {message}")
        order = {"SetAction": 0, "RemoveAction": 1, "AddAction": 2, "DeleteAction": 3}
        actions.sort(key=lambda a: order[type(a).__name__])
        return Update(actions)

    def check_unused(self, expression_params: list[str] | None = None) -> None:
        """After all of a request's expressions are parsed. `expression_params` (optional) names the
        operation's expression parameters, for the "... is null" suffix DynamoDB adds."""
        if not self.parsed:
            if self.names is not None:
                raise ValidationException(
                    "ExpressionAttributeNames can only be specified when using expressions")
            if self.values is not None:
                raise ValidationException(
                    "ExpressionAttributeValues can only be specified when using expressions"
                    + null_suffix(expression_params))
            return
        if self.names:
            unused = [k for k in self.names if k not in self.used_names]
            if unused:
                raise ValidationException("Value provided in ExpressionAttributeNames unused in "
                                          f"expressions: keys: {{{', '.join(unused)}}}")
        if self.values:
            unused = [k for k in self.values if k not in self.used_values]
            if unused:
                raise ValidationException("Value provided in ExpressionAttributeValues unused in "
                                          f"expressions: keys: {{{', '.join(unused)}}}")


def null_suffix(params: list[str] | None) -> str:
    if not params:
        return ""
    verb = "is" if len(params) == 1 else "are"
    return f": {' and '.join(params)} {verb} null"
