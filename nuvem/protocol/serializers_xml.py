"""XML bodies for the query, ec2 and rest-xml protocols, written as text in one pass.

Element names follow botocore's parser (the reference client): a member's `locationName` (which
botocore merges with its target shape's own), list items named by the list member's `locationName`
(default `member`, or for flattened lists the member's own name), maps as
`<entry><key/><value/></entry>` unless flattened. Structure members come in model order, or
in the order an overlay's `nuvemXmlOrder` gives.

Namespaces: a reference's `xmlNamespace` (on a member, a list member, a map key or value) is declared
on that element. A shape's own default namespace is written only on the document root, while a
shape-level *prefixed* namespace is always declared, because that shape's attributes use the prefix
(S3's `<Grantee xmlns:xsi="..." xsi:type="CanonicalUser">`).

Plans. Everything about a structure that follows from its model alone (each member's tag, namespace
declaration, flattening and how its value becomes text) is worked out once and kept on the shape
object (models and their shapes are long-lived; a shape built for one call takes its plan with it).
Writing a structure is then a loop over its members' writers: `writer(out, value, opts)` appends one
element (or, for flattened lists and maps, its items). Values of exactly the member's Python type
(`str` for strings, `int`, `bool`, `datetime` for iso8601 timestamps, and a timestamp's text as the
store keeps it) are written inline; anything else goes through the same coercions
(`serializers_values`) as ever, so strict mode still reports a value that does not fit its shape.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from operator import itemgetter
from typing import Any, Callable, Iterable

from nuvem.protocol.serializers_values import (
    INT_TYPES, NON_BODY_LOCATIONS, Options, iso8601, mismatch, scalar_text, stored_iso8601,
    stored_iso8601_page, unknown_member,
)

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# What XML 1.0 cannot carry at all, not even as a character reference (its `Char` production):
# C0 controls but tab, LF and CR, U+FFFE, U+FFFF, and lone surrogates (not encodable as UTF-8).
# A value holding them (an error echoing a request's `bad\x01name`) is written with U+FFFD, the
# replacement character, in their place: the document stays well-formed and the client still reads
# the error's code. AWS never sends ill-formed XML; where S3 must return such keys exactly, it has
# clients ask for `encoding-type=url`, which a handler applies before this.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# writer(out, value, opts): appends the XML of one value
Writer = Callable[[list, Any, Options], None]


class Rows(list):
    """A list of structures given as tuples of the values of the members `names`, in that order
    (None: not set), for pages of a thousand (S3 listings): each item is written from its tuple,
    with no dict to build per item nor to look its members up in. A name None is a position the
    writer skips, so a tuple the handler already has (a store's view) can be an item as it is.
    XML protocols only; any other reader of a handler's result (the internal client's caller)
    takes them as `dicts()`."""
    __slots__ = ("names",)

    def __init__(self, names: tuple[str | None, ...], rows=()):
        super().__init__(rows)
        self.names = names

    def dicts(self) -> list[dict]:
        return [{name: value for name, value in zip(self.names, row) if name is not None}
                for row in self]


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


def _plain(values: Iterable) -> bool:
    """Whether `values` are all strings that `esc` leaves as they are: one look at them joined
    instead of a call per value (a listing's thousand keys and ETags)."""
    try:
        text = "".join(values)
    except TypeError:                  # a value that is not a string
        return False
    # a CR, like every character XML cannot carry, is not printable
    return text.isprintable() and "&" not in text and "<" not in text and ">" not in text


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


# -- public entry points -------------------------------------------------------------------------

def write_members(out: list, shape, value: Any, opts: Options, body_only: bool = False) -> str:
    """The member elements of a structure, in model order (as AWS writes them); returns the text of
    its `xmlAttribute` members, which belong on the structure's own tag. `body_only` skips members
    bound to headers or the status code."""
    return _write_members(out, _plan(shape, opts), value, opts, body_only)


def write_struct(out: list, tag: str, attrs: str, shape, value: Any, opts: Options,
                 body_only: bool = False) -> None:
    opening = len(out)
    out.append("")  # the opening tag, once the attribute members are known
    attributes = _write_members(out, _plan(shape, opts), value, opts, body_only)
    out[opening] = f"<{tag}{attrs}{attributes}>"
    out.append(f"</{tag}>")


def write_value(out: list, tag: str, attrs: str, shape, value: Any, opts: Options) -> None:
    """One element `<tag attrs>...</tag>` holding `value` as `shape`."""
    _writer(shape, tag, attrs)(out, value, opts)


def document(tag: str, attrs: str, shape, value: Any, opts: Options, body_only: bool = False,
             declaration: str = XML_DECLARATION) -> bytes:
    """A whole XML document whose root element holds a structure, after `declaration`."""
    out = [declaration]
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


# -- structure plans -----------------------------------------------------------------------------

_PLAN_ATTR = "_nuvem_xml_plans"
_INLINE_TEXT = {   # member kind -> (the value type written inline, its text)
    "string": (str, esc), "character": (str, esc),
    "boolean": (bool, lambda value: "true" if value else "false"),
    **{kind: (int, str) for kind in INT_TYPES},
}
# iso8601 timestamps, without and with the always-milliseconds quirk (a plan is made for each),
# from a datetime and from stored ISO text (None for text of another form: the writer parses it)
_TIMESTAMP_TEXT = {False: iso8601, True: lambda value: iso8601(value, True)}
_STORED_TIMESTAMP_TEXT = {False: stored_iso8601(False), True: stored_iso8601(True)}


def _in_wire_order(shape) -> list:
    """A structure's members in model order, or first those an overlay's `nuvemXmlOrder` lists,
    in its order, where the service writes them in another (S3's listings: clients that read the
    document in one pass take the bucket's name, given first, for each object after it)."""
    members = list(shape.members.items())
    order = shape._shape_model.get("nuvemXmlOrder")
    if order:
        members.sort(key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    return members


class _Plan:
    """A structure's members as the writer needs them, in wire order (`_in_wire_order`), for
    `Options` with this `iso8601_millis`."""
    __slots__ = ("shape", "names", "attributes", "elements", "body_elements", "text",
                 "body_text", "rows")

    def __init__(self, shape, iso8601_millis: bool):
        self.shape = shape
        self.names = shape.members
        refs = shape._shape_model.get("members", {})
        attributes, elements, body_elements = [], [], []
        for name, member in _in_wire_order(shape):
            ser = member.serialization
            tag = ser.get("name", name)
            if ser.get("xmlAttribute"):
                attributes.append((name, tag, member))
                continue
            kind = member.type_name
            # (name, type written inline, its text, opening tag, closing tag, writer otherwise,
            #  the whole element of each value of an enum, or for a timestamp the text of a
            #  stored one); a flattened list of enum values (S3's ChecksumAlgorithm): (name,
            #  list, the item writer, "", "", writer otherwise, the whole element of each value)
            if ser.get("flattened") and kind == "list":
                item_shape = member.member
                item_tag = item_shape.serialization.get("name") or tag
                item_ns = ns_attr(member._shape_model["member"].get("xmlNamespace"))
                items = _list_items_writer(member, item_tag, item_ns)
                enum = _enum_elements(item_shape, f"<{item_tag}{item_ns}>", f"</{item_tag}>")
                element = ((name, list, _writer(item_shape, item_tag, item_ns), "", "", items, enum)
                           if enum else (name, None, None, "", "", items, None))
            elif ser.get("flattened") and kind == "map":
                tag = ser.get("queryName", tag)   # SQS's <Attribute> for `Attributes` (overlay)
                element = (name, None, None, "", "",
                           _entries_writer(member, tag, _element_ns(refs.get(name, {}), member)),
                           None)
            else:
                attrs = _element_ns(refs.get(name, {}), member)
                inline, text = _INLINE_TEXT.get(kind, (None, None))
                open_, close = f"<{tag}{attrs}>", f"</{tag}>"
                extra = _enum_elements(member, open_, close)
                if kind == "timestamp" and ser.get("timestampFormat", "iso8601") == "iso8601":
                    inline, text = datetime, _TIMESTAMP_TEXT[iso8601_millis]
                    extra = _STORED_TIMESTAMP_TEXT[iso8601_millis]
                element = (name, inline, text, open_, close, _writer(member, tag, attrs), extra)
            elements.append(element)
            if ser.get("location") not in NON_BODY_LOCATIONS:
                body_elements.append(element)
        self.attributes = tuple(attributes)
        self.elements = tuple(elements)
        self.body_elements = tuple(body_elements)
        self.text = _compile(self.elements)
        self.body_text = _compile(self.body_elements)
        self.rows: dict[tuple[str, ...], Callable] = {}    # Rows' names -> their writer

    def rows_writer(self, names: tuple[str, ...], opts: Options) -> Callable:
        if opts.strict:
            for name in names:
                if name is not None and name not in self.names:
                    unknown_member(opts, self.shape, name)
        found = self.rows.get(names)
        if found is None:
            found = self.rows[names] = _compile(self.elements, names)
        return found


def _compile(elements: tuple, names: tuple[str, ...] | None = None) -> Callable:
    """`text(get, opts)`: the elements of the members `get` (a structure's `dict.get`) gives, as
    one string: one statement per member, their tags as literals, the pieces joined by one
    f-string. Lists of a thousand structures (S3 listings) spend most of their time here:
    unrolled, with enum values pre-rendered and a string per structure rather than per member,
    a 1,000-entry ListObjectsV2 page is written in 1.4 ms instead of the member loop's 2.5.

    With `names`: `rows(add, rows, open_, close, opts)` adds the elements `open_ ... close` of a
    list of structures given as `Rows` of those members, in one loop: no call per item, and
    members the rows leave out cost nothing. A row whose values all take the usual form (each
    set and of its inline type; an enum's value, or one-item list of one, pre-rendered or None)
    is written as one f-string with its tags in it: no string per member to make and join (a
    third of a listing page's writing). What holds for a whole page is looked at once, before its
    rows: strings that need no escaping, stored timestamps all of the usual form (a call per
    value for each was half of writing a 1,000-key listing's rows)."""
    args, body = ["written", "empty", "plain", "stored_page"], []
    values = {"written": _written, "empty": "", "plain": _plain,
              "stored_page": stored_iso8601_page}
    indent = "    " if names is None else "      "
    written = []                       # the indexes of the elements the text is made of
    usual, usual_text = [], []         # a row's test for the usual form, its text then
    page = []                          # statements run once per page, before the rows

    def column(i: int, name: str) -> str:
        """What takes the member's values from a page's rows (in a statement of `page`)."""
        args.append(f"g{i}")
        values[f"g{i}"] = itemgetter(names.index(name))
        return f"map(g{i}, rows)"

    for i, (name, inline, text, open_, close, write, extra) in enumerate(elements):
        if names is not None and name not in names:
            continue
        written.append(i)
        args += [f"w{i}"]
        values[f"w{i}"] = write
        value = f"get({name!r})" if names is None else f"r{names.index(name)}"
        body += [f"{indent}v = {value}",
                 f"{indent}if v is None:",
                 f"{indent}    a{i} = ''"]
        literal = [tag.replace("{", "{{").replace("}", "}}") for tag in (open_, close)]
        if inline is list:             # a flattened list of enum values: one item, pre-rendered
            args += [f"e{i}"]
            values[f"e{i}"] = extra
            body += [f"{indent}elif type(v) is list and len(v) == 1 and type(v[0]) is str and "
                     f"v[0] in e{i}:",
                     f"{indent}    a{i} = e{i}[v[0]]"]
            usual.append(f"({value} is None or type({value}) is list and len({value}) == 1 and "
                         f"type({value}[0]) is str and {value}[0] in e{i})")
            usual_text.append(f"{{empty if {value} is None else e{i}[{value}[0]]}}")
        elif inline is not None:
            args += [f"i{i}", f"t{i}"]
            values.update({f"i{i}": inline, f"t{i}": text})
            as_text = "{%s}" if text is str else "{t" + str(i) + "(%s)}"  # an int: as str() has it
            element = f"f{literal[0] + as_text % 'v' + literal[1]!r}"
            if inline is not datetime and extra:
                args += [f"e{i}"]
                values[f"e{i}"] = extra
                element = f"e{i}.get(v) or {element}"
                usual.append(f"({value} is None or type({value}) is i{i} and {value} in e{i})")
                usual_text.append(f"{{empty if {value} is None else e{i}[{value}]}}")
            elif inline is not datetime:
                usual.append(f"type({value}) is i{i}")
                if text is esc and names is not None:   # escaped only if the page needs it
                    page.append(f"    p{i} = plain({column(i, name)})")
                    as_text = "{%s if p" + str(i) + " else t" + str(i) + "(%s)}"
                    usual_text.append(literal[0] + as_text % (value, value) + literal[1])
                else:
                    usual_text.append(literal[0] + as_text % value + literal[1])
            body += [f"{indent}elif type(v) is i{i}:",
                     f"{indent}    a{i} = {element}"]
            if inline is datetime:         # or a stored timestamp's text, cut to the wire's
                args += [f"s{i}"]
                values[f"s{i}"] = extra
                stored = f"f{literal[0] + '{s}' + literal[1]!r}"
                body += [f"{indent}elif type(v) is str and (s := s{i}(v)) is not None:",
                         f"{indent}    a{i} = {stored}"]
                if names is None:
                    usual.append(f"type({value}) is str and (u{i} := s{i}({value})) is not None")
                    usual_text.append(f"{literal[0]}{{u{i}}}{literal[1]}")
                else:                      # cut by a slice when the page's all allow
                    page.append(f"    c{i} = stored_page(list({column(i, name)}))")
                    usual.append(f"((f{i} := c{i} and '.000' not in {value}) or "
                                 f"type({value}) is str and (u{i} := s{i}({value})) is not None)")
                    # (the Z written after either: a string fewer to make than slice + "Z")
                    usual_text.append(f"{literal[0]}{{{value}[:23] if f{i} else u{i}[:-1]}}Z"
                                      f"{literal[1]}")
        else:
            usual.append(f"{value} is None")
        body += [f"{indent}else:",
                 f"{indent}    a{i} = written(w{i}, v, opts)"]
    joined = "".join(f"{{a{i}}}" for i in written)
    if names is None:
        function = ["  def text(get, opts):",
                    *body,
                    f"    return f{joined!r}",
                    "  return text"]
    else:
        unpacked = "".join(f"r{n}, " for n in range(len(names)))
        function = ["  def rows(add, rows, open_, close, opts):",
                    *page,
                    f"    for {unpacked} in rows:",
                    f"      if {' and '.join(usual) or 'True'}:",
                    f"        add(f{'{open_}' + ''.join(usual_text) + '{close}'!r})",
                    "        continue",
                    *body,
                    f"      add(f{'{open_}' + joined + '{close}'!r})",
                    "  return rows"]
    source = "\n".join([f"def make({', '.join(args)}):", *function])
    namespace: dict = {}
    exec(compile(source, "<xml writer>", "exec"), namespace)     # noqa: S102 (model-made)
    return namespace["make"](**values)


def _written(write: Writer, value: Any, opts: Options) -> str:
    """What a writer appends for `value`, as one string."""
    out: list = []
    write(out, value, opts)
    return "".join(out)


def _enum_elements(shape, open_: str, close: str) -> dict[str, str] | None:
    """{value: its whole element} for a string shape with an enum (storage classes, states)."""
    if shape.type_name != "string" or not shape.enum:
        return None
    return {value: f"{open_}{esc(value)}{close}" for value in shape.enum}


def _plan(shape, opts: Options) -> _Plan:
    plans = shape.__dict__.get(_PLAN_ATTR)
    if plans is None:
        plans = {}
        setattr(shape, _PLAN_ATTR, plans)
    millis = opts.iso8601_millis
    plan = plans.get(millis)
    if plan is None:
        plan = plans[millis] = _Plan(shape, millis)
    return plan


def _write_members(out: list, plan: _Plan, value: Any, opts: Options, body_only: bool) -> str:
    if type(value) is not dict and not isinstance(value, Mapping):
        mismatch(opts, plan.shape, value, "mapping")
        return ""
    if opts.strict:
        for name in value:
            if name not in plan.names:
                unknown_member(opts, plan.shape, name)
    attributes = ""
    for name, tag, member in plan.attributes:
        item = value.get(name)
        if item is not None:
            attributes += f' {tag}="{esc_attr(scalar_text(member, item, opts, "iso8601"))}"'
    out.append((plan.body_text if body_only else plan.text)(value.get, opts))
    return attributes


# -- writers -------------------------------------------------------------------------------------

def _writer(shape, tag: str, attrs: str) -> Writer:
    """The writer of one `<tag attrs>...</tag>` element holding a value of `shape`."""
    kind = shape.type_name
    if kind == "structure" and not shape.is_document_type:
        return _struct_writer(shape, tag, attrs)
    open_, close = f"<{tag}{attrs}>", f"</{tag}>"
    if kind == "list":
        item_shape = shape.member
        item_tag = item_shape.serialization.get("name", "member")
        item_ns = ns_attr(shape._shape_model["member"].get("xmlNamespace"))
        items = _list_items_writer(shape, item_tag, item_ns)

        def write_list(out: list, value: Any, opts: Options) -> None:
            out.append(open_)
            items(out, value, opts)
            out.append(close)
        return write_list
    if kind == "map":
        entries = _entries_writer(shape, "entry", "")

        def write_map(out: list, value: Any, opts: Options) -> None:
            out.append(open_)
            entries(out, value, opts)
            out.append(close)
        return write_map
    text = _text(shape)
    enum = _enum_elements(shape, open_, close)
    if enum:
        def write_enum(out: list, value: Any, opts: Options) -> None:
            out.append((type(value) is str and enum.get(value))
                       or f"{open_}{text(value, opts)}{close}")
        return write_enum

    def write_scalar(out: list, value: Any, opts: Options) -> None:
        out.append(f"{open_}{text(value, opts)}{close}")
    return write_scalar


def _struct_writer(shape, tag: str, attrs: str) -> Writer:
    # The plan is looked up when writing, not now: a structure may contain itself.
    open_, close = f"<{tag}{attrs}>", f"</{tag}>"

    def write_struct_element(out: list, value: Any, opts: Options) -> None:
        plan = _plan(shape, opts)
        if plan.attributes:
            write_struct(out, tag, attrs, shape, value, opts)
            return
        if type(value) is dict and not opts.strict:
            out.append(f"{open_}{plan.text(value.get, opts)}{close}")   # _write_members' gist
            return
        out.append(open_)
        _write_members(out, plan, value, opts, False)
        out.append(close)
    return write_struct_element


def _items_writer(shape, item: Writer, item_shape=None, open_: str = "",
                  close: str = "") -> Writer:
    """A list's items, each written by `item` (without an enclosing element). With the items'
    structure shape and tags, plain dict items are written by their plan directly."""
    def write_items(out: list, value: Any, opts: Options) -> None:
        if type(value) is Rows:
            plan = _plan(item_shape, opts) if item_shape is not None else None
            if plan is not None and not plan.attributes:
                plan.rows_writer(value.names, opts)(out.append, value, open_, close, opts)
                return
            value = value.dicts()
        elif type(value) is not list and not isinstance(value, (list, tuple)):
            mismatch(opts, shape, value, "list")
            value = [value]
        plan = _plan(item_shape, opts) if item_shape is not None and not opts.strict else None
        if plan is None or plan.attributes:
            for element in value:
                if element is not None:
                    item(out, element, opts)
            return
        text, append = plan.text, out.append        # write_struct_element's usual case, inline
        for element in value:
            if type(element) is dict:
                append(f"{open_}{text(element.get, opts)}{close}")
            elif element is not None:
                item(out, element, opts)
    return write_items


def _list_items_writer(list_shape, tag: str, attrs: str) -> Writer:
    """The items of a list whose members are `<tag attrs>` elements."""
    item_shape = list_shape.member
    if item_shape.type_name == "structure" and not item_shape.is_document_type:
        return _items_writer(list_shape, _writer(item_shape, tag, attrs), item_shape,
                             f"<{tag}{attrs}>", f"</{tag}>")
    return _items_writer(list_shape, _writer(item_shape, tag, attrs))


def _entries_writer(shape, tag: str, attrs: str) -> Writer:
    """A map's entries, each `<tag attrs><key/><value/></tag>`."""
    key_shape, value_shape = shape.key, shape.value
    model = shape._shape_model
    key = _writer(key_shape, key_shape.serialization.get("name", "key"),
                  ns_attr(model["key"].get("xmlNamespace")))
    item_value = _writer(value_shape, value_shape.serialization.get("name", "value"),
                         ns_attr(model["value"].get("xmlNamespace")))
    open_, close = f"<{tag}{attrs}>", f"</{tag}>"

    def write_entries(out: list, value: Any, opts: Options) -> None:
        if not isinstance(value, Mapping):
            mismatch(opts, shape, value, "mapping")
            return
        for k, item in value.items():
            out.append(open_)
            key(out, k, opts)
            if item is not None:
                item_value(out, item, opts)
            out.append(close)
    return write_entries


def _text(shape) -> Callable[[Any, Options], str]:
    """The escaped text of a scalar value of `shape` (fast paths for values of the exact type)."""
    def general(value: Any, opts: Options) -> str:
        return esc(scalar_text(shape, value, opts, "iso8601"))

    kind = shape.type_name
    if kind == "string" or kind == "character":
        return lambda value, opts: esc(value) if type(value) is str else general(value, opts)
    if kind in INT_TYPES:
        return lambda value, opts: str(value) if type(value) is int else general(value, opts)
    if kind == "boolean":
        return lambda value, opts: (("true" if value else "false") if type(value) is bool
                                    else general(value, opts))
    if kind == "timestamp" and shape.serialization.get("timestampFormat", "iso8601") == "iso8601":
        def timestamp(value: Any, opts: Options) -> str:
            if type(value) is datetime:
                return iso8601(value, opts.iso8601_millis)   # digits and punctuation only
            return general(value, opts)
        return timestamp
    return general
