"""XML bodies for the query, ec2 and rest-xml protocols, written as text in one pass.

Element names follow botocore's parser (the reference client): a member's `locationName` (which
botocore merges with its target shape's own), list items named by the list member's `locationName`
(default `member`, or for flattened lists the member's own name), maps as
`<entry><key/><value/></entry>` unless flattened. Structure members come in model order.

Namespaces: a reference's `xmlNamespace` (on a member, a list member, a map key or value) is declared
on that element. A shape's own default namespace is written only on the document root, while a
shape-level *prefixed* namespace is always declared, because that shape's attributes use the prefix
(S3's `<Grantee xmlns:xsi="..." xsi:type="CanonicalUser">`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from nuvem.protocol.serializers_values import (
    NON_BODY_LOCATIONS, Options, mismatch, scalar_text, unknown_member,
)

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# What XML 1.0 cannot carry at all, not even as a character reference (its `Char` production):
# C0 controls but tab, LF and CR, U+FFFE, U+FFFF, and lone surrogates (not encodable as UTF-8).
# A value holding them (an error echoing a request's `bad\x01name`) is written with U+FFFD, the
# replacement character, in their place: the document stays well-formed and the client still reads
# the error's code. AWS never sends ill-formed XML; where S3 must return such keys exactly, it has
# clients ask for `encoding-type=url`, which a handler applies before this.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def esc(text: str) -> str:
    # isprintable() is a fast precheck: True means no control, surrogate or noncharacter code point.
    if not text.isprintable() and _XML_FORBIDDEN.search(text) is not None:
        text = _XML_FORBIDDEN.sub("\ufffd", text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#xD;")  # a raw CR would be normalised away by the reader
    return text


def esc_attr(text: str) -> str:
    return esc(text).replace('"', "&quot;").replace("\n", "&#xA;").replace("\t", "&#x9;")


def ns_attr(namespace: Any) -> str:
    """`xmlns` declaration for a model `xmlNamespace` (a URI string or {"uri", "prefix"})."""
    if not namespace:
        return ""
    if isinstance(namespace, str):
        return f' xmlns="{esc_attr(namespace)}"'
    uri = esc_attr(namespace.get("uri", ""))
    prefix = namespace.get("prefix")
    return f' xmlns:{prefix}="{uri}"' if prefix else f' xmlns="{uri}"'


def _element_ns(ref: Mapping, shape) -> str:
    namespace = ref.get("xmlNamespace")
    if namespace is None:
        merged = shape._shape_model.get("xmlNamespace")  # the target shape's own trait
        if isinstance(merged, Mapping) and merged.get("prefix"):
            namespace = merged
    return ns_attr(namespace)


def write_members(out: list, shape, value: Any, opts: Options, body_only: bool = False) -> str:
    """The member elements of a structure, in model order (as AWS writes them); returns the text of
    its `xmlAttribute` members, which belong on the structure's own tag. `body_only` skips members
    bound to headers or the status code."""
    if not isinstance(value, Mapping):
        mismatch(opts, shape, value, "mapping")
        return ""
    members = shape.members
    if opts.strict:
        for name in value:
            if name not in members:
                unknown_member(opts, shape, name)
    refs = shape._shape_model.get("members", {})
    attributes = ""
    for name, member in members.items():
        item = value.get(name)
        if item is None:
            continue
        ser = member.serialization
        tag = ser.get("name", name)
        if ser.get("xmlAttribute"):
            attributes += f' {tag}="{esc_attr(scalar_text(member, item, opts, "iso8601"))}"'
            continue
        if body_only and ser.get("location") in NON_BODY_LOCATIONS:
            continue
        kind = member.type_name
        if ser.get("flattened") and kind == "list":
            if not isinstance(item, (list, tuple)):
                mismatch(opts, member, item, "list")
                item = [item]
            item_shape = member.member
            item_tag = item_shape.serialization.get("name") or tag
            item_ns = ns_attr(member._shape_model["member"].get("xmlNamespace"))
            for element in item:
                if element is not None:
                    write_value(out, item_tag, item_ns, item_shape, element, opts)
        elif ser.get("flattened") and kind == "map":
            tag = ser.get("queryName", tag)   # SQS's <Attribute> for `Attributes` (overlay)
            _write_entries(out, tag, _element_ns(refs.get(name, {}), member), member, item, opts)
        else:
            write_value(out, tag, _element_ns(refs.get(name, {}), member), member, item, opts)
    return attributes


def write_struct(out: list, tag: str, attrs: str, shape, value: Any, opts: Options,
                 body_only: bool = False) -> None:
    opening = len(out)
    out.append("")  # the opening tag, once the attribute members are known
    attributes = write_members(out, shape, value, opts, body_only)
    out[opening] = f"<{tag}{attrs}{attributes}>"
    out.append(f"</{tag}>")


def write_value(out: list, tag: str, attrs: str, shape, value: Any, opts: Options) -> None:
    """One element `<tag attrs>...</tag>` holding `value` as `shape`."""
    kind = shape.type_name
    if kind == "structure" and not shape.is_document_type:
        write_struct(out, tag, attrs, shape, value, opts)
    elif kind == "list":
        if not isinstance(value, (list, tuple)):
            mismatch(opts, shape, value, "list")
            value = [value]
        item_shape = shape.member
        item_tag = item_shape.serialization.get("name", "member")
        item_ns = ns_attr(shape._shape_model["member"].get("xmlNamespace"))
        out.append(f"<{tag}{attrs}>")
        for element in value:
            if element is not None:
                write_value(out, item_tag, item_ns, item_shape, element, opts)
        out.append(f"</{tag}>")
    elif kind == "map":
        out.append(f"<{tag}{attrs}>")
        _write_entries(out, "entry", "", shape, value, opts)
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}{attrs}>{esc(scalar_text(shape, value, opts, 'iso8601'))}</{tag}>")


def _write_entries(out: list, tag: str, attrs: str, shape, value: Any, opts: Options) -> None:
    if not isinstance(value, Mapping):
        mismatch(opts, shape, value, "mapping")
        return
    model = shape._shape_model
    key_shape, value_shape = shape.key, shape.value
    key_tag = key_shape.serialization.get("name", "key")
    value_tag = value_shape.serialization.get("name", "value")
    key_ns = ns_attr(model["key"].get("xmlNamespace"))
    value_ns = ns_attr(model["value"].get("xmlNamespace"))
    for key, item in value.items():
        out.append(f"<{tag}{attrs}>")
        write_value(out, key_tag, key_ns, key_shape, key, opts)
        if item is not None:
            write_value(out, value_tag, value_ns, value_shape, item, opts)
        out.append(f"</{tag}>")


def document(tag: str, attrs: str, shape, value: Any, opts: Options, body_only: bool = False,
             declaration: bool = True) -> bytes:
    """A whole XML document whose root element holds a structure."""
    out = [XML_DECLARATION] if declaration else []
    write_struct(out, tag, attrs, shape, value, opts, body_only)
    return "".join(out).encode()


def text_element(tag: str, value: Any) -> str:
    """`<Name>text</Name>` for protocol envelope fields (codes, messages, request ids)."""
    return f"<{tag}>{esc(value if isinstance(value, str) else str(value))}</{tag}>"


def loose_fields(out: list, fields: Mapping) -> None:
    """Error fields the model does not describe (S3's <Key>, <BucketName>): written as text."""
    for name, value in fields.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        out.append(text_element(name, value))
