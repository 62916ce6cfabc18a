"""AttributeValues: validation with DynamoDB's messages, numbers, item sizes, key encoding and
capacity units.

Numbers are kept in canonical text (DynamoDB trims leading and trailing zeros and never answers
with an exponent: `1.50` comes back as `1.5`, `1E+2` as `100`). Key values are stored as
order-preserving bytes (`key_bytes`), so the store's key order is DynamoDB's sort order.
"""
from __future__ import annotations

import base64
import math
import re
from decimal import Context, Decimal, InvalidOperation

from nuvem.services.dynamodb.errors import ValidationException

MAX_ITEM_SIZE = 409_600
MAX_DEPTH = 32              # levels of a document, the attribute itself being the first
TYPES = frozenset(("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"))
_SET_NAMES = {"SS": "string", "NS": "number", "BS": "binary"}
# enough precision and range that normalizing a number within DynamoDB's limits never rounds
_EXACT = Context(prec=1000, Emax=10**6, Emin=-10**6)
_INVALID = "One or more parameter values were invalid: "
KEY_MISMATCH = "The provided key element does not match the schema"


def invalid(message: str) -> ValidationException:
    return ValidationException(message)


# -- numbers -------------------------------------------------------------------------------------
def parse_number(text: str) -> Decimal:
    """The value of an N string, checked against DynamoDB's range and precision."""
    if text == "":
        raise invalid("The parameter cannot be converted to a numeric value")
    # Python reads "1_000" as a number; DynamoDB does not
    if not isinstance(text, str) or text != text.strip() or "_" in text:
        raise invalid(f"The parameter cannot be converted to a numeric value: {text}")
    try:
        value = Decimal(text)               # exact, whatever its exponent
    except InvalidOperation:
        raise invalid(f"The parameter cannot be converted to a numeric value: {text}") from None
    if not value.is_finite():
        raise invalid(f"The parameter cannot be converted to a numeric value: {text}")
    return check_number(value)


def check_number(value: Decimal) -> Decimal:
    """`value` if DynamoDB can store it (also for arithmetic results), normalized."""
    if value.is_zero():
        return Decimal(0)
    # counted before normalizing: an exponent past the context's range (1e2147483647) is refused
    # by the range check below, not rounded to infinity or zero
    digits = len("".join(map(str, value.as_tuple().digits)).rstrip("0"))
    if digits > 38:
        raise invalid("Attempting to store more than 38 significant digits in a Number")
    magnitude = value.adjusted()           # exponent of the leading digit
    if magnitude > 125:
        raise invalid("Number overflow. Attempting to store a number with magnitude larger "
                      "than supported range")
    if magnitude < -130:
        raise invalid("Number underflow. Attempting to store a number with magnitude smaller "
                      "than supported range")
    return value.normalize(_EXACT)


def number_text(value: Decimal) -> str:
    """Canonical text: plain notation, no exponent, no trailing zeros."""
    if value.is_zero():
        return "0"
    return format(value.normalize(_EXACT), "f")


# Text that is already canonical (plain notation, no leading or trailing zeros) and, at most 38
# characters long, within DynamoDB's precision and range: most numbers a client sends.
_CANONICAL = re.compile(r"(?:0|-?[1-9][0-9]*(?:\.[0-9]*[1-9])?|-?0\.[0-9]*[1-9])\Z")


def canonical_number(text: str) -> str:
    if type(text) is str and len(text) <= 38 and _CANONICAL.match(text):
        return text
    return number_text(parse_number(text))


# -- validation ----------------------------------------------------------------------------------
def check_value(value) -> dict:
    """One AttributeValue, validated, numbers in canonical text: a scalar already in that form
    is the value given (nothing changes an AttributeValue in place), anything else a copy."""
    return checked_value(value)[0]


def checked_value(value, depth: int = 1) -> tuple[dict, int]:
    """`check_value` and its result's size (`value_size`) in one walk of the value (at `depth`:
    an attribute is at 1; one at 0 may nest a level more)."""
    if type(value) is dict and len(value) == 1:      # the usual shape: one type, one value
        (kind, v), = value.items()
        if kind == "S" and type(v) is str:
            return value, _utf8_size(v)
        if kind == "N" and v is not None:
            text = canonical_number(v)
            return value if text is v else {"N": text}, _number_size(text)
        if kind == "BOOL" and type(v) is bool:
            return value, 1
        # the members' type first: set() of a null or a dict member would fail or pass wrongly
        if (kind == "SS" and type(v) is list and v and all(type(x) is str for x in v)
                and len(set(v)) == len(v)):
            return value, sum(map(_utf8_size, v))
        if kind == "M" and type(v) is dict:
            if depth >= MAX_DEPTH and v:
                raise _too_deep()
            out, size = _checked_map(v, depth + 1)
            return value if out is v else {"M": out}, 3 + len(v) + size
        if kind == "L" and type(v) is list:
            if depth >= MAX_DEPTH and v:
                raise _too_deep()
            out, size = v, 3 + len(v)
            for i, x in enumerate(v):
                element, value_bytes = checked_value(x, depth + 1)
                if element is not x:
                    if out is v:
                        out = list(v)
                    out[i] = element
                size += value_bytes
            return value if out is v else {"L": out}, size
    copy = _checked_other(value, depth)
    return copy, value_size(copy)


def _checked_map(attrs: dict, depth: int) -> tuple[dict, int]:
    """`checked_value` of each value of a map of attributes (an item, an M value's map) and the
    sum of their names' and values' sizes: the map given, or a copy if some value changed."""
    out, size = attrs, 0
    for name, x in attrs.items():
        checked, value_bytes = checked_value(x, depth)
        if checked is not x:
            if out is attrs:
                out = dict(attrs)
            out[name] = checked
        size += _utf8_size(name) + value_bytes
    return out, size


NESTING = ("Nesting Levels have exceeded supported limits: Attributes in the item have nested "
           "levels beyond supported limit")
# DynamoDB's request reader refuses a value nested past this many levels itself, before the
# operations' own checks word it (62 levels are theirs, 64 the reader's; 63 is a guess)
READER_DEPTH = 63


class TooDeep(ValidationException):
    """A value nested past MAX_DEPTH levels, which operations word in their own ways."""


def _too_deep() -> TooDeep:
    return TooDeep(NESTING)


def nesting_levels(value, limit: int) -> int:
    """The levels `value` spans (itself the first), counted no further than `limit` + 1."""
    members = ()
    if type(value) is dict and len(value) == 1:
        (kind, v), = value.items()
        if kind == "M" and type(v) is dict:
            members = v.values()
        elif kind == "L" and type(v) is list:
            members = v
    if not members:
        return 1
    if limit <= 1:
        return 2
    return 1 + max(nesting_levels(m, limit - 1) for m in members)


def single_item_nesting(error: TooDeep, attribute_values) -> ValidationException:
    """PutItem's and UpdateItem's refusal of a value nested too deep: in the validation
    envelope, unless one goes past READER_DEPTH (then `error`, as the reader words it)."""
    if any(nesting_levels(v, READER_DEPTH) > READER_DEPTH for v in attribute_values):
        return error
    return ValidationException(f"1 validation error detected: {NESTING}")


def _checked_other(value, depth: int) -> dict:
    if not isinstance(value, dict):
        raise invalid("Supplied AttributeValue is empty, must contain exactly one of the "
                      "supported datatypes")
    present = [t for t, v in value.items() if v is not None and t in TYPES]
    if not present:
        raise invalid("Supplied AttributeValue is empty, must contain exactly one of the "
                      "supported datatypes")
    if len(present) > 1:
        if "N" in present:      # DynamoDB reads the number first: a bad one is refused as such
            canonical_number(value["N"])
        raise invalid("Supplied AttributeValue has more than one datatypes set, must contain "
                      "exactly one of the supported datatypes")
    kind = present[0]
    v = value[kind]
    if kind == "S":
        return {"S": v}
    if kind == "N":
        return {"N": canonical_number(v)}
    if kind == "B":
        return {"B": bytes(v)}
    if kind == "BOOL":
        return {"BOOL": bool(v)}
    if kind == "NULL":
        if v is not True:
            raise invalid(_INVALID + "Null attribute value types must have the value of true")
        return {"NULL": True}
    if kind in _SET_NAMES:
        if not v:
            raise invalid(_INVALID + ("Binary sets should not be empty" if kind == "BS" else
                                      f"An {_SET_NAMES[kind]} set  may not be empty"))
        if None in v:
            raise invalid(_INVALID + f"An {_SET_NAMES[kind]} set may not contain null values")
        if kind == "NS":
            numbers = [parse_number(x) for x in v]
            out = [number_text(x) for x in numbers]
            seen = numbers
        else:
            out = [bytes(x) for x in v] if kind == "BS" else list(v)
            seen = out
        if len(set(seen)) != len(seen):
            # AWS's three wordings (sic: no space before "of type BS")
            if kind == "NS":
                raise invalid("Input collection contains duplicates")
            shown = ", ".join(base64.b64encode(x).decode() if isinstance(x, bytes) else str(x)
                              for x in v)
            kind_words = "of type BS contains" if kind == "BS" else " contains"
            raise invalid(_INVALID + f"Input collection [{shown}]{kind_words} duplicates.")
        return {kind: out}
    if depth >= MAX_DEPTH and v:
        raise _too_deep()
    if kind == "L":
        return {"L": [checked_value(x, depth + 1)[0] for x in v]}
    return {"M": {k: checked_value(x, depth + 1)[0] for k, x in v.items()}}


def check_attribute_names(attrs: dict) -> None:
    """An item's (or AttributeUpdates') top-level names: DynamoDB refuses an empty one before it
    looks at any value."""
    if "" in attrs:
        raise invalid("Empty attribute name")


def check_item(table, item: dict, *, mismatch_as_key: bool = False) -> tuple[dict, int]:
    """A whole item (PutItem's `Item`) and its size: `item_values`, then `check_item_keys`."""
    out, size = item_values(item)
    check_item_keys(table, out, mismatch_as_key=mismatch_as_key)
    return out, size


def item_values(item: dict) -> tuple[dict, int]:
    """An item's names and values validated, and its size within the limit: what DynamoDB
    checks of the request before it looks at the table."""
    item = item or {}
    check_attribute_names(item)
    out, size = _checked_map(item, 1)
    if size > MAX_ITEM_SIZE:
        raise item_too_large()
    return out, size


def check_item_keys(table, item: dict, *, mismatch_as_key: bool = False) -> None:
    """The table's key attributes present in a validated item, with their declared types.
    `mismatch_as_key`: a key attribute missing or of another type gets a `Key`'s complaint
    (BatchWriteItem's wording), not PutItem's."""
    for name, declared in table.key_types:
        if mismatch_as_key and (name not in item or next(iter(item[name])) != declared):
            raise invalid(KEY_MISMATCH)
        if name not in item:
            raise invalid(_INVALID + f"Missing the key {name} in the item")
        check_key_value(table, name, item[name], declared=declared)


def key_names(table) -> list[str]:
    return [name for name, _ in table.key_types]


def check_key_value(table, name: str, value: dict, *, declared: str | None = None) -> None:
    expected = declared or table.attribute_type(name)
    actual = next(iter(value))
    if actual != expected:
        raise invalid(_INVALID + f"Type mismatch for key {name} expected: {expected} "
                      f"actual: {actual}")
    if actual in ("S", "B"):
        raw = value[actual]
        if len(raw) == 0:
            kind = "string" if actual == "S" else "binary"
            raise invalid("One or more parameter values are not valid. The AttributeValue for a "
                          f"key attribute cannot contain an empty {kind} value. Key: {name}")
        # up to 256 characters (or bytes) a key is within both limits
        problem = len(raw) > 256 and key_size_problem(actual, raw, name == table.hash_key)
        if problem:
            raise invalid(problem)


def check_no_empty_keys(table, item: dict) -> None:
    """Refuse an empty string or binary as the table's key value: a transaction fails the whole
    request over it, where a key of another type only cancels the transaction."""
    for name, declared in table.key_types:
        value = item.get(name)
        if value is not None and declared in value and len(value[declared]) == 0:
            check_key_value(table, name, value, declared=declared)


def key_size_problem(kind: str, raw: str | bytes, is_hash: bool) -> str | None:
    """Why a string or binary key (the table's or an index's) is too big, if it is: partition
    keys hold at most 2048 bytes, sort keys 1024."""
    # up to 256 characters a string is at most 1024 bytes: only a longer one is encoded
    size = len(raw.encode()) if kind == "S" and len(raw) > 256 else len(raw)
    if is_hash and size > 2048:
        # sic: AWS's message has no space there
        return _INVALID + "Size of hashkey has exceeded the maximum size limit of2048 bytes"
    if not is_hash and size > 1024:
        return (_INVALID + "Aggregated size of all range keys has exceeded the size limit of "
                "1024 bytes")
    return None


def check_key(table, key: dict | None) -> dict:
    """A `Key` parameter: `key_values`, then `match_key`."""
    return match_key(table, key_values(key))


def key_values(key: dict | None) -> dict:
    """A `Key` parameter's values validated (numbers canonical): DynamoDB checks them before the
    request's expressions, and matches the key to the table's schema after them."""
    return {name: check_value(v) for name, v in (key or {}).items()}


def match_key(table, key: dict) -> dict:
    """A validated `Key`: exactly the table's key attributes, with their types."""
    if len(key) != len(table.key_types):
        raise invalid(KEY_MISMATCH)
    for name, declared in table.key_types:
        v = key.get(name)
        if v is None or next(iter(v)) != declared:
            raise invalid(KEY_MISMATCH)
        check_key_value(table, name, v, declared=declared)
    return key


def check_size(item: dict, *, updated: bool = False) -> int:
    size = item_size(item)
    if size > MAX_ITEM_SIZE:
        raise (invalid("Item size to update has exceeded the maximum allowed size") if updated
               else item_too_large())
    return size


def item_too_large() -> ValidationException:
    return invalid("Item size has exceeded the maximum allowed size")


# -- sizes ---------------------------------------------------------------------------------------
def _utf8_size(text: str) -> int:
    """UTF-8 bytes of a name or string (`isascii` reads a flag CPython keeps: no encoding)."""
    return len(text) if text.isascii() else len(text.encode())


def _number_size(text: str) -> int:
    """A number's bytes, from its canonical text: 1, a byte per two significant digits on each
    side of the point, each side rounded up, and 1 for a minus sign (zero costs 1)."""
    whole, _, fraction = text.lstrip("-").partition(".")
    whole = whole.lstrip("0")
    if not fraction:
        whole = whole.rstrip("0")        # an integer's trailing zeros are not significant
        if not whole:
            return 1
    elif not whole:
        fraction = fraction.lstrip("0")  # nor a pure fraction's leading ones
    return 1 + (len(whole) + 1) // 2 + (len(fraction) + 1) // 2 + (text[0] == "-")


def value_size(value: dict) -> int:
    (kind, v), = value.items()
    if kind == "S":
        return _utf8_size(v)
    if kind == "N":
        return _number_size(v)
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(_utf8_size(x) for x in v)
    if kind == "NS":
        return sum(_number_size(x) for x in v)
    if kind == "BS":
        return sum(len(x) for x in v)
    if kind == "L":
        return 3 + sum(1 + value_size(x) for x in v)
    return 3 + sum(1 + _utf8_size(k) + value_size(x) for k, x in v.items())


def item_size(attrs: dict) -> int:
    """As the developer guide counts it: names' UTF-8 bytes plus each value's size."""
    return sum(_utf8_size(name) + value_size(v) for name, v in attrs.items())


# -- capacity ------------------------------------------------------------------------------------
def read_units(size: int, consistent: bool, *, transactional: bool = False) -> float:
    """ceil(size / 4 KB) units (at least one), half of that eventually consistent, twice
    that in a transaction."""
    units = max(1, math.ceil(size / 4096))
    if transactional:
        return 2.0 * units
    return float(units) if consistent else units / 2


def write_units(size: int, *, transactional: bool = False) -> float:
    """ceil(size / 1 KB) units (at least one), twice that in a transaction."""
    return float(max(1, math.ceil(size / 1024))) * (2 if transactional else 1)


# -- key encoding --------------------------------------------------------------------------------
def key_bytes(value: dict) -> bytes:
    """Order-preserving bytes of an S, N or B key value (compared as unsigned bytes).

    S: UTF-8 (DynamoDB orders strings by their UTF-8 bytes); B: the bytes. N: a class byte
    (negative 01, zero 02, positive 03); for a positive number the exponent of its leading
    digit (biased into a byte), then its digits as ASCII (a shorter digit string is a prefix,
    so 0.12 < 0.123). A negative number stores the complement of all that, and a final FF so
    that -0.12 (shorter) sorts after -0.123.
    """
    (kind, v), = value.items()
    if kind == "S":
        return v.encode()
    if kind == "B":
        return bytes(v)
    if kind != "N":
        raise invalid(KEY_MISMATCH)
    number = _EXACT.create_decimal(v)
    if number.is_zero():
        return b"\x02"
    sign, digits, _ = number.normalize(_EXACT).as_tuple()
    exponent = min(max(number.adjusted() + 130, 0), 255)    # -130..125 -> 0..255
    if not sign:
        return b"\x03" + bytes([exponent]) + bytes(0x30 + d for d in digits)
    return b"\x01" + bytes([255 - exponent]) + bytes(0x39 - d for d in digits) + b"\xff"


def item_key(table, attrs: dict) -> tuple[bytes, bytes]:
    """(pk, sk) of an item or key: the store key of its Item record."""
    pk = key_bytes(attrs[table.hash_key])
    sk = key_bytes(attrs[table.range_key]) if table.range_key else b""
    return pk, sk


def key_of(table, attrs: dict) -> dict:
    """The table's key attributes of an item."""
    return {name: attrs[name] for name in key_names(table)}


def value_key(value: dict):
    """A hashable form of an AttributeValue (duplicate detection, set arithmetic)."""
    (kind, v), = value.items()
    if kind in ("SS", "NS", "BS"):
        return kind, frozenset(v)
    if kind == "L":
        return kind, tuple(value_key(x) for x in v)
    if kind == "M":
        return kind, tuple(sorted((k, value_key(x)) for k, x in v.items()))
    return kind, v
