"""Which service, protocol and operation a request is for.

The service comes, in this order, from: the `X-Amz-Target` prefix (JSON protocols), the
`Smithy-Protocol: rpc-v2-cbor` path, the SigV4 credential scope's signing name, the Host's endpoint
prefix, and finally S3 (unsigned requests with no other hint are anonymous S3 access). Signing
names shared by several services are settled by the explicit rules in `_settle_collision`.
S3 requests may name their bucket in the Host (virtual-host, accelerate and website endpoints, see
`s3_host`); their operation is then matched against the path-style path "/bucket/path", while
`request.path` itself stays as sent (SigV4 signs it).
The protocol is detected per request, since a service may speak several (SQS: json and query;
CloudWatch: cbor, json and query).
"""
from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote

from botocore.model import OperationModel

from nuvem.errors import AwsError, NotImplementedYet
from nuvem.protocol import specs
from nuvem.protocol.rest_router import NoMatchingOperation, RestRouter
from nuvem.protocol.wire import HttpRequest

INDEX_PATH = os.path.join(os.path.dirname(__file__), "service_index.json")
FORM_TYPE = "application/x-www-form-urlencoded"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
_CBOR_PATH = re.compile(r"^/service/([^/]+)/operation/([^/?]+)$")
_REST = ("rest-json", "rest-xml")
S3_CONTROL_PATH = "/v20180820/"

# S3 endpoint hosts, after the port is stripped and the name lowercased. The bucket may hold dots.
_S3_SUFFIX = r"\.(?:localhost(?:\.localstack\.cloud)?|amazonaws\.com)"
_S3_REGION = r"(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"          # us-east-1, us-gov-west-1
_S3_BUCKET = r"(?:(?P<bucket>[a-z0-9][a-z0-9._-]*)\.)?"
_S3_FORMS = (   # (kind, host form); the first that matches wins
    ("control", re.compile(r"(?:\d{12}\.)?s3-control(?:\.dualstack)?(?:\." + _S3_REGION + ")?"
                           + _S3_SUFFIX)),
    ("website", re.compile(_S3_BUCKET + r"s3-website(?:[.-]" + _S3_REGION + ")?" + _S3_SUFFIX)),
    ("accelerate", re.compile(_S3_BUCKET + r"s3-accelerate(?:\.dualstack)?" + _S3_SUFFIX)),
    # Access point endpoints "<name>-<account>.s3-accesspoint.<region>.amazonaws.com": the
    # "bucket" is the access point's host label, resolved by nuvem/services/s3/accesspoints.py.
    ("accesspoint", re.compile(r"(?P<bucket>[a-z0-9-]+-\d{12})\.s3-accesspoint(?:-fips)?"
                               r"(?:\.dualstack)?\." + _S3_REGION + _S3_SUFFIX)),
    ("api", re.compile(_S3_BUCKET + r"s3(?:\.dualstack)?(?:[.-]" + _S3_REGION + ")?" + _S3_SUFFIX)),
)
_LOCALHOST_BUCKET = re.compile(_S3_BUCKET + "localhost")    # what botocore sends to localhost:4566
_IPV4 = re.compile(r"[\d.]+")


@dataclass
class Credential:
    access_key: str
    date: str
    region: str
    signing_name: str


@dataclass(frozen=True)
class S3Host:
    """What an S3 request's Host says: the bucket (None for path-style hosts), the endpoint kind
    ("api", "accelerate", "website" or "accesspoint") and the region the host names, if any."""
    bucket: str | None
    kind: str
    region: str | None


def host_name(host: str) -> str:
    """The Host header without its port, lowercased; IPv6 literals keep their brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0].rstrip(".")


@functools.lru_cache(maxsize=1024)
def _host_form(host: str) -> tuple[str, re.Match] | None:
    """The S3 endpoint form of a Host header, kept per Host value (asked of every S3 request)."""
    return _s3_form(host_name(host))


def _s3_form(name: str) -> tuple[str, re.Match] | None:
    for kind, form in _S3_FORMS:
        match = form.fullmatch(name)
        if match:
            return kind, match
    return None


@functools.lru_cache(maxsize=1024)
def s3_host(host: str) -> S3Host | None:
    """Classifies a Host header as S3 sees it; None when it is no S3 endpoint host (S3 Control's
    endpoints included), which the router then treats as path-style. Kept per Host value (the
    routing of every S3 request and S3's access point resolution ask)."""
    name = host_name(host)
    if "." not in name or name.startswith("[") or _IPV4.fullmatch(name):   # localhost, IPs
        return S3Host(None, "api", None)
    found = _s3_form(name)
    if found:
        kind, match = found
        if kind == "control":
            return None
        return S3Host(match["bucket"], kind, match.groupdict().get("region"))
    match = _LOCALHOST_BUCKET.fullmatch(name)
    return S3Host(match["bucket"], "api", None) if match else None


@dataclass
class Route:
    service: str
    protocol: str
    operation: OperationModel | None = None
    uri_params: dict[str, str] = field(default_factory=dict)
    credential: Credential | None = None
    region: str | None = None
    error: AwsError | None = None   # set when the request cannot be served; in `protocol`
    s3_host: S3Host | None = None   # S3 only: what the Host says (bucket for virtual-host style)
    preflight: bool = False         # S3 only: a CORS preflight (OPTIONS); no operation, no error
    post_object: bool = False       # S3 only: a browser-based upload (POST /bucket, a form)

    @property
    def website_bucket(self) -> str | None:
        """The bucket an S3 website endpoint request is for (no operation, no error), else None."""
        host = self.s3_host
        return host.bucket if host and host.kind == "website" else None


def credential_scope(request: HttpRequest) -> Credential | None:
    """The SigV4 credential scope from the Authorization header or a presigned query."""
    auth = request.headers.get("authorization")
    if auth and auth.startswith("AWS4-"):
        match = _CREDENTIAL.search(auth)
    elif "X-Amz-Credential" in request.query:
        credential = dict(request.query_list()).get("X-Amz-Credential", "")
        match = _CREDENTIAL.search("Credential=" + credential)
    else:
        return None
    return Credential(*match.groups()) if match else None


def form_params(request: HttpRequest) -> dict[str, str]:
    """Query-protocol parameters: the form body of a POST, else the query string (parsed once)."""
    if request.form_cache is None:
        request.form_cache = _form_params(request)
    return request.form_cache


def _form_params(request: HttpRequest) -> dict[str, str]:
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if request.method == "POST" and content_type == FORM_TYPE:
        # Routing only needs Action and Version: a body that is not UTF-8 still names its
        # action, and the parser then answers it with the protocol's malformed-input error.
        body = request.body_bytes().decode("utf-8", "replace")
        return dict(parse_qsl(body, keep_blank_values=True))
    return dict(request.query_list())


class Router:
    def __init__(self, implemented: frozenset[str]):
        with open(INDEX_PATH) as f:
            self.index: dict[str, dict] = json.load(f)
        self.implemented = implemented
        self.by_target: dict[str, list[str]] = {}
        self.by_signing: dict[str, list[str]] = {}
        self.by_endpoint: dict[str, str] = {}
        self.by_query_version: dict[str, list[str]] = {}
        for name, entry in self.index.items():
            if {"query", "ec2"} & set(entry["protocols"]):
                self.by_query_version.setdefault(entry["apiVersion"], []).append(name)
            if "targetPrefix" in entry:
                self.by_target.setdefault(entry["targetPrefix"], []).append(name)
            self.by_signing.setdefault(entry["signingName"], []).append(name)
            self.by_endpoint.setdefault(entry["endpointPrefix"], name)

    # -- service ------------------------------------------------------------------------------
    def find_service(self, request: HttpRequest, credential: Credential | None) -> str:
        target = request.headers.get("x-amz-target")
        if target:
            names = self.by_target.get(target.rsplit(".", 1)[0])
            if names:
                return self._pick(names, request, credential)
        if request.headers.get("smithy-protocol") == "rpc-v2-cbor":
            match = _CBOR_PATH.match(request.path)
            if match and match.group(1) in self.by_target:
                return self._pick(self.by_target[match.group(1)], request, credential)
        if credential and credential.signing_name in self.by_signing:
            return self._pick(self.by_signing[credential.signing_name], request, credential)
        from_host = self._service_from_host(request.host)
        if from_host:
            return from_host
        form = form_params(request)     # an unsigned query request: its API Version names it
        if "Action" in form and form.get("Version") in self.by_query_version:
            return self._pick(self.by_query_version[form["Version"]], request, credential)
        return "s3control" if request.path.startswith(S3_CONTROL_PATH) else "s3"

    def _pick(self, names: list[str], request: HttpRequest, credential: Credential | None) -> str:
        if len(names) == 1:
            return names[0]
        return _settle_collision(names, request, credential, self.index)

    def _service_from_host(self, host: str) -> str | None:
        name = host_name(host)
        found = _s3_form(name)   # before endpoint prefixes: a bucket may be called "sqs.data"
        if found:
            return "s3control" if found[0] == "control" else "s3"
        labels = name.split(".")
        if len(labels) < 2:
            return None
        for i in range(len(labels) - 1):
            for width in (2, 1):   # "streams.dynamodb" before "dynamodb"
                prefix = ".".join(labels[i:i + width])
                if prefix in self.by_endpoint:
                    return self.by_endpoint[prefix]
            if labels[i] == "s3" or labels[i].startswith("s3-"):
                return "s3control" if labels[i] == "s3-control" else "s3"
        return None

    # -- protocol and operation ---------------------------------------------------------------
    def route(self, request: HttpRequest) -> Route:
        """Always returns a Route; `route.error` says why it cannot be served, if it cannot."""
        credential = credential_scope(request)
        service = self.find_service(request, credential)
        protocols = self.index[service]["protocols"]
        route = Route(service=service, protocol=_detect_protocol(request, protocols),
                      credential=credential, region=credential.region if credential else None)
        path = request.path
        if service == "s3":
            route.s3_host = s3_host(request.host)
            if route.s3_host and route.s3_host.bucket:   # virtual-host style: match path-style
                path = "/" + route.s3_host.bucket + request.path
            if route.region is None and route.s3_host:   # unsigned: the region the host names
                route.region = route.s3_host.region
        name = self._operation_name(request, route, self.index[service])
        if service not in self.implemented:
            route.error = not_implemented(
                route.protocol,
                f"Nuvem does not implement the {service} service yet" + (f" ({name})" if name else ""))
            return route
        model = specs.service_model(service)
        if service == "s3" and (request.method == "OPTIONS" or route.website_bucket):
            # Served from the bucket's CORS or website configuration, not by an operation.
            route.preflight = request.method == "OPTIONS"
            route.uri_params = _bucket_and_key(path)
            return route
        if service == "s3" and request.method == "POST" and not request.query:
            if _is_post_object(request, path):
                # A browser-based upload: no operation models it (services/s3/post_object.py).
                route.post_object = True
                route.uri_params = _bucket_and_key(path)
            else:   # no operation is a POST without a sub-resource
                route.error = _s3_unrouted(request, path)
            return route
        if service == "s3" and request.method != "PUT" and "x-amz-copy-source" in request.headers:
            from nuvem.services.s3.unrouted import copy_source_refused
            route.error = copy_source_refused(request)
            if route.error:
                return route
        if route.protocol in _REST:
            try:
                route.operation, route.uri_params = _rest_router(service).match(
                    request.method, path, request.query_list(), request.headers)
            except NoMatchingOperation:
                route.error = (_s3_unrouted(request, path) if service == "s3" else
                               _unknown_operation(route.protocol, request.method + " " + path))
        elif not name or name not in model.operation_names:
            route.error = _unknown_operation(route.protocol, name)
        else:
            route.operation = model.operation_model(name)
        return route

    @staticmethod
    def _operation_name(request: HttpRequest, route: Route, entry: dict) -> str | None:
        if route.protocol == "json":
            # Only "<the service's own target prefix>.<operation>" names an operation: another
            # prefix (an older API version, another service's) is an unknown operation.
            prefix, _, name = (request.headers.get("x-amz-target") or "").rpartition(".")
            return name if prefix == entry.get("targetPrefix") else None
        if route.protocol == "smithy-rpc-v2-cbor":
            match = _CBOR_PATH.match(request.path)
            return unquote(match.group(2)) if match else None
        if route.protocol in ("query", "ec2"):
            return form_params(request).get("Action")
        return None


def _detect_protocol(request: HttpRequest, protocols: list[str]) -> str:
    headers = request.headers
    if "json" in protocols and "x-amz-target" in headers and \
            "json" in (headers.get("content-type") or "application/x-amz-json"):
        return "json"
    if "smithy-rpc-v2-cbor" in protocols and headers.get("smithy-protocol") == "rpc-v2-cbor":
        return "smithy-rpc-v2-cbor"
    for query_like in ("query", "ec2"):
        if query_like in protocols and "Action" in form_params(request):
            return query_like
    for rest in _REST:
        if rest in protocols:
            return rest
    return protocols[0]


def _settle_collision(names: list[str], request: HttpRequest, credential: Credential | None,
                      index: dict[str, dict]) -> str:
    """The signing names several services share, settled explicitly."""
    if "s3" in names:            # s3 / s3control: S3 Control's paths are /v20180820/...
        found = _host_form(request.host)
        control = request.path.startswith(S3_CONTROL_PATH) or (found and found[0] == "control")
        return "s3control" if control else "s3"
    if "dynamodb" in names:      # dynamodb / dynamodbstreams: by X-Amz-Target (DynamoDBStreams_...)
        target = request.headers.get("x-amz-target") or ""
        return "dynamodbstreams" if target.startswith("DynamoDBStreams_") else "dynamodb"
    if "elb" in names:           # elb / elbv2: by the query API Version
        return "elbv2" if form_params(request).get("Version") == "2015-12-01" else "elb"
    # Other shared names: the service named like its signing name, else the API version asked.
    if credential and credential.signing_name in names:
        return credential.signing_name
    version = form_params(request).get("Version")
    for name in names:
        if version and index[name].get("apiVersion") == version:
            return name
    return sorted(names)[0]


def _is_post_object(request: HttpRequest, path: str) -> bool:
    """POST Object: a multipart/form-data POST (with no query) to a bucket (path-style "/bucket"
    or a virtual host's "/")."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        return False
    params = _bucket_and_key(path)
    return "Bucket" in params and "Key" not in params


def _s3_unrouted(request: HttpRequest, path: str) -> AwsError:
    """S3's own refusal of a request none of its operations takes (not a 404 of ours)."""
    from nuvem.services.s3.unrouted import no_operation
    return no_operation(request, path)


def _bucket_and_key(path: str) -> dict[str, str]:
    """The Bucket and Key of a path-style S3 path, percent-decoded, as far as present."""
    bucket, _, key = path[1:].partition("/")
    params = {"Bucket": unquote(bucket)} if bucket else {}
    if key:
        params["Key"] = unquote(key)
    return params


@functools.cache
def _rest_router(service: str) -> RestRouter:
    return RestRouter(specs.service_model(service))


def not_implemented(protocol: str, message: str) -> AwsError:
    code = {"query": "InvalidAction", "ec2": "InvalidAction", "json": "UnknownOperationException",
            "smithy-rpc-v2-cbor": "UnknownOperationException"}.get(protocol, "NotImplemented")
    return NotImplementedYet(message, code=code)


def _unknown_operation(protocol: str, name: str | None) -> AwsError:
    if protocol in ("query", "ec2"):
        if not name:
            return AwsError("Could not find operation in the request", code="MissingAction")
        return AwsError(f"The action {name} is not valid for this web service.", code="InvalidAction")
    if protocol in _REST:
        return AwsError(f"No operation matches {name}", code="UnknownOperationException", status=404)
    return AwsError(None, code="UnknownOperationException")
