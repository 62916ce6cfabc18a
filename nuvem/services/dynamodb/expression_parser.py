"""DynamoDB's expression language, first half: the AST node classes, the tokenizer and the
recursive-descent parser (conditions, projections, updates). Parsing raises `_Syntax` with the index
of the offending token; expressions.py turns it into DynamoDB's message and validates the AST.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
# ---------------------------------------------------------------------------------------------
# AST


@dataclass(eq=False)
class Path:
    """A document path. `raw` is as written: ("name", text) | ("attr", "#n") | ("index", int);
    `elements` is resolved (str for a map key or attribute name, int for a list index)."""
    raw: list
    elements: tuple = ()
    paren: int = 0

    def __str__(self) -> str:
        return path_str(self.elements)


@dataclass(eq=False)
class Value:
    placeholder: str
    value: dict | None = None
    paren: int = 0


@dataclass(eq=False)
class Func:
    name: str
    args: list
    paren: int = 0


@dataclass(eq=False)
class Arith:
    op: str  # "+" or "-"
    left: object
    right: object
    paren: int = 0


@dataclass(eq=False)
class Compare:
    op: str  # = <> < <= > >=
    left: object
    right: object
    paren: int = 0


@dataclass(eq=False)
class Between:
    operand: object
    low: object
    high: object
    paren: int = 0


@dataclass(eq=False)
class In:
    operand: object
    options: list
    paren: int = 0


@dataclass(eq=False)
class And:
    left: object
    right: object
    paren: int = 0


@dataclass(eq=False)
class Or:
    left: object
    right: object
    paren: int = 0


@dataclass(eq=False)
class Not:
    operand: object
    paren: int = 0


@dataclass(eq=False)
class FuncCond:
    func: Func
    paren: int = 0


@dataclass(eq=False)
class LegacyCond:
    """A legacy (Expected / QueryFilter / ScanFilter) comparison: ComparisonOperator semantics."""
    op: str
    path: Path
    values: list
    paren: int = 0


@dataclass
class Condition:
    root: object
    kind: str = "ConditionExpression"


@dataclass
class KeyCondition:
    hash_value: dict
    range_op: str | None
    range_values: list
    hash_key: str = ""
    range_key: str | None = None


@dataclass
class Projection:
    paths: list  # list[tuple[str | int, ...]]


@dataclass(eq=False)
class SetAction:
    path: Path
    value: object


@dataclass(eq=False)
class RemoveAction:
    path: Path


@dataclass(eq=False)
class AddAction:
    path: Path
    value: Value


@dataclass(eq=False)
class DeleteAction:
    path: Path
    value: Value


@dataclass(eq=False)
class LegacyUpdateAction:
    """AttributeUpdates: action PUT / ADD / DELETE on a top-level attribute."""
    action: str
    path: Path
    value: dict | None


@dataclass
class Update:
    actions: list = field(default_factory=list)

    def target_paths(self) -> list[tuple]:
        return [a.path.elements for a in self.actions]

    def removes_only(self) -> bool:
        """Whether every action removes (attributes or set members): DynamoDB creates no item
        for such an update."""
        return bool(self.actions) and all(
            isinstance(a, (RemoveAction, DeleteAction))
            or (isinstance(a, LegacyUpdateAction) and a.action == "DELETE") for a in self.actions)


def path_str(elements) -> str:
    return "[" + ", ".join(f"[{e}]" if isinstance(e, int) else e for e in elements) + "]"


def literal_path(*elements) -> Path:
    raw = [("index", e) if isinstance(e, int) else ("name", e) for e in elements]
    return Path(raw, tuple(elements))


# ---------------------------------------------------------------------------------------------
# Tokenizer

_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_DIGITS = frozenset("0123456789")
_SPACE = frozenset(" \t\r\n")
_PUNCT = frozenset("()[],.=<>+-")


@dataclass
class Token:
    kind: str  # NAME ATTR VALUE NUMBER PUNCT ILLEGAL EOF
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    tokens, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c in _SPACE:
            i += 1
            continue
        j = i + 1
        if c.isascii() and c.isalpha():  # a name may not start with "_" or a digit
            while j < n and text[j] in _WORD:
                j += 1
            kind = "NAME"
        elif c in "#:":
            while j < n and text[j] in _WORD:
                j += 1
            kind = ("ATTR" if c == "#" else "VALUE") if j > i + 1 else "ILLEGAL"
        elif c in _DIGITS:
            while j < n and text[j] in _DIGITS:
                j += 1
            kind = "NUMBER"
        elif c in "<>":
            if j < n and (text[j] == "=" or (c == "<" and text[j] == ">")):
                j += 1
            kind = "PUNCT"
        elif c in _PUNCT:
            kind = "PUNCT"
        else:
            kind = "ILLEGAL"
        tokens.append(Token(kind, text[i:j], i, j))
        i = j
    tokens.append(Token("EOF", "", n, n))
    return tokens


# ---------------------------------------------------------------------------------------------
# Parser

COMPARATORS = frozenset({"=", "<>", "<", "<=", ">", ">="})
CONDITION_KEYWORDS = frozenset({"AND", "OR", "NOT", "BETWEEN", "IN"})
UPDATE_KEYWORDS = frozenset({"SET", "REMOVE", "ADD", "DELETE"})
CONDITION_FUNCTIONS = {"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2,
                       "begins_with": 2, "contains": 2, "size": 1}
UPDATE_FUNCTIONS = {"if_not_exists": 2, "list_append": 2}
ATTRIBUTE_TYPES = ("B", "NULL", "SS", "BOOL", "L", "BS", "N", "NS", "S", "M")
MAX_IN_OPERANDS = 100  # counting the operand before IN: at most 99 values in the list


class _Syntax(Exception):
    def __init__(self, index: int):
        super().__init__(index)
        self.index = index


def _bump(node):
    return dataclasses.replace(node, paren=node.paren + 1)


class _Parser:
    def __init__(self, text: str, keywords: frozenset):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.keywords = keywords
        self.memo: dict = {}

    # -- helpers
    def peek(self, k: int = 0) -> Token:
        return self.tokens[min(self.pos + k, len(self.tokens) - 1)]

    def fail(self):
        raise _Syntax(self.pos)

    def is_punct(self, text: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t.kind == "PUNCT" and t.text == text

    def is_kw(self, word: str) -> bool:
        t = self.peek()
        return t.kind == "NAME" and t.text.upper() == word

    def expect_punct(self, text: str):
        if not self.is_punct(text):
            self.fail()
        self.pos += 1

    def expect_eof(self):
        if self.peek().kind != "EOF":
            self.fail()

    def message(self, index: int) -> str:
        toks = self.tokens
        tok = toks[index]
        if tok.kind == "EOF":
            prev = toks[index - 1] if index > 0 else None
            near = self.text[prev.start:prev.end] if prev else ""
            return f'Syntax error; token: "<EOF>", near: "{near}"'
        start = toks[index - 1].start if index > 0 else tok.start
        nxt = toks[index + 1] if index + 1 < len(toks) else None
        end = nxt.end if nxt is not None and nxt.kind != "EOF" else tok.end
        return f'Syntax error; token: "{tok.text}", near: "{self.text[start:end]}"'

    # -- operands
    def operand(self):
        t = self.peek()
        if self.is_punct("("):
            self.pos += 1
            inner = self.operand()
            self.expect_punct(")")
            return _bump(inner)
        if t.kind == "NAME" and self.is_punct("(", 1) and t.text.upper() not in self.keywords:
            self.pos += 2
            args = [self.operand()]
            while self.is_punct(","):
                self.pos += 1
                args.append(self.operand())
            self.expect_punct(")")
            return Func(t.text, args)
        if t.kind == "VALUE":
            self.pos += 1
            return Value(t.text)
        return self.path()

    def path_element(self):
        t = self.peek()
        if t.kind == "ATTR":
            self.pos += 1
            return ("attr", t.text)
        if t.kind == "NAME" and t.text.upper() not in self.keywords:
            self.pos += 1
            return ("name", t.text)
        self.fail()

    def path(self) -> Path:
        raw = [self.path_element()]
        while True:
            if self.is_punct("."):
                self.pos += 1
                raw.append(self.path_element())
            elif self.is_punct("["):
                self.pos += 1
                t = self.peek()
                if t.kind != "NUMBER":
                    self.fail()
                self.pos += 1
                self.expect_punct("]")
                raw.append(("index", int(t.text)))
            else:
                return Path(raw)

    # -- conditions
    def condition(self):
        node = self.or_()
        self.expect_eof()
        return node

    def or_(self):
        left = self.and_()
        while self.is_kw("OR"):
            self.pos += 1
            left = Or(left, self.and_())
        return left

    def and_(self):
        left = self.not_()
        while self.is_kw("AND"):
            self.pos += 1
            left = And(left, self.not_())
        return left

    def not_(self):
        if self.is_kw("NOT"):  # NOT NOT a = b is allowed
            self.pos += 1
            return Not(self.not_())
        return self.primary()

    def primary(self):
        key = self.pos
        if key in self.memo:
            result, end = self.memo[key]
            if isinstance(result, _Syntax):
                raise result
            self.pos = end
            return result
        try:
            result = self._primary()
        except _Syntax as e:
            self.memo[key] = (e, key)
            raise
        self.memo[key] = (result, self.pos)
        return result

    def _primary(self):
        if not self.is_punct("("):
            return self.comparison()
        start = self.pos
        try:
            self.pos += 1
            inner = self.or_()
            self.expect_punct(")")
            t = self.peek()
            if (t.kind == "PUNCT" and t.text in COMPARATORS) or self.is_kw("BETWEEN") or self.is_kw("IN"):
                self.fail()  # it was a parenthesized operand
            return _bump(inner)
        except _Syntax as first:
            self.pos = start
            try:
                return self.comparison()
            except _Syntax as second:
                raise first if first.index > second.index else second

    def comparison(self):
        left = self.operand()
        t = self.peek()
        if t.kind == "PUNCT" and t.text in COMPARATORS:
            self.pos += 1
            return Compare(t.text, left, self.operand())
        if self.is_kw("BETWEEN"):
            self.pos += 1
            low = self.operand()
            if not self.is_kw("AND"):
                self.fail()
            self.pos += 1
            return Between(left, low, self.operand())
        if self.is_kw("IN"):
            self.pos += 1
            self.expect_punct("(")
            options = [self.operand()]
            while self.is_punct(","):
                self.pos += 1
                options.append(self.operand())
            self.expect_punct(")")
            return In(left, options)
        if isinstance(left, Func) and left.paren == 0:
            return FuncCond(left)
        self.fail()

    # -- projection
    def projection(self) -> list[Path]:
        paths = [self.path()]
        while self.is_punct(","):
            self.pos += 1
            paths.append(self.path())
        self.expect_eof()
        return paths

    # -- update
    def update(self) -> list:
        sections = []
        while True:
            t = self.peek()
            word = t.text.upper() if t.kind == "NAME" else None
            if word not in UPDATE_KEYWORDS:
                self.fail()
            self.pos += 1
            parse = {"SET": self.set_action, "REMOVE": self.remove_action,
                     "ADD": self.add_action, "DELETE": self.delete_action}[word]
            actions = [parse()]
            while self.is_punct(","):
                self.pos += 1
                actions.append(parse())
            sections.append((word, actions))
            if self.peek().kind == "EOF":
                return sections

    def set_action(self):
        path = self.path()
        self.expect_punct("=")
        if self.is_punct("("):
            start = self.pos
            try:
                self.pos += 1
                value = self.set_value()
                self.expect_punct(")")
                if not (self.is_punct(",") or self.peek().kind in ("EOF", "NAME")):
                    self.fail()
                return SetAction(path, _bump(value))
            except _Syntax as first:
                self.pos = start
                try:
                    return SetAction(path, self.set_value())
                except _Syntax as second:
                    raise first if first.index > second.index else second
        return SetAction(path, self.set_value())

    def set_value(self):
        left = self.operand()
        if self.is_punct("+") or self.is_punct("-"):
            op = self.peek().text
            self.pos += 1
            return Arith(op, left, self.operand())
        return left

    def remove_action(self):
        return RemoveAction(self.path())

    def _path_value(self):
        path = self.path()
        t = self.peek()
        if t.kind != "VALUE":
            self.fail()
        self.pos += 1
        return path, Value(t.text)

    def add_action(self):
        return AddAction(*self._path_value())

    def delete_action(self):
        return DeleteAction(*self._path_value())
