"""Finds the operation a REST request (rest-json, rest-xml) is for, from the model's `http` traits.

Each operation's `requestUri` is compiled once per service into a regular expression over the raw
(percent-encoded) path; operations sharing a path template share the expression, grouped by method,
so a request runs one match per distinct template of its method (S3 GET: four).

When several operations match, the most specific wins, in this order:
  1. the `x-id` query parameter some SDKs send, when it names the operation;
  2. more literal path segments, then a non-greedy template over a greedy one;
  3. more literal query keys from the template (`?uploads`, `?list-type=2`), which must be present;
  4. fewer missing required query/header members, then more present (S3 PutObject vs CopyObject
     on `x-amz-copy-source`, GetObject vs ListParts on `uploadId`);
  5. more optional query/header members present, then not deprecated (GetBucketLifecycle loses to
     GetBucketLifecycleConfiguration), then more literal characters, then the operation name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import parse_qsl, unquote

from botocore.model import OperationModel, ServiceModel

_LABEL = re.compile(r"\{([^}+]+)(\+)?\}")
_PLAIN = re.compile(r"[A-Za-z0-9\-._~/]")


class NoMatchingOperation(Exception):
    """No operation of the service matches. `methods` lists the methods that would match the path
    (empty when the path itself is unknown), so the caller can answer 405 instead of 404."""

    def __init__(self, method: str, path: str, methods: Iterable[str] = ()):
        self.method = method
        self.path = path
        self.methods = sorted(methods)
        super().__init__(f"no operation for {method} {path}")


def _literal(text: str) -> str:
    # A literal may arrive percent-encoded ("(" as "%28"): accept either spelling.
    parts = []
    for char in text:
        if _PLAIN.fullmatch(char):
            parts.append(re.escape(char))
        else:
            spelled = "".join(f"%{byte:02X}" for byte in char.encode())
            parts.append(f"(?:{re.escape(char)}|(?i:{re.escape(spelled)}))")
    return "".join(parts)


@dataclass
class _Route:
    operation: OperationModel
    literals: tuple[tuple[str, str], ...]      # query keys the template requires (value '' = any)
    x_id: str                                  # the operation's `x-id` value
    required_query: tuple[str, ...]
    required_headers: tuple[str, ...]
    optional_query: tuple[str, ...]
    optional_headers: tuple[str, ...]

    def accepts(self, query: dict[str, list[str]]) -> bool:
        for key, value in self.literals:
            values = query.get(key)
            if values is None or (value and value not in values):
                return False
        return True

    def rank(self, query: dict[str, list[str]], headers: set[str], x_id: str | None) -> tuple:
        present = (sum(name in query for name in self.required_query)
                   + sum(name in headers for name in self.required_headers))
        missing = len(self.required_query) + len(self.required_headers) - present
        optional = (sum(name in query for name in self.optional_query)
                    + sum(name in headers for name in self.optional_headers))
        return (x_id == self.x_id, len(self.literals), -missing, present, optional,
                not self.operation.deprecated)


@dataclass
class _Template:
    regex: re.Pattern
    labels: list[str]
    literal_segments: int
    greedy: bool
    literal_chars: int
    routes: list[_Route] = field(default_factory=list)


def _compile(path: str) -> _Template:
    body = path.rstrip("/")  # a trailing slash is optional either way
    parts, labels, greedy, position = [], [], False, 0
    for found in _LABEL.finditer(body):
        parts.append(_literal(body[position:found.start()]))
        greedy = greedy or bool(found.group(2))
        parts.append("(.+)" if found.group(2) else "([^/]+)")
        labels.append(found.group(1))
        position = found.end()
    parts.append(_literal(body[position:]))
    segments = [s for s in body.split("/") if s]
    return _Template(
        regex=re.compile("".join(parts) + "/?"),
        labels=labels,
        literal_segments=sum(1 for s in segments if not _LABEL.search(s)),
        greedy=greedy,
        literal_chars=len(_LABEL.sub("", body)))


def _route(operation: OperationModel, query_template: str) -> _Route:
    literals = parse_qsl(query_template, keep_blank_values=True)
    x_id = next((value for key, value in literals if key == "x-id"), operation.name)
    shape = operation.input_shape
    required = set(shape.required_members) if shape is not None else set()
    buckets: dict[tuple[str, bool], list[str]] = {}
    for name, member in (shape.members.items() if shape is not None else ()):
        location = member.serialization.get("location")
        if location in ("querystring", "header") and member.type_name != "map":
            wire = member.serialization.get("name", name)
            key = (location, name in required)
            buckets.setdefault(key, []).append(wire if location == "querystring" else wire.lower())
    return _Route(
        operation=operation,
        literals=tuple((k, v) for k, v in literals if k != "x-id"),  # x-id is a hint, not a rule
        x_id=x_id,
        required_query=tuple(buckets.get(("querystring", True), ())),
        required_headers=tuple(buckets.get(("header", True), ())),
        optional_query=tuple(buckets.get(("querystring", False), ())),
        optional_headers=tuple(buckets.get(("header", False), ())))


def _header_names(headers: Any) -> set[str]:
    if headers is None:
        return set()
    if hasattr(headers, "keys_lower"):
        return set(headers.keys_lower())
    if isinstance(headers, dict):
        return {name.lower() for name in headers}
    return {name.lower() for name, _ in headers}


class RestRouter:
    """Built once per service; `match` is then a handful of regex matches per request."""

    def __init__(self, service: ServiceModel):
        self._methods: dict[str, dict[str, _Template]] = {}
        for name in sorted(service.operation_names):
            operation = service.operation_model(name)
            method = operation.http.get("method", "POST").upper()
            path, _, query = operation.http.get("requestUri", "/").partition("?")
            templates = self._methods.setdefault(method, {})
            if path not in templates:
                templates[path] = _compile(path)
            templates[path].routes.append(_route(operation, query))
        routes = [r for ts in self._methods.values() for t in ts.values() for r in t.routes]
        # What a route's rank can depend on besides the path: the headers it names, and the
        # query keys whose value it requires (`list-type=2`). The choice is cached by those.
        self._header_vocab = frozenset(
            h for r in routes for h in (*r.required_headers, *r.optional_headers))
        self._valued_keys = tuple(sorted({k for r in routes for k, v in r.literals if v}))
        self._chosen: dict[tuple, tuple[int, _Route] | None] = {}

    def match(self, method: str, path: str, query: list[tuple[str, str]],
              headers: Any = None) -> tuple[OperationModel, dict[str, str]]:
        """The operation for a request and its URI labels (percent-decoded; greedy labels keep
        their '/'). `path` is the raw path, `query` the decoded query parameters."""
        params: dict[str, list[str]] = {}
        for key, value in query:
            params.setdefault(key, []).append(value)
        names = _header_names(headers)
        x_id = params["x-id"][0] if "x-id" in params else None
        matched = [(template, found) for template in self._methods.get(method.upper(), {}).values()
                   if (found := template.regex.fullmatch(path)) is not None]
        key = (method.upper(), tuple(id(t) for t, _ in matched), frozenset(params),
               tuple((k, tuple(params[k])) for k in self._valued_keys if k in params),
               frozenset(names & self._header_vocab), x_id)
        if key in self._chosen:
            chosen = self._chosen[key]
        else:
            chosen = self._choose(matched, params, names, x_id)
            if len(self._chosen) >= 4096:      # a bound against clients that vary everything
                self._chosen.clear()
            self._chosen[key] = chosen
        if chosen is None:
            raise NoMatchingOperation(method, path, self._methods_for(path))
        index, route = chosen
        template, found = matched[index]
        labels = {name: unquote(value) for name, value in zip(template.labels, found.groups())}
        return route.operation, labels

    @staticmethod
    def _choose(matched: list, params: dict, names: set, x_id: str | None):
        """(index in `matched` of the template, route) that ranks best, or None."""
        best: tuple | None = None
        for index, (template, _) in enumerate(matched):
            for route in template.routes:
                if not route.accepts(params):
                    continue
                dynamic = route.rank(params, names, x_id)
                rank = (dynamic[0], template.literal_segments, not template.greedy, *dynamic[1:],
                        template.literal_chars)
                if best is None or rank > best[0]:
                    best = (rank, index, route)
        return None if best is None else (best[1], best[2])

    def _methods_for(self, path: str) -> set[str]:
        return {method for method, templates in self._methods.items()
                if any(t.regex.fullmatch(path) for t in templates.values())}
