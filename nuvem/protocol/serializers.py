"""Server-side response and error serializers for the AWS protocols, driven by botocore's models.

    serialize_response(result, operation, protocol, request_id) -> HttpResponse
    serialize_error(error, service, protocol, request_id, operation=None, query_mode=False) -> HttpResponse

`protocol` is the one the request arrived in: "query", "ec2", "json", "rest-json", "rest-xml" or
"smithy-rpc-v2-cbor" (a service may speak several). `result` is a handler's dict keyed by botocore
member names; None values are omitted. Blobs are bytes (a str is taken as UTF-8); timestamps are
datetimes (naive means UTC) or epoch seconds; a streaming payload may also be an iterable of byte
chunks or a file-like object, passed through without being read whole; an event-stream member is an
iterable of `{EventName: {...}}` dicts.

Neither function raises on a handler's bad result: unknown members are dropped, odd values coerced,
and what still fails becomes an InternalFailure response (and a log line). Tests pass `strict=True`
to get a `SerializationError` instead, which catches handler drift from the model.

Errors. The error shape is the one named `error.code`, or else the one whose query error code
(`error.code` in the shape's metadata) it is. From the shape come the HTTP status, the sender/receiver
fault, the members, and the query code used by query/ec2 bodies and the `x-amzn-query-error` header.
Status rule: the shape's `httpStatusCode` applies when the AwsError kept the base class default status
(400); a class or instance that sets another status keeps it. When the client sent
`x-amzn-query-mode` (`query_mode=True`) to a query-compatible service, the status of the shape's
awsQueryError always applies, since that client expects the errors of the query protocol; without
it, a JSON or CBOR response keeps that protocol's own status (the botocore vectors'
QueryCompatible*CustomCodeError: awsQueryError 402, HTTP 400). Query-compatible services always send
`x-amzn-query-error: <query code>;Sender|Receiver`, as SQS does. `operation` is accepted for the
caller's convenience; error shapes are looked up in the whole service, as clients do.
"""
from __future__ import annotations

import json
import logging
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Callable

from botocore.model import NoShapeFoundError, OperationModel, ServiceModel

from nuvem.errors import AwsError, InternalFailure
from nuvem.protocol import serializers_xml as xml
from nuvem.protocol.quirks import Quirks, host_id, quirks_for
from nuvem.protocol.serializers_events import encode_stream, event_message
from nuvem.protocol.serializers_values import (
    NON_BODY_LOCATIONS, Options, SerializationError, cbor_struct, cbor_value, header_text,
    json_struct, json_struct_fast, json_value, mismatch, to_bytes, to_int, to_str, unknown_member,
)
from nuvem.protocol.shape_plans import once
from nuvem.protocol.wire import HttpResponse

__all__ = ["serialize_response", "serialize_error", "SerializationError"]

log = logging.getLogger(__name__)

EVENT_STREAM = "application/vnd.amazon.eventstream"
_CHUNK = 64 * 1024
_SCALARS = (str, int, float, bool)
_QUERY_COMPATIBLE = ("json", "smithy-rpc-v2-cbor")  # protocols that carry x-amzn-query-error
# A lone surrogate: a request may carry one (JSON "\ud800"), and an error may echo it, but UTF-8
# cannot encode it.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(slots=True)
class _Call:
    service: ServiceModel
    request_id: str
    opts: Options
    quirks: Quirks

    def id_headers(self) -> list[tuple[str, str]]:
        headers = [(self.quirks.request_id_header, self.request_id)]
        if self.quirks.host_id_header:
            headers.append((self.quirks.host_id_header, host_id(self.request_id)))
        if self.quirks.server_header:
            headers.append(("Server", self.quirks.server_header))
        return headers


def _service_name(service: ServiceModel) -> str:
    try:
        return service.service_name
    except Exception:  # a model without endpointPrefix (the protocol test suites) has no name
        return ""


def _call(service: ServiceModel, protocol: str, request_id: str, strict: bool) -> _Call:
    quirks = quirks_for(_service_name(service), protocol)
    return _Call(service, request_id, Options(strict, quirks.iso8601_millis), quirks)


# --- responses ----------------------------------------------------------------------------------

# A REST handler may set the status where the model has no statusCode member (S3's 206 for a
# range, 202 for RestoreObject): `{STATUS: 206, ...}`.
STATUS = "@status"


def serialize_response(result: dict, operation: OperationModel, protocol: str, request_id: str,
                       *, strict: bool = False) -> HttpResponse:
    writer = _RESPONSE_WRITERS.get(protocol)
    if writer is None:
        raise ValueError(f"unknown protocol {protocol!r}")
    call = _call(operation.service_model, protocol, request_id, strict)
    status = None
    if result and STATUS in result:
        result = dict(result)
        status = result.pop(STATUS)
    try:
        response = writer(result or {}, operation, call)
        if status is not None:
            response.status = status
        return _with_crc32(response, call)
    except Exception:
        if strict:
            raise
        log.exception("%s.%s: cannot serialize the handler's result",
                      _service_name(call.service), operation.name)
        return serialize_error(InternalFailure(), operation.service_model, protocol, request_id, operation)


def _no_output(result: Mapping, operation: OperationModel, call: _Call) -> None:
    if result and call.opts.strict:
        raise SerializationError(f"{operation.name} has no output, got {sorted(result)}")


def _query_response(result: Mapping, operation: OperationModel, call: _Call) -> HttpResponse:
    name, shape = operation.name, operation.output_shape
    out = [f"<{name}Response{xml.ns_attr(call.service.metadata.get('xmlNamespace'))}>"]
    if shape is None:
        _no_output(result, operation, call)
    else:
        # A JSON-first model without an overlay has no resultWrapper: the protocol's default applies.
        wrapper = shape.serialization.get("resultWrapper") or f"{name}Result"
        out.append(f"<{wrapper}>")
        xml.write_members(out, shape, result, call.opts)
        out.append(f"</{wrapper}>")
    out.append(f"<ResponseMetadata>{xml.text_element('RequestId', call.request_id)}</ResponseMetadata>")
    out.append(f"</{name}Response>")
    return HttpResponse(200, [("Content-Type", "text/xml"), *call.id_headers()], "".join(out).encode())


def _ec2_response(result: Mapping, operation: OperationModel, call: _Call) -> HttpResponse:
    name, shape = operation.name, operation.output_shape
    namespace = xml.ns_attr(call.service.metadata.get("xmlNamespace"))
    out = [xml.XML_DECLARATION, f"<{name}Response{namespace}>",
           xml.text_element("requestId", call.request_id)]
    if shape is None:
        _no_output(result, operation, call)
    else:
        xml.write_members(out, shape, result, call.opts)
    out.append(f"</{name}Response>")
    return HttpResponse(200, [("Content-Type", "text/xml;charset=UTF-8")], "".join(out).encode())


def _json_content_type(service: ServiceModel) -> str:
    return f"application/x-amz-json-{service.metadata.get('jsonVersion', '1.0')}"


class EncodedJson(str):
    """A top-level member of a result given as JSON text already in the wire's form (a DynamoDB
    item as stored): a JSON response splices it in as it is instead of walking its values
    against the model. JSON protocols only."""


class EncodedList(list):
    """A top-level list member given as the JSON texts of its items (a DynamoDB page of items),
    spliced in like EncodedJson."""


_ENCODED = (EncodedJson, EncodedList)


def _splice(body: bytes, spliced: list[tuple[str, EncodedJson | EncodedList]], shape) -> bytes:
    members = ",".join(
        json.dumps(shape.members[name].serialization.get("name", name)) + ":" +
        (f'[{",".join(value)}]' if type(value) is EncodedList else value)
        for name, value in spliced)
    return b"{" + _utf8(members) + (b"}" if body == b"{}" else b"," + body[1:])


# made once: json.dumps with options builds an encoder per call (1 us of every JSON response)
_JSON_WRITER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


def _dump_json(value: Any) -> bytes:
    return _utf8(_JSON_WRITER.encode(value))


def _utf8(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError:
        # Lone surrogates, which only a string literal can hold: written as JSON escapes, as
        # ensure_ascii=True would (for them only; other text stays UTF-8, as AWS sends it).
        return _SURROGATE.sub(_json_escape, text).encode()


def _json_escape(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"


def _dump_cbor(value: Any) -> bytes:
    import cbor2     # where used: see parsers._CborReader
    try:
        return cbor2.dumps(value)
    except UnicodeEncodeError:
        # A CBOR text string must be UTF-8 and has no escapes: lone surrogates become U+FFFD.
        return cbor2.dumps(_without_surrogates(value))


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_surrogates(item) for item in value]
    import cbor2
    if isinstance(value, cbor2.CBORTag):
        return cbor2.CBORTag(value.tag, _without_surrogates(value.value))
    return value


def _json_response(result: Mapping, operation: OperationModel, call: _Call) -> HttpResponse:
    shape = operation.output_shape
    headers = [("Content-Type", _json_content_type(call.service)), *call.id_headers()]
    if shape is None:
        _no_output(result, operation, call)
        return HttpResponse(200, headers, b"" if call.quirks.empty_body_without_output else b"{}")
    if shape.event_stream_name:
        return _rpc_event_stream(result, shape, _json_encoder(call.opts), call)
    if not result:          # most writes' answer (DynamoDB's PutItem): nothing to walk
        return HttpResponse(200, headers, b"{}")
    spliced = [(name, value) for name, value in result.items() if type(value) in _ENCODED]
    if spliced:
        result = {k: v for k, v in result.items() if type(v) not in _ENCODED}
    body = _dump_json(json_struct_fast(shape, result, call.opts))
    return HttpResponse(200, headers, _splice(body, spliced, shape) if spliced else body)


def _cbor_response(result: Mapping, operation: OperationModel, call: _Call) -> HttpResponse:
    shape = operation.output_shape
    if shape is None:  # no output: no body and so no Content-Type
        _no_output(result, operation, call)
        return HttpResponse(200, [("Smithy-Protocol", "rpc-v2-cbor"), *call.id_headers()], b"")
    if shape.event_stream_name:
        return _rpc_event_stream(result, shape, _cbor_encoder(call.opts), call,
                                 ("Smithy-Protocol", "rpc-v2-cbor"))
    headers = [("Content-Type", "application/cbor"), ("Smithy-Protocol", "rpc-v2-cbor"), *call.id_headers()]
    return HttpResponse(200, headers, _dump_cbor(cbor_struct(shape, result, call.opts)))


def _rpc_event_stream(result: Mapping, shape, encode, call: _Call, *extra_headers) -> HttpResponse:
    """RPC protocols send the non-stream members first, as an `initial-response` event."""
    stream_name = shape.event_stream_name
    content_type, payload = encode(shape, {k: v for k, v in result.items() if k != stream_name})
    initial = event_message("initial-response", content_type, payload)
    events = result.get(stream_name) or ()
    body = encode_stream(shape.members[stream_name], events, encode, call.opts, initial)
    headers = [("Content-Type", EVENT_STREAM), *extra_headers, *call.id_headers()]
    return HttpResponse(200, headers, body)


def _json_encoder(opts: Options):
    return lambda shape, value: ("application/json", _dump_json(json_value(shape, value, opts)))


def _cbor_encoder(opts: Options):
    return lambda shape, value: ("application/cbor", _dump_cbor(cbor_value(shape, value, opts)))


def _xml_encoder(opts: Options):
    def encode(shape, value):
        tag = shape.serialization.get("name") or shape.name
        return "text/xml", xml.document(tag, "", shape, value, opts, declaration="")
    return encode


# REST protocols: members bound to headers and the status code, then the payload or the body.

def _rest_response(result: Mapping, operation: OperationModel, call: _Call, as_json: bool) -> HttpResponse:
    shape = operation.output_shape
    status = operation.http.get("responseCode", 200)
    headers: list[tuple[str, str]] = []
    body: bytes | Iterable[bytes] = b""
    content_type = None
    if shape is None:
        _no_output(result, operation, call)
    else:
        status = _bind_members(result, shape, headers, call.opts, status)
        payload = shape.serialization.get("payload")
        if payload:
            body, content_type = _payload(result.get(payload), shape, payload, call, as_json)
        elif as_json:
            body, content_type = _rest_json_body(result, shape, call)
        else:
            body, content_type = _rest_xml_body(result, shape, operation, call)
    if status in (204, 304):  # these statuses carry no body
        body, content_type = b"", None
    if content_type and not any(name.lower() == "content-type" for name, _ in headers):
        headers.insert(0, ("Content-Type", content_type))
    headers.extend(call.id_headers())
    return HttpResponse(status, headers, body)


class _Binding:
    """Where an output structure's members go, worked out once per shape: each member's
    location ("header", "headers", "statusCode", or None for the body), wire name and whether
    it is a plain string, and whether any member goes to the body."""

    __slots__ = ("members", "has_body", "distinct_headers")

    def __init__(self, shape):
        self.members = {}
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", "" if location == "headers" else name)
            plain_string = (member.type_name == "string"
                            and not member.serialization.get("jsonvalue"))
            self.members[name] = (location, wire, member, plain_string)
        self.has_body = any(location not in NON_BODY_LOCATIONS
                            for location, _, _, _ in self.members.values())
        names = [wire.lower() for location, wire, _, _ in self.members.values()
                 if location == "header"]
        self.distinct_headers = len(set(names)) == len(names)


def _binding(shape) -> _Binding:
    return once(shape, "_nuvem_rest_binding", lambda shape, _: _Binding(shape))


def _bind_members(result: Mapping, shape, headers: list, opts: Options, status: int) -> int:
    binding = _binding(shape)
    members, mapped = binding.members, False
    for name, value in result.items():
        if value is None:
            continue
        bound = members.get(name)
        if bound is None:
            unknown_member(opts, shape, name)
            continue
        location, wire, member, plain_string = bound
        if location == "header":
            if plain_string and value.__class__ is str:
                headers.append((wire, value))
            elif member.type_name != "list" or value:
                headers.append((wire, header_text(member, value, opts)))
        elif location == "headers":
            if not isinstance(value, Mapping):
                mismatch(opts, member, value, "mapping")
                continue
            value_shape = member.value
            for key, item in value.items():
                if item is not None:
                    headers.append((wire + key, header_text(value_shape, item, opts)))
                    mapped = True
        elif location == "statusCode":
            status = to_int(member, value, opts)
    if mapped or not binding.distinct_headers:     # exact duplicates go once
        sent: set[tuple[str, str]] = set()
        unique = []
        for name, value in headers:
            if (name.lower(), value) not in sent:
                sent.add((name.lower(), value))
                unique.append((name, value))
        headers[:] = unique
    return status


def _payload(value: Any, shape, name: str, call: _Call, as_json: bool) -> tuple[Any, str | None]:
    member = shape.members[name]
    if value is None:
        return b"", None
    opts = call.opts
    if member.serialization.get("eventstream"):
        encoder = _json_encoder(opts) if as_json else _xml_encoder(opts)
        return encode_stream(member, value, encoder, opts), EVENT_STREAM
    kind = member.type_name
    if kind == "blob":
        return _blob_body(member, value, opts), "application/octet-stream"
    if kind == "string":
        return to_str(member, value, opts).encode(), "text/plain"
    if as_json:
        return _dump_json(json_value(member, value, opts)), "application/json"
    namespace = member._shape_model.get("xmlNamespace") or call.service.metadata.get("xmlNamespace")
    tag = _payload_root(member, name, call.service)
    return (xml.document(tag, xml.ns_attr(namespace), member, value, opts,
                         declaration=call.quirks.xml_declaration), "application/xml")


def _payload_root(member, name: str, service: ServiceModel) -> str:
    # A member xmlName wins. Converted models stamp locationName == member name on payload members,
    # which is no xmlName at all: then the target shape's own xmlName, else its name.
    member_tag = member.serialization.get("name")
    if member_tag and member_tag != name:
        return member_tag
    try:
        own = service.shape_for(member.name).serialization.get("name")
    except NoShapeFoundError:
        own = None
    return own or member.name


def _blob_body(member, value: Any, opts: Options) -> bytes | Iterable[bytes]:
    """Streaming payloads pass through: bytes, an iterable of byte chunks, or a file-like object."""
    if isinstance(value, (bytes, bytearray, memoryview, str)):
        return to_bytes(member, value, opts)
    if hasattr(value, "read"):
        return _read_chunks(value)
    if isinstance(value, Iterable):
        return value
    mismatch(opts, member, value, "bytes, chunks or a file-like object")
    return to_bytes(member, value, opts)


def _read_chunks(stream) -> Iterator[bytes]:
    try:
        while chunk := stream.read(_CHUNK):
            yield chunk
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def _rest_json_body(result: Mapping, shape, call: _Call):
    return _dump_json(json_struct(shape, result, call.opts, body_only=True)), "application/json"


def _rest_xml_body(result: Mapping, shape, operation: OperationModel, call: _Call):
    text_member = call.quirks.text_root_members.get(operation.name)
    if not text_member and not _binding(shape).has_body:
        return b"", None  # every member is a header or the status: no body
    namespace = xml.ns_attr(shape._shape_model.get("xmlNamespace")
                            or call.service.metadata.get("xmlNamespace"))
    if text_member:
        member = shape.members[text_member]
        value = result.get(text_member)
        text = "" if value is None else xml.esc(to_str(member, value, call.opts))
        tag = member.serialization.get("name", text_member)
        return (f"{call.quirks.xml_declaration}<{tag}{namespace}>{text}</{tag}>".encode(),
                "application/xml")
    tag = shape.serialization.get("name", shape.name)
    return (xml.document(tag, namespace, shape, result, call.opts, body_only=True,
                         declaration=call.quirks.xml_declaration), "application/xml")


def _rest_json_response(result, operation, call):
    return _rest_response(result, operation, call, as_json=True)


def _rest_xml_response(result, operation, call):
    return _rest_response(result, operation, call, as_json=False)


_RESPONSE_WRITERS: Mapping[str, Callable[[Mapping, OperationModel, _Call], HttpResponse]] = {
    "query": _query_response,
    "ec2": _ec2_response,
    "json": _json_response,
    "rest-json": _rest_json_response,
    "rest-xml": _rest_xml_response,
    "smithy-rpc-v2-cbor": _cbor_response,
}


# --- errors -------------------------------------------------------------------------------------

@dataclass(slots=True)
class _ErrorInfo:
    shape: Any          # the error's shape in the service model, or None
    code: str           # the shape name: JSON `__type`, x-amzn-ErrorType
    query_code: str     # the awsQueryError code: query/ec2/rest-xml <Code>, x-amzn-query-error
    status: int
    sender: bool
    message: str
    body: dict          # modelled members that go in the body
    headers: list       # modelled members bound to headers
    loose: dict         # fields the model does not describe, written as plain values

    @property
    def fault(self) -> str:
        return "Sender" if self.sender else "Receiver"


def serialize_error(error: AwsError, service: ServiceModel, protocol: str, request_id: str,
                    operation: OperationModel | None = None, query_mode: bool = False,
                    *, strict: bool = False) -> HttpResponse:
    writer = _ERROR_WRITERS.get(protocol)
    if writer is None:
        raise ValueError(f"unknown protocol {protocol!r}")
    call = _call(service, protocol, request_id, strict)
    try:
        return _with_crc32(writer(_error_info(error, service, protocol, query_mode, call.opts),
                                  call), call)
    except Exception:
        if strict:
            raise
        log.exception("cannot serialize error %s", getattr(error, "code", error))
    try:  # again without the model, which is the likely culprit
        bare = _ErrorInfo(None, str(error.code), str(error.code), int(error.status or 500),
                          bool(error.sender_fault), str(error.message or ""), {}, [], {})
        return writer(bare, call)
    except Exception:
        log.exception("cannot serialize error %s even without its model", getattr(error, "code", error))
        return HttpResponse(500, [("Content-Type", "text/plain")], b"InternalFailure")


def _with_crc32(response: HttpResponse, call: _Call) -> HttpResponse:
    if call.quirks.body_crc32 and isinstance(response.body, (bytes, bytearray)):
        response.headers.append(("x-amz-crc32", str(zlib.crc32(response.body))))
    return response


def _error_shape(service: ServiceModel, code: str):
    if not code:
        return None
    try:
        shape = service.shape_for(code)
    except NoShapeFoundError:
        shape = None
    if shape is not None and shape.metadata.get("exception"):
        return shape
    return service.shape_for_error_code(code)  # a handler may raise with the query code


def _error_info(error: AwsError, service: ServiceModel, protocol: str, query_mode: bool,
                opts: Options) -> _ErrorInfo:
    shape = _error_shape(service, error.code)
    fields = dict(error.fields)
    message = error.message or ""
    for key in ("Message", "message"):  # a message passed as a field is the message
        if key in fields:
            extra = fields.pop(key)
            message = message or ("" if extra is None else str(extra))
    status, sender = error.status, error.sender_fault
    code = query_code = error.code
    if shape is not None:
        meta = shape.metadata.get("error") or {}
        code, query_code = shape.name, meta.get("code", shape.name)
        if sender == AwsError.sender_fault:  # the instance kept the default: the model says
            if "senderFault" in meta:
                sender = bool(meta["senderFault"])
            elif shape._shape_model.get("fault"):
                sender = False
        model_status = meta.get("httpStatusCode")
        awsquery_status = "code" in meta  # the status came with an awsQueryError trait
        if (awsquery_status and protocol in _QUERY_COMPATIBLE and service.is_query_compatible
                and not query_mode):
            model_status = None  # ...and belongs to the query protocol, not to JSON or CBOR
        if model_status is None and not sender:
            model_status = 500  # a server fault (Smithy's @error("server") default)
        if model_status and (status == AwsError.status or (query_mode and awsquery_status)):
            status = model_status
    body, headers, loose = _split_fields(shape, fields, opts)
    headers = headers + list(error.headers.items())   # e.g. S3's x-amz-delete-marker on a 404
    return _ErrorInfo(shape, code, query_code, status, sender, message, body, headers, loose)


def _split_fields(shape, fields: Mapping, opts: Options) -> tuple[dict, list, dict]:
    members = shape.members if shape is not None else {}
    body, headers, loose = {}, [], {}
    for name, value in fields.items():
        if value is None:
            continue
        member = members.get(name)
        if member is None:
            # Unmodelled fields are allowed (S3 sends <Key>, <BucketName>...), but only plain values.
            if not isinstance(value, _SCALARS):
                mismatch(opts, shape, value, f"a plain value for the unmodelled error field {name!r}")
            loose[name] = value
            continue
        location = member.serialization.get("location")
        if location == "header":
            headers.append((member.serialization.get("name", name), header_text(member, value, opts)))
        elif location == "headers":
            prefix = member.serialization.get("name", "")
            headers.extend((prefix + k, header_text(member.value, v, opts)) for k, v in value.items())
        elif location != "statusCode":
            body[name] = value
    return body, headers, loose


def _xml_error_fields(out: list, info: _ErrorInfo, opts: Options) -> None:
    if info.body:
        xml.write_members(out, info.shape, info.body, opts)
    xml.loose_fields(out, info.loose)


def _query_error(info: _ErrorInfo, call: _Call) -> HttpResponse:
    out = [f"<ErrorResponse{xml.ns_attr(call.service.metadata.get('xmlNamespace'))}><Error>",
           xml.text_element("Type", info.fault), xml.text_element("Code", info.query_code)]
    if info.message:
        out.append(xml.text_element("Message", info.message))
    _xml_error_fields(out, info, call.opts)
    out.append(f"</Error>{xml.text_element('RequestId', call.request_id)}</ErrorResponse>")
    headers = [("Content-Type", "text/xml"), *info.headers, *call.id_headers()]
    return HttpResponse(info.status, headers, "".join(out).encode())


def _ec2_error(info: _ErrorInfo, call: _Call) -> HttpResponse:
    out = [xml.XML_DECLARATION, "<Response><Errors><Error>", xml.text_element("Code", info.query_code)]
    if info.message:
        out.append(xml.text_element("Message", info.message))
    _xml_error_fields(out, info, call.opts)
    out.append(f"</Error></Errors>{xml.text_element('RequestID', call.request_id)}</Response>")
    headers = [("Content-Type", "text/xml;charset=UTF-8"), *info.headers]
    return HttpResponse(info.status, headers, "".join(out).encode())


def _rest_xml_error(info: _ErrorInfo, call: _Call) -> HttpResponse:
    bare = call.quirks.bare_error_root
    out = [call.quirks.xml_declaration, "<Error>" if bare else "<ErrorResponse><Error>"]
    if not bare and call.quirks.error_type:
        out.append(xml.text_element("Type", info.fault))
    out.append(xml.text_element("Code", info.query_code))
    if info.message or bare:    # S3's <Error> always holds a <Message>, empty for some errors
        out.append(xml.text_element("Message", info.message))
    _xml_error_fields(out, info, call.opts)
    if not bare:
        out.append("</Error>")
    out.append(xml.text_element("RequestId", call.request_id))
    if call.quirks.host_id_header:
        out.append(xml.text_element("HostId", host_id(call.request_id)))
    out.append("</Error>" if bare else "</ErrorResponse>")
    headers = [("Content-Type", "application/xml"), *info.headers, *call.id_headers()]
    return HttpResponse(info.status, headers, "".join(out).encode())


def _message_key(shape) -> str:
    members = shape.members if shape is not None else {}
    return "Message" if "Message" in members and "message" not in members else "message"


def _error_document(info: _ErrorInfo, call: _Call, member_value, with_type: bool) -> dict:
    document: dict = {"__type": _error_type(info, call)} if with_type else {}
    if info.message:
        document[_message_key(info.shape)] = info.message
    if info.body:
        document.update(member_value(info.shape, info.body, call.opts))
    document.update(info.loose)
    return document


def _error_type(info: _ErrorInfo, call: _Call) -> str:
    namespaces = call.quirks.error_namespaces
    if namespaces is None:
        return info.code
    model, validation, front_end = namespaces
    if info.shape is not None:
        return f"{model}#{info.code}"
    return f"{validation if info.code == 'ValidationException' else front_end}#{info.code}"


def _query_error_header(info: _ErrorInfo, call: _Call) -> list[tuple[str, str]]:
    # awsQueryCompatible services tell query-era clients the query code and the fault.
    if call.service.is_query_compatible:
        return [("x-amzn-query-error", f"{info.query_code};{info.fault}")]
    return []


def _json_error(info: _ErrorInfo, call: _Call) -> HttpResponse:
    document = _error_document(info, call, json_struct, with_type=True)
    headers = [("Content-Type", _json_content_type(call.service)), ("x-amzn-ErrorType", info.code),
               *_query_error_header(info, call), *info.headers, *call.id_headers()]
    return HttpResponse(info.status, headers, _dump_json(document))


def _rest_json_error(info: _ErrorInfo, call: _Call) -> HttpResponse:
    def members(shape, value, opts):
        return json_struct(shape, value, opts, body_only=True)
    document = _error_document(info, call, members, with_type=False)
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", info.code),
               *info.headers, *call.id_headers()]
    return HttpResponse(info.status, headers, _dump_json(document))


def _cbor_error(info: _ErrorInfo, call: _Call) -> HttpResponse:
    document = _error_document(info, call, cbor_struct, with_type=True)
    headers = [("Content-Type", "application/cbor"), ("Smithy-Protocol", "rpc-v2-cbor"),
               *_query_error_header(info, call), *info.headers, *call.id_headers()]
    return HttpResponse(info.status, headers, _dump_cbor(document))


_ERROR_WRITERS: Mapping[str, Callable[[_ErrorInfo, _Call], HttpResponse]] = {
    "query": _query_error,
    "ec2": _ec2_error,
    "json": _json_error,
    "rest-json": _rest_json_error,
    "rest-xml": _rest_xml_error,
    "smithy-rpc-v2-cbor": _cbor_error,
}
