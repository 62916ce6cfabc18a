"""PartiQL for DynamoDB, first half: the tokenizer and the recursive-descent parser.

Statements parse to small dataclasses (Select, Insert, Update, Delete); conditions and values
parse straight to the expression AST of expression_parser.py (Path, Value, Compare, Between, In,
And, Or, Not, FuncCond, Func, Arith), so evaluation.py evaluates them. Literals become
AttributeValues at parse time, `?` takes the next of the request's Parameters.

Errors: ValidationException "Statement wasn't well formed, can't be processed: <detail>".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from nuvem.services.dynamodb import values
from nuvem.services.dynamodb.errors import ValidationException
from nuvem.services.dynamodb.expression_parser import (And, Arith, Between, Compare, Func,
                                                       FuncCond, In, Not, Or, Path, Value,
                                                       literal_path)

MALFORMED = "Statement wasn't well formed, can't be processed: "
PARAMETER_COUNT = "Number of parameters in request and statement don't match."
KEYWORDS = frozenset({
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "BETWEEN", "IN", "IS", "MISSING", "NULL",
    "TRUE", "FALSE", "INSERT", "INTO", "VALUE", "VALUES", "UPDATE", "SET", "REMOVE", "DELETE",
    "RETURNING", "ORDER", "BY", "ASC", "DESC", "ALL", "MODIFIED", "OLD", "NEW", "LIMIT",
    "EXISTS", "LIKE"})
# what DynamoDB's parser calls an operator where an expression should start
_OPERATORS = frozenset({"AND", "OR", "IS", "IN", "BETWEEN", "LIKE", "=", "<>", "!=", "<", "<=",
                        ">", ">=", "*", "/", "%"})
MISSING_RHS = "Missing right-hand side expression of infix operator"
_PUNCT2 = ("<<", ">>", "<=", ">=", "<>", "!=")
_PUNCT1 = "()[]{},.:;=<>+-*?"
_BOOL_FUNCTIONS = {"begins_with": 2, "contains": 2, "attribute_exists": 1,
                   "attribute_not_exists": 1, "attribute_type": 2}


# `a IS <type>`: PartiQL's type names and the DynamoDB types they test for
_SET_TYPES = frozenset(("SS", "NS", "BS"))
_TYPE_NAMES = {"STRING": "S", "NUMBER": "N", "BINARY": "B", "BOOL": "BOOL", "BOOLEAN": "BOOL",
               "LIST": "L", "MAP": "M"}
# PartiQL's type names (a bare `x IS <type>` parses, then DynamoDB refuses to run it)
_PARTIQL_TYPES = frozenset({
    ("NULL",), ("MISSING",), ("BOOL",), ("BOOLEAN",), ("SMALLINT",), ("INT2",), ("INTEGER2",),
    ("INT",), ("INT4",), ("INTEGER4",), ("INTEGER",), ("BIGINT",), ("INT8",), ("INTEGER8",),
    ("FLOAT",), ("REAL",), ("DOUBLE", "PRECISION"), ("DECIMAL",), ("DEC",), ("NUMERIC",),
    ("TIMESTAMP",), ("CHAR",), ("CHARACTER",), ("VARCHAR",), ("CHARACTER", "VARYING"),
    ("STRING",), ("SYMBOL",), ("CLOB",), ("BLOB",), ("STRUCT",), ("TUPLE",), ("LIST",),
    ("SEXP",), ("BAG",), ("DATE",), ("TIME",), ("ANY",)})
# the value types an ordering operator (<, <=, >, >=, BETWEEN) refuses: they have no order
_UNORDERED = frozenset(("BOOL", "NULL", "L", "M", "SS", "NS", "BS"))


def malformed(detail: str) -> ValidationException:
    """The parser's refusal; what the tokenizer cannot read gets no detail (as AWS's)."""
    return ValidationException(MALFORMED + detail)


# -- tokens --------------------------------------------------------------------------------------
@dataclass
class Tok:
    kind: str          # WORD QUOTED STRING NUMBER PUNCT EOF
    text: str
    pos: int


def tokenize(text: str) -> list[Tok]:
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "-" and text.startswith("--", i):           # a comment to the end of the line
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c == "/" and text.startswith("/*", i):           # a block comment
            j = text.find("*/", i + 2)
            if j < 0:
                raise malformed("")
            i = j + 2
            continue
        if c in "'\"":
            j, buf = i + 1, []
            while True:
                if j >= n:
                    raise malformed("")
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:       # '' inside a string is one '
                        buf.append(c)
                        j += 2
                        continue
                    break
                buf.append(text[j])
                j += 1
            out.append(Tok("STRING" if c == "'" else "QUOTED", "".join(buf), i))
            i = j + 1
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            j = i
            while j < n and (text[j].isdigit() or text[j] == "."):
                j += 1
            if j < n and text[j] in "eE":
                k = j + 1
                if k < n and text[k] in "+-":
                    k += 1
                if k < n and text[k].isdigit():
                    j = k
                    while j < n and text[j].isdigit():
                        j += 1
            out.append(Tok("NUMBER", text[i:j], i))
            i = j
            continue
        if c.isalpha() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            out.append(Tok("WORD", text[i:j], i))
            i = j
            continue
        two = text[i:i + 2]
        if two in _PUNCT2:
            out.append(Tok("PUNCT", two, i))
            i += 2
            continue
        if c in _PUNCT1:
            out.append(Tok("PUNCT", c, i))
            i += 1
            continue
        raise malformed("")
    out.append(Tok("EOF", "", n))
    return out


# -- statements ----------------------------------------------------------------------------------
@dataclass
class Select:
    table: str
    index: str | None
    projection: list | None              # list of element tuples, None for *
    where: object | None
    order: tuple | None = None           # (path elements, descending)


@dataclass
class Insert:
    table: str
    item: dict


@dataclass
class Update:
    table: str
    # (Path, value node), or ("ADD" | "DELETE", Path, Value) for set_add / set_delete
    sets: list = field(default_factory=list)
    removes: list = field(default_factory=list)    # Path
    where: object | None = None
    returning: str | None = None                   # ALL_OLD, ALL_NEW, UPDATED_OLD, UPDATED_NEW


@dataclass
class Delete:
    table: str
    where: object | None = None
    returning: str | None = None


@dataclass
class Exists:
    """`EXISTS(SELECT ... WHERE <full key> [AND ...])`: a condition check, in a transaction."""
    select: Select


class Parser:
    def __init__(self, text: str, parameters: list | None):
        self.text = text
        self.toks = tokenize(text)
        self.i = 0
        self.parameters = parameters or []
        self.used = 0

    # -- helpers
    def peek(self, k: int = 0) -> Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def is_word(self, word: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t.kind == "WORD" and t.text.upper() == word

    def is_punct(self, p: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t.kind == "PUNCT" and t.text == p

    def unexpected(self):
        t = self.peek()
        if t.kind == "EOF":
            raise malformed("Unexpected end of statement")
        # DynamoDB names the kind of token, not the token itself
        if t.kind == "WORD" and t.text.upper() in KEYWORDS:
            raise malformed("Unexpected keyword")
        raise malformed("Unexpected token")

    def no_term(self):
        """Where an expression must start and cannot: DynamoDB names an operator or a keyword,
        anything else (the end, `;`, `)`) is an unexpected term."""
        t = self.peek()
        text = t.text.upper() if t.kind == "WORD" else t.text if t.kind == "PUNCT" else ""
        if text in _OPERATORS:
            raise malformed("Unexpected operator")
        if t.kind == "WORD" and text in KEYWORDS:
            raise malformed("Unexpected keyword")
        raise malformed("Unexpected term")

    def right_hand_side(self) -> None:
        """After an infix operator: the statement may not end there."""
        if self.peek().kind == "EOF":
            raise malformed(MISSING_RHS)

    def word(self, word: str) -> None:
        if not self.is_word(word):
            self.unexpected()
        self.i += 1

    def punct(self, p: str) -> None:
        if not self.is_punct(p):
            self.unexpected()
        self.i += 1

    def table(self) -> str:
        """The table after a FROM, where PartiQL reads an expression."""
        if not self.starts_path():
            self.no_term()
        return self.identifier()

    def identifier(self) -> str:
        if not self.starts_path():
            self.unexpected()
        self.i += 1
        return self.toks[self.i - 1].text

    # -- statements
    def statement(self):
        t = self.peek()
        word = t.text.upper() if t.kind == "WORD" else ""
        if word == "SELECT":
            stmt = self.select()
        elif word == "INSERT":
            stmt = self.insert()
        elif word == "UPDATE":
            stmt = self.update()
        elif word == "DELETE":
            stmt = self.delete()
        elif word == "FROM":
            stmt = self.update_from_first()
        elif word == "EXISTS":
            self.i += 1
            self.punct("(")
            stmt = Exists(self.select())
            self.punct(")")
        elif self.bare_type_test():
            raise ValidationException("Unsupported operation: IsType")
        else:
            raise malformed("Expected data manipulation")
        if self.is_punct(";"):
            self.i += 1
        if self.peek().kind != "EOF":
            raise malformed("Unexpected token after expression")
        if self.used != len(self.parameters):
            raise ValidationException(PARAMETER_COUNT)
        return stmt

    def bare_type_test(self) -> bool:
        """Whether the statement is only `x IS [NOT] <type>`."""
        words = [t.text.upper() for t in self.toks if t.kind != "EOF"]
        if words[-1:] == [";"]:
            words.pop()
        if not self.starts_path() or words[1:2] != ["IS"]:
            return False
        return tuple(words[3:] if words[2:3] == ["NOT"] else words[2:]) in _PARTIQL_TYPES

    def select(self) -> Select:
        self.word("SELECT")
        projection = None
        if self.is_punct("*"):
            self.i += 1
        else:
            projection = [self.path().elements]
            while self.is_punct(","):
                self.i += 1
                projection.append(self.path().elements)
        self.word("FROM")
        table, index = self.source()
        where = self.where() if self.is_word("WHERE") else None
        order = None
        if self.is_word("ORDER"):
            self.i += 1
            self.word("BY")
            path = self.path().elements
            descending = False
            if self.is_word("ASC") or self.is_word("DESC"):
                descending = self.peek().text.upper() == "DESC"
                self.i += 1
            order = (path, descending)
        return Select(table, index, projection, where, order)

    def no_alias(self) -> None:
        """After a SELECT's, UPDATE's or DELETE's table: DynamoDB refuses `t` or `AS t`."""
        t = self.peek()
        if self.is_word("AS") or t.kind == "QUOTED" or (
                t.kind == "WORD" and t.text.upper() not in KEYWORDS):
            raise ValidationException("Aliasing is not supported")

    def source(self) -> tuple[str, str | None]:
        """A SELECT's FROM: a table, or a table and one of its indexes."""
        path = [self.table()]
        while self.is_punct("."):
            self.i += 1
            path.append(self.identifier())
        self.no_alias()
        if len(path) > 2:
            raise ValidationException("A path may contain at most 2 components in the FROM "
                                      "clause")
        if "" in path:
            raise ValidationException("Path component cannot be an empty string")
        return path[0], path[1] if len(path) == 2 else None

    def where(self):
        self.word("WHERE")
        return self.condition()

    def insert(self) -> Insert:
        self.word("INSERT")
        self.word("INTO")
        table = self.identifier()
        if self.is_word("VALUES"):
            raise malformed("Unexpected keyword")
        if self.peek().kind in ("WORD", "QUOTED") and not self.is_word("VALUE"):
            raise malformed("Unexpected token after expression")     # an alias
        self.word("VALUE")
        item = self.value(None)
        if "M" not in item:
            raise malformed("Expected a tuple (map) after VALUE")
        return Insert(table, item["M"])

    def update(self) -> Update:
        self.word("UPDATE")
        stmt = Update(self.identifier())
        self.no_alias()
        self.changes(stmt)
        stmt.where = self.where()
        stmt.returning = self.returning()
        return stmt

    def update_from_first(self) -> Update:
        """PartiQL's other UPDATE: `FROM t [WHERE ...] SET ... | REMOVE ... [RETURNING ...]`
        (without a WHERE it names no item, which the write refuses)."""
        self.word("FROM")
        stmt = Update(self.table())
        self.no_alias()
        if self.is_word("WHERE"):
            stmt.where = self.where()
        self.changes(stmt)
        stmt.returning = self.returning()
        return stmt

    def changes(self, stmt: Update) -> None:
        """An UPDATE's SET and REMOVE clauses, at least one, in any order."""
        if not (self.is_word("SET") or self.is_word("REMOVE")):
            self.unexpected()
        while self.is_word("SET") or self.is_word("REMOVE"):
            if self.peek().text.upper() == "SET":
                self.i += 1
                self.assignment(stmt)
                while self.is_punct(","):
                    self.i += 1
                    self.assignment(stmt)
            else:
                self.i += 1
                stmt.removes.append(self.path())
                while self.is_punct(","):
                    self.i += 1
                    stmt.removes.append(self.path())

    def assignment(self, stmt: Update) -> None:
        target = self.path()
        self.punct("=")
        t = self.peek()
        if t.kind == "WORD" and t.text.lower() in ("set_add", "set_delete") and \
                self.is_punct("(", 1):
            self.i += 2
            name = t.text.upper()
            first = self.peek()
            args = [] if self.is_punct(")") else [self.operand()]
            while self.is_punct(","):
                self.i += 1
                args.append(self.operand())
            self.punct(")")
            if len(args) != 2:
                raise ValidationException(f"{name} must have exactly two arguments at "
                                          f"{self.located(t)}")
            if not (isinstance(args[0], Path) and args[0].elements == target.elements):
                raise ValidationException(f"The first argument to {name} must equal the "
                                          f"assignment value at {self.located(t)}")
            if not (isinstance(args[1], Value) and next(iter(args[1].value)) in _SET_TYPES):
                raise ValidationException(f"The second argument to {name} must be a value "
                                          f"with type SET at {self.located(first)}")
            stmt.sets.append(("ADD" if name == "SET_ADD" else "DELETE", target, args[1]))
            return
        stmt.sets.append((target, self.arithmetic()))

    def located(self, t: Tok) -> str:
        """Where a token is, as DynamoDB's messages give it: line:column:length."""
        line_start = self.text.rfind("\n", 0, t.pos) + 1
        return f"{self.text.count(chr(10), 0, t.pos) + 1}:{t.pos - line_start + 1}:{len(t.text)}"

    def returning(self) -> str | None:
        if not self.is_word("RETURNING"):
            return None
        self.i += 1
        if self.is_word("ALL"):
            which = "ALL"
        elif self.is_word("MODIFIED"):
            which = "UPDATED"
        else:
            self.unexpected()
        self.i += 1
        if not (self.is_word("OLD") or self.is_word("NEW")):
            self.unexpected()
        age = self.peek().text.upper()
        self.i += 1
        self.punct("*")
        return f"{which}_{age}"

    def delete(self) -> Delete:
        self.word("DELETE")
        self.word("FROM")
        if not self.starts_path():
            raise malformed("Expected identifier for simple path")
        stmt = Delete(self.identifier())
        self.no_alias()
        stmt.where = self.where()
        stmt.returning = self.returning()
        if stmt.returning not in (None, "ALL_OLD"):
            which, age = stmt.returning.split("_")
            written = f"RETURNING {'MODIFIED' if which == 'UPDATED' else which} {age} *"
            raise ValidationException(f"Invalid returning clause: {written}. Only RETURNING ALL "
                                      "OLD * is allowed in DELETE statements.")
        return stmt

    # -- conditions
    def condition(self):
        node = self.conjunction()
        while self.is_word("OR"):
            self.i += 1
            self.right_hand_side()
            node = Or(node, self.conjunction())
        return node

    def conjunction(self):
        node = self.negation()
        while self.is_word("AND"):
            self.i += 1
            self.right_hand_side()
            node = And(node, self.negation())
        return node

    def negation(self):
        if self.is_word("NOT"):
            self.i += 1
            return Not(self.negation())
        return self.predicate()

    def predicate(self):
        if self.is_punct("("):
            self.i += 1
            node = self.condition()
            self.punct(")")
            return node
        t = self.peek()
        if t.kind == "WORD" and t.text.lower() in _BOOL_FUNCTIONS and self.is_punct("(", 1):
            name = t.text.lower()
            self.i += 2
            args = [] if self.is_punct(")") else [self.operand()]
            while self.is_punct(","):
                self.i += 1
                args.append(self.operand())
            self.punct(")")
            if len(args) != _BOOL_FUNCTIONS[name]:
                raise ValidationException(f"Incorrect number of operands for operator or "
                                          f"function; operator or function: {name}, number of "
                                          f"operands: {len(args)}")
            if not isinstance(args[0], Path):
                raise ValidationException("Operator or function requires a document path; "
                                          f"operator or function: {name}")
            return self.compared_with_bool(FuncCond(Func(name, args)))
        left = self.operand()
        if self.is_word("NOT") and (self.is_word("IN", 1) or self.is_word("BETWEEN", 1)):
            self.i += 1                                  # a NOT IN [...], a NOT BETWEEN x AND y
            return Not(self.comparison(left))
        return self.comparison(left)

    def compared_with_bool(self, node):
        """A condition function may be compared with true or false (`attribute_exists(a) =
        true`)."""
        t = self.peek()
        if not (t.kind == "PUNCT" and t.text in ("=", "<>", "!=")):
            return node
        literal = self.peek(1)
        if literal.kind != "WORD" or literal.text.upper() not in ("TRUE", "FALSE"):
            self.unexpected()
        self.i += 2
        return node if (t.text == "=") == (literal.text.upper() == "TRUE") else Not(node)

    def comparison(self, left):
        t = self.peek()
        if t.kind == "PUNCT" and t.text in ("=", "<>", "!=", "<", "<=", ">", ">="):
            self.i += 1
            self.right_hand_side()
            op = "<>" if t.text == "!=" else t.text
            right = self.operand()
            if op in ("<", "<=", ">", ">="):
                _check_ordered(op, (left, right))
            return Compare(op, left, right)
        if self.is_word("BETWEEN"):
            self.i += 1
            low = self.operand()
            self.word("AND")
            high = self.operand()
            _check_ordered("BETWEEN", (left, low, high))
            return Between(left, low, high)
        if self.is_word("IN"):
            self.i += 1
            close = "]" if self.is_punct("[") else ")"
            self.punct("[" if close == "]" else "(")
            options = [self.operand()]
            while self.is_punct(","):
                self.i += 1
                options.append(self.operand())
            self.punct(close)
            return In(left, options)
        if self.is_word("IS"):
            self.i += 1
            negate = False
            if self.is_word("NOT"):
                self.i += 1
                negate = True
            if not isinstance(left, Path):
                self.unexpected()
            if self.is_word("MISSING"):
                self.i += 1
                node = FuncCond(Func("attribute_not_exists", [left]))
            elif self.is_word("NULL"):
                self.i += 1
                node = Or(FuncCond(Func("attribute_not_exists", [left])),
                          FuncCond(Func("attribute_type", [left, Value("", {"S": "NULL"})])))
            elif self.peek().kind == "WORD" and self.peek().text.upper() in _TYPE_NAMES:
                kind = _TYPE_NAMES[self.peek().text.upper()]
                self.i += 1
                node = FuncCond(Func("attribute_type", [left, Value("", {"S": kind})]))
            else:
                raise malformed("Expected type name")
            return Not(node) if negate else node
        self.unexpected()

    def operand(self):
        t = self.peek()
        if t.kind == "WORD" and t.text.lower() == "size" and self.is_punct("(", 1):
            self.i += 2
            arg = self.path()
            self.punct(")")
            return Func("size", [arg])
        if self.starts_path():
            return self.path()
        if not self.starts_value():
            self.no_term()
        return Value("", self.value())

    def starts_path(self) -> bool:
        t = self.peek()
        return t.kind == "QUOTED" or (t.kind == "WORD" and t.text.upper() not in KEYWORDS)

    def starts_value(self) -> bool:
        t = self.peek()
        return t.kind in ("STRING", "NUMBER") or (
            t.kind == "WORD" and t.text.upper() in ("TRUE", "FALSE", "NULL")) or (
            t.kind == "PUNCT" and (t.text in ("?", "{", "[", "<<") or (
                t.text in "+-" and self.peek(1).kind == "NUMBER")))

    def arithmetic(self):
        """A SET value: an operand, `a + b` / `a - b`, list_append(...), if_not_exists(...)."""
        node = self.set_operand()
        while self.is_punct("+") or self.is_punct("-"):
            op = self.peek().text
            self.i += 1
            node = Arith(op, node, self.set_operand())
        return node

    def set_operand(self):
        t = self.peek()
        if t.kind == "WORD" and t.text.lower() in ("list_append", "if_not_exists") and \
                self.is_punct("(", 1):
            self.i += 2
            args = [self.set_operand()]
            while self.is_punct(","):
                self.i += 1
                args.append(self.set_operand())
            self.punct(")")
            if len(args) != 2:
                raise ValidationException("Incorrect number of operands for operator or "
                                          f"function; operator or function: {t.text.lower()}, "
                                          f"number of operands: {len(args)}")
            return Func(t.text.lower(), args)
        return self.operand()

    def path(self) -> Path:
        elements = [self.identifier()]
        while True:
            if self.is_punct("."):
                self.i += 1
                elements.append(self.identifier())
            elif self.is_punct("["):
                self.i += 1
                t = self.peek()
                if t.kind != "NUMBER" or not t.text.isdigit():
                    self.unexpected()
                self.i += 1
                self.punct("]")
                elements.append(int(t.text))
            else:
                return literal_path(*elements)

    # -- literals
    def value(self, path: str | None = "root") -> dict:
        """A literal or a `?` parameter, as an AttributeValue; `path`: where it sits in the
        value, which DynamoDB names when a number breaks its rules (None: INSERT's tuple, each
        of whose members is a root)."""
        t = self.peek()
        if t.kind == "PUNCT" and t.text == "?":
            self.i += 1
            if self.used >= len(self.parameters):
                raise ValidationException(PARAMETER_COUNT)
            value = self.parameters[self.used]      # checked by `checked_parameters`
            self.used += 1
            return value
        if t.kind == "STRING":
            self.i += 1
            return {"S": t.text}
        if t.kind == "NUMBER" or (t.kind == "PUNCT" and t.text in "+-" and
                                  self.peek(1).kind == "NUMBER"):
            sign = ""
            if t.kind == "PUNCT":
                sign = "-" if t.text == "-" else ""
                self.i += 1
                t = self.peek()
            self.i += 1
            return {"N": _number(sign + t.text, path or "root")}
        if t.kind == "WORD" and t.text.upper() in ("TRUE", "FALSE"):
            self.i += 1
            return {"BOOL": t.text.upper() == "TRUE"}
        if t.kind == "WORD" and t.text.upper() == "NULL":
            self.i += 1
            return {"NULL": True}
        if self.is_punct("{"):
            self.i += 1
            members = {}
            if not self.is_punct("}"):
                while True:
                    k = self.peek()
                    if k.kind != "STRING":
                        self.unexpected()
                    self.i += 1
                    self.punct(":")
                    members[k.text] = self.value("root" if path is None else f"{path}.{k.text}")
                    if not self.is_punct(","):
                        break
                    self.i += 1
            self.punct("}")
            return {"M": members}
        if self.is_punct("["):
            self.i += 1
            items = []
            if not self.is_punct("]"):
                items.append(self.value(f"{path or 'root'}[0]"))
                while self.is_punct(","):
                    self.i += 1
                    items.append(self.value(f"{path or 'root'}[{len(items)}]"))
            self.punct("]")
            return {"L": items}
        if self.is_punct("<<"):
            self.i += 1
            if self.is_punct(">>"):
                raise ValidationException("Empty bags are not supported")
            members = [self.value()]
            while self.is_punct(","):
                self.i += 1
                members.append(self.value())
            self.punct(">>")
            kinds = {next(iter(m)) for m in members}
            if len(kinds) != 1 or not kinds <= {"S", "N", "B"}:
                raise ValidationException("Set elements must all be strings, numbers or "
                                          "binaries of the same type")
            kind = kinds.pop()
            return values.check_value({kind + "S": [m[kind] for m in members]})
        self.unexpected()


_INT32 = range(-2**31, 2**31)


def _check_ordered(op: str, operands) -> None:
    """Refuse a value of a type with no order beside an ordering operator: AWS judges each
    operand's own type (S against N is fine), before reading any item."""
    for operand in operands:
        if isinstance(operand, Value):
            kind = next(iter(operand.value))
            if kind in _UNORDERED:
                raise ValidationException("Incorrect operand type for operator or function; "
                                          f"operator or function: {op}, operand type: {kind}")


def _scale(mantissa: str, exp: int) -> int | None:
    """The scale (digits after the point less the exponent) Java's BigDecimal gives a number,
    None when it or the exponent does not fit a 32-bit integer (the number does not parse)."""
    scale = len(mantissa.partition(".")[2]) - exp
    return scale if exp in _INT32 and scale in _INT32 else None


def _number(text: str, path: str) -> str:
    """A number literal's canonical text."""
    mantissa, _, exponent = text.lower().partition("e")
    if _scale(mantissa, int(exponent) if exponent else 0) is None:
        raise malformed("")
    try:
        return values.canonical_number(text)
    except ValidationException as e:
        raise ValidationException(f"{e.message} under {path}") from None


_PARAMETER_NUMBER = re.compile(r"([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))[eE]([+-]?[0-9]+)\Z")


def checked_parameters(parameters: list | None) -> list:
    """A statement's parameters, validated as item values (`values.check_value`), each number
    first read as Java's BigDecimal reads it, in document order: a problem in a value nested
    deeper than DynamoDB's limit is the nesting error, reached first."""
    for parameter in parameters or ():
        _check_parameter_numbers(parameter, 1)
    return [values.check_value(p) for p in parameters or ()]


def _check_parameter_numbers(value, depth: int) -> None:
    if type(value) is not dict or len(value) != 1:
        return                              # check_value's to refuse
    (kind, v), = value.items()
    if kind == "N":
        _parameter_number(v)
    elif kind == "NS" and type(v) is list:
        for text in v:
            _parameter_number(text)
    elif kind in ("L", "M") and depth < values.MAX_DEPTH and type(v) in (list, dict):
        for member in (v if kind == "L" else v.values()):
            _check_parameter_numbers(member, depth + 1)


def _parameter_number(text) -> None:
    """An exponent or scale outside a 32-bit integer cannot be converted; the magnitude
    (precision less scale) is worked out in wrapping 32-bit arithmetic, so 1e2147483647
    underflows. Other numbers are left to `values.parse_number`, which words them alike."""
    match = _PARAMETER_NUMBER.match(text) if type(text) is str else None
    if match is None:
        return
    mantissa, exp = match.group(1), int(match.group(2))
    scale = _scale(mantissa, exp)
    if scale is None:
        raise ValidationException(f"The parameter cannot be converted to a numeric value: {text}")
    digits = mantissa.lstrip("+-").replace(".", "").lstrip("0")
    if not digits:
        return
    magnitude = len(digits) - scale
    wrapped = (magnitude + 2**31) % 2**32 - 2**31
    if wrapped != magnitude:
        values.check_number(Decimal(f"1e{wrapped - 1}"))


def parse(text: str, parameters: list | None):
    return Parser(text, parameters).statement()
