"""Checks parsed params against the model (required members, min/max, enum) before an operation
runs, and reports failures the way each family of AWS front ends does.

- query, json, rest-json, smithy-rpc-v2-cbor: one error listing every problem,
  "2 validation errors detected: Value null at 'queueUrl' failed to satisfy constraint: Member
  must not be null; Value '0' at 'maxResults' failed to satisfy constraint: ...", with the code
  `ValidationError` (query) or `ValidationException` (the others). Member paths are
  lowerCamelCase, list items `name.N.member`, a structure's members in AWS's order
  (`problem_order`). A string or number of a list, or a key or value of a map of strings or
  numbers, that breaks its constraints is reported on the list or map, with all of them:
  "Value '[a, ]' at 'names' failed to satisfy constraint: Member must satisfy constraint:
  [Member must have length less than or equal to 128, Member must have length greater than or
  equal to 1]" ("Map keys must satisfy constraint: [...]", "Map value must ..."); EC2 names
  the member's own value.
- ec2: the first problem only, `MissingParameter` "The request must contain the parameter X" or
  `InvalidParameterValue`.
- rest-xml (S3, Route 53, CloudFront): only missing members are checked here. S3 answers a body
  that lacks a required element with `MalformedXML` and a missing header or query parameter with
  `InvalidRequest`; value constraints are each service's business.

A null inside a list or map of a JSON or CBOR body is a problem too ("Value null at
'entries.1.member' ... Member must not be null"), unless the model marks the list or map sparse.

`pattern` is not checked: the models' patterns are Java regular expressions.

A length bound the request is too short to break is not checked: no string, blob, list or map
decoded from a body is longer than the body (an escape or a base64 text only shortens it), so a
JSON or CBOR request shorter than SHORT_REQUEST bytes skips the bounds of at least that length
(a DynamoDB item's attribute names, at most 65,535 characters: its values are then not walked).
"""
from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable

from botocore.model import OperationModel, Shape

from nuvem.errors import AwsError, InvalidParameterValue, MissingParameter, ValidationError
from nuvem.protocol import specs
from nuvem.protocol.parsers import MALFORMED_XML_MESSAGE
from nuvem.protocol.quirks import quirks_for
from nuvem.protocol.shape_plans import once

_CODES = {"query": "ValidationError", "json": "ValidationException",
          "rest-json": "ValidationException", "smithy-rpc-v2-cbor": "ValidationException"}
# What a bound of each kind of shape limits, in AWS's words.
_MEASURE = {"string": "length", "blob": "length", "list": "length", "map": "length",
            "integer": "value", "long": "value", "float": "value", "double": "value"}
SHORT_REQUEST = 65_535      # bytes


@dataclass
class Problem:
    path: str            # 'tags.1.member.key'
    wire_name: str       # the member's own name on the wire ('Key', 'x-amz-copy-source')
    location: str        # 'body', 'header', 'querystring', 'uri'
    value: Any           # None when missing
    constraint: str      # "Member must not be null", ...
    sensitive: bool = False


def _path(parent: str, name: str) -> str:
    name = name[:1].lower() + name[1:]
    return f"{parent}.{name}" if parent else name


def _wire_name(name: str, member: Shape, protocol: str) -> str:
    serialization = member.serialization
    if protocol == "ec2":
        if "queryName" in serialization:
            return serialization["queryName"]
        wire = serialization.get("name", name)
        return wire[:1].upper() + wire[1:]
    return serialization.get("name", name)


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, dict)) else None


# A checker validates one value of one shape: checker(value, path, wire, location, protocol,
# problems). Checkers are built once per shape (and per "are bounds checked", which rest-xml turns
# off, and "is the request short") and kept on the shape: a shape whose whole subtree can never
# fail gets none, so the values under it are not walked at all (an S3 object's headers).
Checker = Callable[[Any, str, str, str, str, list], None]
_CHECKER_ATTRS = {(False, False): "_nuvem_checker", (True, False): "_nuvem_checker_bounds",
                  (True, True): "_nuvem_checker_short"}


def _checker(shape: Shape, bounds: bool, short: bool = False) -> Checker | None:
    return once(shape, _CHECKER_ATTRS[bounds, short and bounds],
                lambda s, recurse: _build(s, bounds, short, recurse))


def _can_fail(shape: Shape, bounds: bool, short: bool) -> bool:
    """Whether some value of the shape could break a checked constraint."""
    return _may_fail(shape, bounds, short, set())[0]


def _may_fail(shape: Shape, bounds: bool, short: bool, outer: set) -> tuple[bool, bool]:
    """(can fail, the answer left out a recursive reference): a reference to an outer shape
    adds nothing the outer shape does not have (DynamoDB's AttributeValue holds itself). An
    answer is kept on the shape unless it is a "no" that left one out, which is only true on
    this path."""
    attr = _CHECKER_ATTRS[bounds, short and bounds] + "_fails"
    known = shape.__dict__.get(attr)
    if known is not None:
        return known, False
    if shape.name in outer:
        return False, True
    fails, cut = bounds and _bounds(shape, short) != (None, None, None), False
    kind = shape.type_name
    if kind == "structure" and not shape.is_document_type:
        fails = fails or bool(shape.required_members)
        children = list(shape.members.values())
    elif kind == "list":
        children = [shape.member]
    elif kind == "map":
        children = [shape.key, shape.value]
    else:
        children = []
    outer.add(shape.name)
    for child in children:
        if fails:
            break
        fails, child_cut = _may_fail(child, bounds, short, outer)
        cut = cut or child_cut
    outer.discard(shape.name)
    if fails or not cut:
        setattr(shape, attr, fails)
    return fails, cut and not fails


def _build(shape: Shape, bounds: bool, short: bool, recurse) -> Checker | None:
    if not _can_fail(shape, bounds, short):
        return None
    kind = shape.type_name
    own = _bounds_checker(shape, short) if bounds else None
    inner: Checker | None = None
    if kind == "structure" and not shape.is_document_type:
        inner = _members_checker(shape, recurse)
    elif kind == "list":
        item = recurse(shape.member)
        if item is not None:
            def inner(value, path, wire, location, protocol, problems):
                if isinstance(value, list):
                    for index, element in enumerate(value, 1):
                        if element is not None:
                            item(element, f"{path}.{index}.member", wire, location, protocol,
                                 problems)
            if shape.member.type_name in _SCALARS:
                inner = _set_checker(member_constraint(shape), item, list, iter, inner)
    elif kind == "map" and shape.value.type_name in _SCALARS:
        # a map of strings or numbers: the set form for its keys and its values
        key_check, value_check = recurse(shape.key), recurse(shape.value)
        inner = _both(
            key_check and _set_checker(f"Map keys must satisfy constraint: "
                                       f"[{_constraints(shape.key)}]", key_check, dict, iter),
            value_check and _set_checker(f"Map value must satisfy constraint: "
                                         f"[{_constraints(shape.value)}]", value_check, dict,
                                         dict.values))
    elif kind == "map":
        key_check = recurse(shape.key)
        value_check = recurse(shape.value)
        if key_check is not None or value_check is not None:
            def inner(value, path, wire, location, protocol, problems):
                if isinstance(value, dict):
                    for key, element in value.items():
                        if key_check is not None:
                            key_check(key, path, wire, location, protocol, problems)
                        if element is not None and value_check is not None:
                            value_check(element, f"{path}.{key}.member", wire, location,
                                        protocol, problems)
    return _both(own, inner)


def _both(first: Checker | None, second: Checker | None) -> Checker | None:
    if first is None or second is None:
        return first or second

    def both(value, path, wire, location, protocol, problems):
        first(value, path, wire, location, protocol, problems)
        second(value, path, wire, location, protocol, problems)
    return both


_SCALARS = frozenset({"string", "integer", "long", "float", "double", "blob"})


def _constraints(shape: Shape) -> str:
    """Every constraint of a scalar shape, as AWS lists them for a list's member or a map's key
    or value: maximum, minimum, pattern, enum."""
    metadata = shape.metadata
    measure = _MEASURE.get(shape.type_name)
    parts = []
    if measure and "max" in metadata:
        parts.append(f"Member must have {measure} less than or equal to {metadata['max']}")
    if measure and "min" in metadata:
        parts.append(f"Member must have {measure} greater than or equal to {metadata['min']}")
    if "pattern" in metadata:
        parts.append(f"Member must satisfy regular expression pattern: {metadata['pattern']}")
    if metadata.get("enum"):
        parts.append(f"Member must satisfy enum value set: [{', '.join(metadata['enum'])}]")
    return ", ".join(parts)


def member_constraint(shape: Shape) -> str:
    """The constraint a list of strings or numbers puts on its members, in AWS's words. Some
    lists' members also "must not be null" (IAM's tag keys, not its client ids or thumbprints):
    the model overlay marks those `memberNotNull`."""
    text = _constraints(shape.member)
    if shape._shape_model.get("memberNotNull"):
        text += ", Member must not be null"
    return f"Member must satisfy constraint: [{text}]"


def _set_checker(constraint: str, item: Checker, kind: type, elements,
                 ec2: Checker | None = None) -> Checker:
    """AWS reports the strings or numbers of a list (or a map's keys or values) that break their
    shape's constraints once, on the whole list or map, with all those constraints
    ("Value '[a, bb]' at 'names' failed to satisfy constraint: Member must satisfy constraint:
    [...]"); `elements(value)` gives what to check in a value of type `kind`. EC2, which names
    one value and its parameter, checks them with `ec2`, member by member."""
    def check(value, path, wire, location, protocol, problems):
        if protocol == "ec2" and ec2 is not None:
            ec2(value, path, wire, location, protocol, problems)
        elif isinstance(value, kind):
            broken: list[Problem] = []
            for element in elements(value):
                if element is not None:
                    item(element, path, wire, location, protocol, broken)
                    if broken:
                        problems.append(Problem(path, wire, location, value, constraint,
                                                broken[0].sensitive))
                        return
    return check


def _bounds(shape: Shape, short: bool) -> tuple[Any, Any, Any]:
    """(min, max, enum) to check on the shape's values; None for each one not checked."""
    metadata = shape.metadata
    measure = _MEASURE.get(shape.type_name)
    low = metadata.get("min") if measure else None
    high = metadata.get("max") if measure else None
    if short and measure == "length" and high is not None and high >= SHORT_REQUEST:
        high = None
    enum = metadata.get("enum") if shape.type_name == "string" else None
    return low, high, enum or None


def _bounds_checker(shape: Shape, short: bool) -> Checker | None:
    low, high, enum = _bounds(shape, short)
    if low is None and high is None and not enum:
        return None
    measure = _MEASURE.get(shape.type_name)
    sensitive = bool(shape.metadata.get("sensitive"))

    def check(value, path, wire, location, protocol, problems):
        if measure == "length":
            amount = _size(value)
        else:
            amount = value if isinstance(value, (int, float)) and not isinstance(value, bool) \
                else None
        if amount is not None:
            if low is not None and amount < low:
                problems.append(Problem(path, wire, location, value,
                                        f"Member must have {measure} greater than or equal to "
                                        f"{low}", sensitive))
            if high is not None and amount > high:
                problems.append(Problem(path, wire, location, value,
                                        f"Member must have {measure} less than or equal to "
                                        f"{high}", sensitive))
        if enum and isinstance(value, str) and value not in enum:
            problems.append(Problem(path, wire, location, value,
                                    f"Member must satisfy enum value set: [{', '.join(enum)}]",
                                    sensitive))
    return check


def _java_hash(text: str) -> int:
    """Java's String.hashCode, spread as java.util.HashMap spreads it (Java 8 and later)."""
    h = 0
    for char in text:
        h = (31 * h + ord(char)) & 0xFFFFFFFF
    return h ^ (h >> 16)


def problem_order(names) -> dict[str, int]:
    """A sort key per member name: AWS lists a structure's problems in the order a Java HashMap
    of its members' lowerCamel names iterates (their hash's bucket in a table grown by 0.75 loads
    from 16; model order within a bucket). Recorded: DynamoDB Scan's nine problems (dynalite's
    scan.js 'incorrect attributes') and IAM CreateOpenIDConnectProvider's clientIDList,
    thumbprintList, url (test_iam_oidc.py::
    test_create_open_id_connect_provider_validation_errors)."""
    names = list(names)
    buckets = 16
    while len(names) > buckets * 3 // 4:
        buckets *= 2
    return {name: (_java_hash(_path("", name)) & (buckets - 1)) << 16 | i   # one int: sorts fast
            for i, name in enumerate(names)}


def _members_checker(shape: Shape, recurse) -> Checker | None:
    # Only the members present or required (an S3 PutObject has 50 members and sends a few), in
    # AWS's order (problem_order).
    required = tuple(shape.required_members)
    order = problem_order(shape.members)
    checks: dict[str, Checker] = {}
    for name, member in shape.members.items():
        check = recurse(member)
        if check is not None:
            checks[name] = check
    if not required and not checks:
        return None
    checked = checks.keys()

    def check(value, path, wire, location, protocol, problems):
        if not isinstance(value, dict):
            return
        if not required and checked.isdisjoint(value):
            return      # none of its members can fail (a DynamoDB value that is not M or L)
        names = [n for n in value if n in checks]
        names += [n for n in required if value.get(n) is None and n not in names]
        if len(names) > 1:
            names.sort(key=order.__getitem__)
        members = shape.members
        for name in names:
            member = members[name]
            item = value.get(name)
            if item is None:
                if name in required:
                    problems.append(Problem(_path(path, name), _wire_name(name, member, protocol),
                                            member.serialization.get("location") or location,
                                            None, "Member must not be null"))
                continue
            if hasattr(item, "read"):
                continue  # a streaming body: nothing to measure without reading it
            checks[name](item, _path(path, name), _wire_name(name, member, protocol),
                         member.serialization.get("location") or location, protocol, problems)
    return check


def _render(problem: Problem, values: bool) -> str:
    value = problem.value
    if not values:
        shown = "Value"   # the service never quotes one (quirks.py)
    elif value is None:
        shown = "Value null"
    elif problem.sensitive or isinstance(value, bytes):
        shown = "Value"  # AWS does not echo sensitive values
    elif isinstance(value, list):
        shown = f"Value '[{', '.join(str(v) for v in value)}]'"
    elif isinstance(value, dict):
        shown = "Value '{" + ", ".join(f"{k}={v}" for k, v in value.items()) + "}'"
    elif isinstance(value, bool):
        shown = f"Value '{str(value).lower()}'"
    elif isinstance(value, datetime.datetime):
        shown = f"Value '{value.isoformat()}'"
    else:
        shown = f"Value '{value}'"
    return f"{shown} at '{problem.path}' failed to satisfy constraint: {problem.constraint}"


def coral_message(problems: list[Problem], values: bool = True) -> str:
    """`values`: whether the service quotes the failing values (`Quirks.validation_values`)."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(_render(p, values)
                                                               for p in problems)


def pattern_check(service: str, keep: tuple[str, ...] = ()) -> Callable:
    """A `Service.before` for query services whose model patterns Python's re reads as Java
    does, given an ASCII \\w (IAM, STS): the top-level strings of a call against their member's
    pattern, every problem in one ValidationError in AWS's order, a sensitive value never
    echoed. `keep`: members the service words its own way."""
    def build(shape: Shape, recurse) -> list | None:
        order = problem_order(shape.members)
        checks = [(name, re.compile(member.metadata["pattern"], re.ASCII),
                   member.metadata["pattern"], bool(member.metadata.get("sensitive")))
                  for name, member in sorted(shape.members.items(), key=lambda m: order[m[0]])
                  if member.type_name == "string" and "pattern" in member.metadata
                  and name not in keep]
        return checks or None

    values = quirks_for(service, "query").validation_values

    def check(call, params: dict) -> None:
        shape = specs.operation_model(service, call.operation).input_shape
        checks = once(shape, f"_nuvem_patterns_{service}", build) if shape is not None else None
        problems = [Problem(_path("", name), name, "body", value,
                            f"Member must satisfy regular expression pattern: {pattern}", hidden)
                    for name, regex, pattern, hidden in checks or ()
                    if isinstance(value := params.get(name), str) and not regex.fullmatch(value)]
        if problems:
            raise ValidationError(coral_message(problems, values))
    return check


_TAG_PUNCTUATION = frozenset("_.:/=+-@")
# a decimal number as Java's BigDecimal reads it: no NaN, Infinity, blanks or 1_000 (Python's float)
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def is_decimal(text: str) -> bool:
    """Whether a message attribute of type Number (SQS, SNS) holds a number."""
    return _DECIMAL.fullmatch(text) is not None


def tag_text_ok(text: str) -> bool:
    """AWS's tag pattern [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]: letters, separators and digits of any
    script, and _ . : / = + - @ (a Java pattern: the services that take tags check it)."""
    return all(c in _TAG_PUNCTUATION or unicodedata.category(c)[0] in "LZN" for c in text)


def tag_pattern_problems(tags: list[dict], member: str = "tags") -> list[Problem]:
    """The keys (pattern `+`) and values (`*`) of a Key/Value tag list outside AWS's tag pattern."""
    problems = []
    for i, tag in enumerate(tags, 1):
        for name, repeat in (("Key", "+"), ("Value", "*")):
            text = tag.get(name)
            if text and not tag_text_ok(text):
                problems.append(Problem(
                    f"{member}.{i}.member.{name.lower()}", name, "body", text,
                    f"Member must satisfy regular expression pattern: "
                    f"[\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]{repeat}"))
    return problems


def _error(protocol: str, problems: list[Problem], values: bool) -> AwsError:
    first = problems[0]
    if protocol == "ec2":
        if first.value is None:
            return MissingParameter(f"The request must contain the parameter {first.wire_name}")
        shown = "" if first.sensitive else str(first.value)
        return InvalidParameterValue(f"Value ({shown}) for parameter {first.wire_name} is "
                                     f"invalid. {first.constraint.replace('Member', 'It')}.")
    if protocol == "rest-xml":
        if first.location == "header":
            return AwsError(f"Missing required header for this request: {first.wire_name}",
                            code="InvalidRequest")
        if first.location in ("querystring", "uri"):
            return AwsError(f"Missing required parameter for this request: {first.wire_name}",
                            code="InvalidRequest")
        return AwsError(MALFORMED_XML_MESSAGE, code="MalformedXML")
    if protocol == "query":
        return ValidationError(coral_message(problems, values))
    return AwsError(coral_message(problems, values),
                    code=_CODES.get(protocol, "ValidationException"))


def validate(params: dict, operation: OperationModel, protocol: str,
             body_size: int | None = None) -> None:
    """Raises the protocol's validation error if `params` break the model's constraints.
    `body_size`: the length of the body every value of `params` was decoded from, if known."""
    shape = operation.input_shape
    if shape is None:
        return
    short = body_size is not None and body_size < SHORT_REQUEST
    check = _checker(shape, protocol != "rest-xml", short)   # S3 & co. leave bounds to services
    nulls = _null_checker(shape) if protocol in _NULLS_CHECKED else None
    if check is None and nulls is None:
        return
    problems: list[Problem] = []
    if check is not None:
        check(params, "", "", "body", protocol, problems)
    if nulls is not None:
        nulls(params, "", problems)
    if problems:
        quirks = quirks_for(operation.service_model.service_name, protocol)
        missing = next((p for p in problems if p.value is None), None)
        if quirks.missing_parameter and missing is not None:
            raise MissingParameter(f"The request must contain the parameter {missing.wire_name}.")
        raise _error(protocol, problems, quirks.validation_values)


_NULLS_CHECKED = frozenset({"json", "rest-json", "smithy-rpc-v2-cbor"})
# DynamoDB answers nulls in and among its attribute values its own way (values.py)
_OWN_NULLS = frozenset({"AttributeValue"})


def _null_checker(shape: Shape) -> Callable | None:
    return once(shape, "_nuvem_null_checker", _build_null_checker)


def _build_null_checker(shape: Shape, recurse) -> Callable | None:
    """`check(value, path, problems)`: a Problem for each null in the value's lists and maps;
    None for a shape that holds neither."""
    kind = shape.type_name
    if shape.name in _OWN_NULLS:
        return None
    if kind == "structure" and not shape.is_document_type:
        checks = {name: check for name, member in shape.members.items()
                  if (check := recurse(member)) is not None}
        if not checks:
            return None

        def structure(value, path, problems):
            if isinstance(value, dict):
                for name, check in checks.items():
                    child = value.get(name)
                    if child is not None:
                        check(child, _path(path, name), problems)
        return structure
    if kind in ("list", "map"):
        element = shape.member if kind == "list" else shape.value
        if element.name in _OWN_NULLS:
            return None
        inner = recurse(element)
        # a few models mark a list or map sparse ("Can contain null values"); botocore keeps
        # the trait only in the shape's model
        sparse = bool(shape._shape_model.get("sparse"))
        if sparse and inner is None:
            return None

        def collection(value, path, problems):
            if isinstance(value, list):
                pairs = enumerate(value, 1)
            elif isinstance(value, dict):
                pairs = value.items()
            else:
                return
            for key, element in pairs:
                where = f"{path}.{key}.member"
                if element is None:
                    if sparse:
                        continue
                    problems.append(Problem(where, "member", "body", None,
                                            "Member must not be null"))
                elif inner is not None:
                    inner(element, where, problems)
        return collection
    return None
