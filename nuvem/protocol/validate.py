"""Checks parsed params against the model (required members, min/max, enum) before an operation
runs, and reports failures the way each family of AWS front ends does.

- query, json, rest-json, smithy-rpc-v2-cbor: one error listing every problem,
  "2 validation errors detected: Value null at 'queueUrl' failed to satisfy constraint: Member
  must not be null; Value '0' at 'maxResults' failed to satisfy constraint: ...", with the code
  `ValidationError` (query) or `ValidationException` (the others). Member paths are
  lowerCamelCase, list items `name.N.member`.
- ec2: the first problem only, `MissingParameter` "The request must contain the parameter X" or
  `InvalidParameterValue`.
- rest-xml (S3, Route 53, CloudFront): only missing members are checked here. S3 answers a body
  that lacks a required element with `MalformedXML` and a missing header or query parameter with
  `InvalidRequest`; value constraints are each service's business.

`pattern` is not checked: the models' patterns are Java regular expressions.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from botocore.model import OperationModel, Shape

from nuvem.errors import AwsError, InvalidParameterValue, MissingParameter, ValidationError
from nuvem.protocol.parsers import MALFORMED_XML_MESSAGE

_CODES = {"query": "ValidationError", "json": "ValidationException",
          "rest-json": "ValidationException", "smithy-rpc-v2-cbor": "ValidationException"}
# What a bound of each kind of shape limits, in AWS's words.
_MEASURE = {"string": "length", "blob": "length", "list": "length", "map": "length",
            "integer": "value", "long": "value", "float": "value", "double": "value"}


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


def _check(shape: Shape, value: Any, path: str, wire: str, location: str, protocol: str,
           problems: list[Problem]) -> None:
    kind = shape.type_name
    if protocol != "rest-xml":  # S3 & co. do not enforce the model's bounds: services decide
        _check_bounds(shape, value, path, wire, location, problems)
    if kind == "structure" and not shape.is_document_type and isinstance(value, dict):
        _check_members(shape, value, path, location, protocol, problems)
    elif kind == "list" and isinstance(value, list):
        for index, item in enumerate(value, 1):
            if item is not None:
                _check(shape.member, item, f"{path}.{index}.member", wire, location, protocol,
                       problems)
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            _check(shape.key, key, path, wire, location, protocol, problems)
            if item is not None:
                _check(shape.value, item, f"{path}.{key}.member", wire, location, protocol,
                       problems)


def _check_bounds(shape: Shape, value: Any, path: str, wire: str, location: str,
                  problems: list[Problem]) -> None:
    metadata = shape.metadata
    measure = _MEASURE.get(shape.type_name)
    amount = _size(value) if measure == "length" else value
    if measure == "value" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        amount = None
    sensitive = bool(metadata.get("sensitive"))

    def problem(constraint: str) -> None:
        problems.append(Problem(path, wire, location, value, constraint, sensitive))

    if amount is not None:
        if "min" in metadata and amount < metadata["min"]:
            problem(f"Member must have {measure} greater than or equal to {metadata['min']}")
        if "max" in metadata and amount > metadata["max"]:
            problem(f"Member must have {measure} less than or equal to {metadata['max']}")
    enum = metadata.get("enum")
    if enum and shape.type_name == "string" and isinstance(value, str) and value not in enum:
        problem(f"Member must satisfy enum value set: [{', '.join(enum)}]")


def _check_members(shape: Shape, value: dict, path: str, location: str, protocol: str,
                   problems: list[Problem]) -> None:
    # Only the members present or required (an S3 PutObject has 50 members and sends a few),
    # in the model's order, as AWS lists the problems.
    members = shape.members
    required = shape.required_members
    names = [n for n in members if n in value or n in required] \
        if len(value) + len(required) < len(members) else members
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
        _check(member, item, _path(path, name), _wire_name(name, member, protocol),
               member.serialization.get("location") or location, protocol, problems)


def _render(problem: Problem) -> str:
    value = problem.value
    if value is None:
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


def coral_message(problems: list[Problem]) -> str:
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(_render(p) for p in problems)


def _error(protocol: str, problems: list[Problem]) -> AwsError:
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
        return ValidationError(coral_message(problems))
    return AwsError(coral_message(problems), code=_CODES.get(protocol, "ValidationException"))


def validate(params: dict, operation: OperationModel, protocol: str) -> None:
    """Raises the protocol's validation error if `params` break the model's constraints."""
    shape = operation.input_shape
    if shape is None:
        return
    problems: list[Problem] = []
    _check_members(shape, params, "", "body", protocol, problems)
    if problems:
        raise _error(protocol, problems)
