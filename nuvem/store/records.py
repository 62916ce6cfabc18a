"""Records: dataclasses the store keeps, with scope, key, indexes, blob fields and a schema version.

    @record("sqs.Queue", scope=Scope.REGION, key=("name",), indexes=("url",), version=2,
            migrations={1: add_fifo_flag})
    @dataclass
    class Queue:
        account: str
        region: str
        name: str
        url: str
        created: datetime

        @property
        def arn(self) -> str: ...

Stored as JSON, never pickle. The codec follows the field type hints: `datetime`/`date` as ISO
8601, `bytes` as base64, `Decimal` as a string, enums by value, nested dataclasses, `list`,
`tuple`, `set`, `dict` and `X | None`. Values typed `Any` (or bare `dict`/`list`) may hold JSON
values plus `datetime` and `bytes`, which are tagged (`{"$datetime": ...}`, `{"$bytes": ...}`).
Type hints are resolved on first use, so nested types must be importable module-level names.

`migrations[n]` takes the JSON dict of version n and returns version n+1; a record stored at an
older version is migrated when read (and written back at the new version on its next put).

This module also holds the order-preserving key encoding every backend uses.
"""
from __future__ import annotations

import base64
import collections
import collections.abc as _abc
import dataclasses
import enum
import functools
import json
import operator
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

from .api import FormatTooNew, MigrationMissing

_MISSING = dataclasses.MISSING


class Scope(str, enum.Enum):
    GLOBAL = "global"      # keyed by key alone (e.g. S3 bucket names)
    ACCOUNT = "account"    # keyed by (account, *key) (e.g. IAM users, S3 buckets)
    REGION = "region"      # keyed by (account, region, *key) (most resources)


_SCOPE_FIELDS = {Scope.GLOBAL: (), Scope.ACCOUNT: ("account",), Scope.REGION: ("account", "region")}


# -- order-preserving key encoding -------------------------------------------------------------
# Each component: a type tag, then the value. Strings and bytes escape 0x00 as 00 FF and end with
# 00 01, so a shorter string sorts first and an unterminated string is a byte prefix of every
# longer one (that is what `startswith` scans). Ints: 8 bytes big-endian with the sign bit
# flipped. No encoded key starts with FF, so b"\xff" bounds every range from above.
_T_INT, _T_BYTES, _T_STR = b"\x01", b"\x02", b"\x03"
_INT_BIAS = 1 << 63
KEY_MAX = b"\xff"


def _escape(raw: bytes) -> bytes:
    return raw.replace(b"\x00", b"\x00\xff") if b"\x00" in raw else raw


def encode_key(parts: Iterable[Any]) -> bytes:
    out = []
    for p in parts:
        if type(p) is str:
            out.append(_T_STR + _escape(p.encode()) + b"\x00\x01")
        elif isinstance(p, (bytes, bytearray)):    # before int: the usual parts first
            out.append(_T_BYTES + _escape(bytes(p)) + b"\x00\x01")
        elif isinstance(p, int):
            if not -_INT_BIAS <= p < _INT_BIAS:
                raise ValueError(f"key integer out of 64-bit range: {p}")
            out.append(_T_INT + (p + _INT_BIAS).to_bytes(8, "big"))
        elif isinstance(p, str):    # str subclasses (enums)
            out.append(_T_STR + _escape(str.__str__(p).encode()) + b"\x00\x01")
        else:
            raise TypeError(f"key components must be str, int or bytes, not {type(p).__name__}")
    return b"".join(out)


def encode_partial(text: str | bytes) -> bytes:
    """A string or bytes component without its terminator: a prefix of every longer value."""
    if isinstance(text, str):
        return _T_STR + _escape(text.encode())
    return _T_BYTES + _escape(bytes(text))


def decode_key(raw: bytes) -> tuple:
    parts: list[Any] = []
    i, n = 0, len(raw)
    while i < n:
        tag = raw[i:i + 1]
        i += 1
        if tag == _T_INT:
            parts.append(int.from_bytes(raw[i:i + 8], "big") - _INT_BIAS)
            i += 8
            continue
        chunks = []
        while True:
            j = raw.index(b"\x00", i)
            chunks.append(raw[i:j])
            if raw[j + 1] == 0x01:
                i = j + 2
                break
            chunks.append(b"\x00")           # an escaped 00 FF
            i = j + 2
        value = b"".join(chunks)
        parts.append(value.decode() if tag == _T_STR else value)
    return tuple(parts)


def prefix_end(prefix: bytes) -> bytes:
    """The smallest byte string greater than every string starting with `prefix`."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return KEY_MAX
    return stripped[:-1] + bytes([stripped[-1] + 1])


def key_range(scope: tuple, *, prefix: tuple = (), startswith: str | bytes | None = None,
              gt=None, ge=None, lt=None, le=None, start_after=None,
              reverse: bool = False) -> tuple[bytes, bytes]:
    """The half-open byte range [lo, hi) of encoded keys a query reads."""
    base = encode_key(scope + tuple(prefix))
    if startswith is not None:
        base += encode_partial(startswith)
    lo, hi = base, prefix_end(base) if base else KEY_MAX
    # b"\x00" appended makes a strict bound inclusive: nothing lies between e and e + 00.
    if ge is not None:
        lo = max(lo, encode_key(scope + tuple(ge)))
    if gt is not None:
        lo = max(lo, encode_key(scope + tuple(gt)) + b"\x00")
    if lt is not None:
        hi = min(hi, encode_key(scope + tuple(lt)))
    if le is not None:
        hi = min(hi, encode_key(scope + tuple(le)) + b"\x00")
    if start_after is not None:         # exclusive, in the scan direction
        after = encode_key(scope + tuple(start_after))
        if reverse:
            hi = min(hi, after)
        else:
            lo = max(lo, after + b"\x00")
    return lo, hi


# -- JSON codec --------------------------------------------------------------------------------
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
# The C encoder of _JSON's options, made once (JSONEncoder.encode makes one per call).
_encode_json = json.encoder.c_make_encoder(None, _JSON.default, json.encoder.encode_basestring,
                                           None, ":", ",", False, False, True)


def _dumps(value: Any) -> str:
    return "".join(_encode_json(value, 0))


_PLAIN = (str, int, float, bool, type(None))


def _dyn_encode(v: Any) -> Any:
    if v is None or isinstance(v, (str, int, float)):
        return v.value if isinstance(v, enum.Enum) else v
    if isinstance(v, dict):
        out = {_dict_key(k): _dyn_encode(x) for k, x in v.items()}
        if len(out) == 1 and next(iter(out)) in _TAGS:
            return {"$dict": out}     # a one-key map whose key looks like a type tag
        return out
    if isinstance(v, (list, tuple)):
        return [_dyn_encode(x) for x in v]
    if isinstance(v, datetime):
        return {"$datetime": v.isoformat()}
    if isinstance(v, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(v).decode()}
    if isinstance(v, Decimal):
        return {"$decimal": str(v)}
    raise TypeError(f"cannot store {type(v).__name__} in an untyped field; give the field a type")


def _dict_key(k: Any) -> str:
    if isinstance(k, str):
        return k
    raise TypeError(f"untyped dict keys must be str, not {type(k).__name__}")


_TAGS = {"$datetime": datetime.fromisoformat, "$bytes": base64.b64decode, "$decimal": Decimal,
         "$dict": None}      # "$dict" wraps a stored map that would read as a tag


def decode_untyped(v: Any) -> Any:
    """An untyped field's stored form back to its value (for migrations that retype a field)."""
    return _dyn_decode(v)


def _dyn_decode(v: Any) -> Any:
    if isinstance(v, dict):
        if len(v) == 1:
            (k, x), = v.items()
            if k == "$dict":
                return {k2: _dyn_decode(x2) for k2, x2 in x.items()}
            if k in _TAGS:
                return _TAGS[k](x)
        return {k: _dyn_decode(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_dyn_decode(x) for x in v]
    return v


Conv = Callable[[Any], Any] | None     # None: the value is stored as it is
_ABC_SEQUENCES = (_abc.Sequence, _abc.MutableSequence, _abc.Set, _abc.MutableSet, _abc.Iterable)
_ABC_MAPPINGS = (_abc.Mapping, _abc.MutableMapping)


def _nullable(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: None if v is None else f(v)


@dataclass(frozen=True)
class FieldCodec:
    """A field's own stored form: `Annotated[T, FieldCodec(encode, decode)]` as its type. encode
    returns something JSON can hold; decode gets that back (after a JSON round trip)."""
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


def _converters(tp: Any) -> tuple[Conv, Conv]:
    """(encode, decode) for values of type `tp`; None means identity."""
    if tp in _PLAIN:
        return None, None
    if typing.get_origin(tp) is typing.Annotated:
        codec = next((m for m in tp.__metadata__ if isinstance(m, FieldCodec)), None)
        if codec is not None:
            return codec.encode, codec.decode
        return _converters(typing.get_args(tp)[0])
    if tp is Any or tp is object or tp in (dict, list):
        return _dyn_encode, _dyn_decode
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Literal:
        return None, None
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            enc, dec = _converters(inner[0])
            return (enc and _nullable(enc)), (dec and _nullable(dec))
        if all(_converters(a) == (None, None) for a in inner):
            return None, None
        return _dyn_encode, _dyn_decode
    if tp is datetime or tp is date:
        return tp.isoformat, tp.fromisoformat
    if tp in (bytes, bytearray):
        return (lambda v: base64.b64encode(v).decode()), base64.b64decode
    if tp is Decimal:
        return str, Decimal
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return operator.attrgetter("value"), tp
    if dataclasses.is_dataclass(tp):
        return (lambda v: _codec(tp).to_dict(v)), (lambda d: _codec(tp).from_dict(d))
    if origin in (list, set, frozenset, tuple) or origin in _ABC_SEQUENCES:
        if origin is tuple and args and args[-1] is not Ellipsis:
            convs = [_converters(a) for a in args]
            return (lambda v: [e(x) if e else x for (e, _), x in zip(convs, v)]), \
                   (lambda v: tuple(d(x) if d else x for (_, d), x in zip(convs, v)))
        enc, dec = _converters(args[0]) if args else (_dyn_encode, _dyn_decode)
        build = {list: list, set: set, frozenset: frozenset, tuple: tuple}.get(origin, list)
        unordered = origin in (set, frozenset)
        def encode_seq(v):
            items = [enc(x) for x in v] if enc else list(v)
            if unordered:
                try:
                    items.sort()         # stable JSON for sets where the items allow it
                except TypeError:
                    pass
            return items
        return encode_seq, (lambda v: build(dec(x) for x in v) if dec else build(v))
    if origin is dict or origin in _ABC_MAPPINGS:
        ktype, vtype = args if args else (str, Any)
        kenc, kdec = _key_converters(ktype)
        venc, vdec = _converters(vtype)
        if kenc is None and venc is None:
            return dict, dict
        return ((lambda v: {(kenc(k) if kenc else k): (venc(x) if venc else x)
                            for k, x in v.items()}),
                (lambda v: {(kdec(k) if kdec else k): (vdec(x) if vdec else x)
                            for k, x in v.items()}))
    raise TypeError(f"the store cannot encode values of type {tp!r}")


def _key_converters(tp: Any) -> tuple[Conv, Conv]:
    if tp is str or tp is Any:
        return None, None
    if tp is int:
        return str, int
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return operator.attrgetter("value"), tp
    raise TypeError(f"dict keys must be str, int or a str enum, not {tp!r}")


class _Codec:
    """Field-by-field converters for one dataclass, built once from its type hints."""

    def __init__(self, cls: type):
        hints = typing.get_type_hints(cls, include_extras=True)
        self.cls = cls
        self.fields = []
        for f in dataclasses.fields(cls):
            enc, dec = _converters(hints.get(f.name, Any))
            self.fields.append((f.name, enc, dec, f.init))
        self.names = {name: (dec, init) for name, _, dec, init in self.fields}
        self._from_all = _compile_from_all(cls, self.fields)
        self.to_dict: Callable[[Any], dict] = _compile_to_dict(self.fields)

    def from_dict(self, d: Mapping[str, Any]) -> Any:
        if self._from_all is not None:
            try:
                return self._from_all(d)
            except KeyError:        # a field it was stored without: decoded name by name
                pass
        kwargs, late = {}, []
        names = self.names
        for name, v in d.items():
            spec = names.get(name)
            if spec is None:
                continue                    # a field that no longer exists
            dec, init = spec
            if dec is not None and v is not None:
                v = dec(v)
            if init:
                kwargs[name] = v
            else:
                late.append((name, v))
        obj = self.cls(**kwargs)
        for name, v in late:
            object.__setattr__(obj, name, v)
        return obj


def _compile_to_dict(fields: list) -> Callable[[Any], dict]:
    """A dataclass's fields as a dict, each through its encoder unless None, by one function
    generated for the class: a dict display (the loop with a getattr per field took a sixth
    longer)."""
    env: dict[str, Any] = {}
    items = []
    for i, (name, enc, _, _) in enumerate(fields):
        if enc is None:
            items.append(f"{name!r}: obj.{name}")
        else:
            env[f"enc{i}"] = enc
            items.append(f"{name!r}: None if (v{i} := obj.{name}) is None else enc{i}(v{i})")
    exec(f"def to_dict(obj):\n    return {{{', '.join(items)}}}\n", env)
    return env["to_dict"]


def _compile_from_all(cls: type, fields: list) -> Callable[[Mapping[str, Any]], Any] | None:
    """The usual decode, of a dict that has every field (it may have more), as one function
    generated for the class: a call with each field decoded in place (the loop over the dict's
    items took three times as long). None for a class with fields set after __init__."""
    if not all(init for *_, init in fields):
        return None
    env: dict[str, Any] = {"cls": cls}
    args = []
    for i, (name, _, dec, _) in enumerate(fields):
        if dec is None:
            args.append(f"{name}=d[{name!r}]")
        else:
            env[f"dec{i}"] = dec
            args.append(f"{name}=None if (v{i} := d[{name!r}]) is None else dec{i}(v{i})")
    exec(f"def from_all(d):\n    return cls({', '.join(args)})\n", env)
    return env["from_all"]


def _codec(cls: type) -> _Codec:
    codec = cls.__dict__.get("__nuvem_codec__")   # per class, not inherited
    if codec is None:
        codec = _Codec(cls)
        type.__setattr__(cls, "__nuvem_codec__", codec)
    return codec


def to_json(obj: Any) -> str:
    """JSON text of a dataclass instance (records, events)."""
    return _dumps(_codec(type(obj)).to_dict(obj))


def from_json(cls: type, text: str) -> Any:
    return _codec(cls).from_dict(json.loads(text))


# -- records -----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class RecordType:
    """What the store knows about a record class (`cls.__record__`)."""
    cls: type
    kind: str
    scope: Scope
    key: tuple[str, ...]
    indexes: tuple[str, ...]
    blobs: tuple[str, ...]
    version: int
    migrations: Mapping[int, Callable[[dict], dict]]
    has_arn: bool
    summary: tuple[str, ...] = ()      # fields also kept as a small JSON array (see record())
    summary_migrations: Mapping[int, Callable[[list], list]] = field(default_factory=dict)
    # derived in __post_init__:
    storage_fields: tuple[str, ...] = field(init=False)         # scope fields + key
    storage_key: Callable[[Any], tuple] = field(init=False, repr=False)
    scope_width: int = field(init=False)                         # 0, 1 or 2 scope fields
    _projections: dict = field(init=False, repr=False)           # fields -> Projection

    def __post_init__(self):
        scope_fields = _SCOPE_FIELDS[self.scope]
        fields = scope_fields + self.key
        getter = operator.attrgetter(*fields)
        object.__setattr__(self, "storage_fields", fields)
        object.__setattr__(self, "storage_key",
                           getter if len(fields) > 1 else (lambda obj: (getter(obj),)))
        object.__setattr__(self, "scope_width", len(scope_fields))
        object.__setattr__(self, "_projections", {})

    def projection(self, fields: Iterable[str], stored: Iterable[str] = ()) -> "Projection":
        """How to read only `fields` of this kind's records, those of them in `stored` as their
        stored JSON values (built once per choice)."""
        choice = (tuple(fields), frozenset(stored))
        found = self._projections.get(choice)
        if found is None:
            found = self._projections[choice] = Projection(self, *choice)
        return found

    def pk(self, obj: Any) -> bytes:
        return encode_key(self.storage_key(obj))

    def pk_of(self, key: tuple) -> bytes:
        if len(key) != len(self.storage_fields):
            raise TypeError(f"{self.kind} is keyed by {self.storage_fields}, got {key!r}")
        return encode_key(key)

    def encode(self, obj: Any) -> str:
        return _dumps(_codec(self.cls).to_dict(obj))

    def encode_with_summary(self, obj: Any) -> tuple[str, str | None]:
        """The document and the JSON array of the summary fields' stored values (None without
        summary fields)."""
        data = _codec(self.cls).to_dict(obj)
        if not self.summary:
            return _dumps(data), None
        return _dumps(data), _dumps(
            [data[name] if name in data else getattr(obj, name) for name in self.summary])

    def decode(self, version: int, doc: str) -> Any:
        data = json.loads(doc)
        if version != self.version:
            data = self._migrate(version, data)
        return _codec(self.cls).from_dict(data)

    def _migrate(self, version: int, data: dict) -> dict:
        if version > self.version:
            raise FormatTooNew(f"a {self.kind} record is at version {version}, newer than this "
                               f"Nuvem's {self.version}")
        while version < self.version:
            step = self.migrations.get(version)
            if step is None:
                raise MigrationMissing(f"no migration for {self.kind} from version {version}")
            data = step(data)
            version += 1
        return data

    def counter_path(self, path: tuple) -> str:
        """The JSON path (`$."field"."key"[0]`) of a counter that `Tx.add` changes."""
        name = path[0] if path else None
        if name not in self.cls.__dataclass_fields__ or name in self.storage_fields or \
                name in self.indexes or name in self.blobs or name in self.summary:
            raise ValueError(f"{self.kind}: {path!r} is not a counter of its own")
        parts = ["$"]
        for part in path:
            if type(part) is int:
                parts.append(f"[{part}]")
            elif type(part) is str and '"' not in part and "\\" not in part:
                parts.append(f'."{part}"')
            else:
                raise ValueError(f"{self.kind}: cannot address {part!r} in a counter's path")
        return "".join(parts)

    def index_entries(self, obj: Any) -> list[tuple[str, bytes]]:
        """(index name, encoded value) pairs. None is not indexed; a list, set or frozenset
        indexes each element; a tuple is one composite value."""
        out = []
        for name in self.indexes:
            value = getattr(obj, name)
            if value is None:
                continue
            if isinstance(value, (list, set, frozenset)):
                out.extend((name, encode_index_value(v)) for v in set(value) if v is not None)
            else:
                out.append((name, encode_index_value(value)))
        return out

    def blob_digests(self, obj: Any) -> set[str]:
        out: set[str] = set()
        for name in self.blobs:
            value = getattr(obj, name)
            if isinstance(value, str):
                out.add(value)
            elif value:                 # None or an empty collection adds none
                out.update(d for d in value if d)
        out.discard("")
        return out

    def index_value(self, name: str, value: Any) -> bytes:
        if name not in self.indexes:
            raise ValueError(f"{self.kind} has no index {name!r} (it has {self.indexes})")
        return encode_index_value(value)


# -- projections: a few fields of each record, without decoding whole documents ----------------
# A backend that can cut the fields out of a stored document (SQLite's json_extract with several
# paths gives them as one small JSON array) hands that JSON to `Projection.view_of_json`; one that
# reads them from the stored summary arrays hands a page of them to `Projection.views_of_summaries`.
# A record it cannot vouch for goes through the full decode (`RecordType.decode`, migrations
# included) and `Projection.view_of`.

# The C scanner behind json.loads, without its wrapper: a third of the cost of a small document.
_scan_json = json.JSONDecoder().scan_once


@dataclass(frozen=True)
class ProjectedField:
    name: str
    decode: Conv        # the stored JSON value -> the field's value; None: as it is
    null_ok: bool       # a stored null reads as None, as in the full decode (no non-None default)


class Projection:
    """Some fields of a record kind, read as light read-only views: named tuples with one
    attribute per field (`<Class>Fields`), whose values decode exactly as the record's would, or
    for the `stored` ones are their stored JSON values (a timestamp's ISO text) as the record's
    would encode."""

    def __init__(self, meta: "RecordType", fields: tuple[str, ...],
                 stored: frozenset[str] = frozenset()):
        by_name = {f.name: f for f in dataclasses.fields(meta.cls)}
        summary = meta.summary
        # a summarized property is read from the summary only: documents do not hold it
        unknown = [name for name in fields if name not in by_name and
                   (name not in summary or name in stored or not set(fields) <= set(summary))]
        if unknown or not fields or len(set(fields)) != len(fields) or not stored <= set(fields):
            raise ValueError(f"{meta.kind}: cannot project {fields!r}, {sorted(stored)} stored "
                             f"(its fields: {tuple(by_name)})")
        hints = typing.get_type_hints(meta.cls, include_extras=True)
        self.meta = meta
        self.names = fields
        self.view = collections.namedtuple(f"{meta.cls.__name__}Fields", fields)
        self.fields = tuple(_projected(by_name[name], hints.get(name, Any), name in stored)
                            if name in by_name else ProjectedField(name, None, True)
                            for name in fields)
        self._width = len(fields)
        self._decoders = tuple((i, f.decode) for i, f in enumerate(self.fields) if f.decode)
        self._strict_nulls = any(not f.null_ok for f in self.fields)
        self._get = operator.attrgetter(*fields) if len(fields) > 1 else (
            lambda obj, _name=fields[0]: (getattr(obj, _name),))
        encoders = ((i, _converters(hints.get(name, Any))[0]) for i, name in enumerate(fields)
                    if name in stored)
        self._encoders = tuple((i, encode) for i, encode in encoders if encode is not None)
        # where each field sits in the summary array, when they all are in it
        self.in_summary = bool(summary) and all(name in summary for name in fields)
        self._summary_width = len(summary)
        self._summary_pick = (None if fields == summary[:len(fields)] or not self.in_summary
                              else operator.itemgetter(*(summary.index(n) for n in fields)))

    def view_of(self, record: Any) -> Any:
        """The view of a record decoded in full."""
        values = self._get(record)
        if self._encoders:
            values = list(values)
            for i, encode in self._encoders:
                if values[i] is not None:
                    values[i] = encode(values[i])
        return tuple.__new__(self.view, values)

    def view_of_json(self, text: str) -> Any | None:
        """The view of a JSON array that starts with the stored JSON value of each field in order
        (null for a missing one). None when that cannot be told apart from the full decode's
        answer (a null where the record has a non-None default): then decode the record in full."""
        values = _scan_json(text, 0)[0]
        if len(values) != self._width:
            del values[self._width:]
        if self._strict_nulls and None in values:
            if not all(f.null_ok for f, v in zip(self.fields, values) if v is None):
                return None
        return self._view_of_values(values)

    def views_of_summaries(self, rows: Iterable[tuple], positional: bool = False) -> list:
        """The views of records' stored summary arrays (`in_summary` projections; each row's
        last item), in one loop: a page of a thousand. None for a row without one, or whose array
        is not as long as the kind's summary (written before a change to it that came without a
        version bump). A summary holds every field's value as the document does, so a null in
        it is a None the full decode would give too: no null needs checking. `positional`: the
        arrays as parsed will do, when they are the views' values as they are."""
        width, pick, fields = self._summary_width, self._summary_pick, self._width
        texts = [row[-1] for row in rows]
        if None in texts:
            parsed = [_scan_json(text, 0)[0] if text is not None else () for text in texts]
        else:       # the page's arrays as one array: one parse (a sixth less than one each)
            parsed = _scan_json(f"[{','.join(texts)}]", 0)[0]
        # (every array as long as the summary: counted in C, a third of all(map(...))'s time)
        if positional and not self._decoders and pick is None and fields == width and \
                list(map(len, parsed)).count(width) == len(parsed):
            return parsed
        views = []
        add, view_of_values, one = views.append, self._view_of_values, fields == 1
        if not self._decoders:      # nothing to decode: a view is the values as they are
            view_of_values = functools.partial(tuple.__new__, self.view)
        for values in parsed:
            if len(values) != width:
                add(None)
                continue
            if pick is not None:
                values = [pick(values)] if one else list(pick(values))
            elif fields != width:
                del values[fields:]
            add(view_of_values(values))
        return views

    def view_of_older_summary(self, version: int, text: str | None) -> Any | None:
        """The view of a record's summary stored at an older version, brought up to the current
        one by its kind's summary migrations; None without a summary or a step."""
        steps = self.meta.summary_migrations
        if text is None or not all(step in steps for step in range(version, self.meta.version)):
            return None
        summary = json.loads(text)
        for step in range(version, self.meta.version):
            summary = steps[step](summary)
        return self.views_of_summaries([(_JSON.encode(summary),)])[0]

    def _view_of_values(self, values: list) -> Any:
        for i, decode in self._decoders:
            value = values[i]
            if value is not None:
                values[i] = decode(value)
        return tuple.__new__(self.view, values)


def _projected(f: dataclasses.Field, tp: Any, stored: bool) -> ProjectedField:
    decode = None if stored else _converters(tp)[1]
    if decode is dict:
        decode = None          # it only copies, and a freshly parsed object needs no copy
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    admits_none = (tp is Any or tp is object
                   or origin in (typing.Union, types.UnionType) and type(None) in args)
    no_default = f.default is _MISSING and f.default_factory is _MISSING
    return ProjectedField(f.name, decode, admits_none and (f.default is None or no_default))


def encode_index_value(value: Any) -> bytes:
    return encode_key(value if isinstance(value, tuple) else (value,))


def record(kind: str, *, scope: Scope, key: tuple[str, ...], indexes: tuple[str, ...] = (),
           blobs: tuple[str, ...] = (), version: int = 1,
           migrations: Mapping[int, Callable[[dict], dict]] | None = None,
           summary: tuple[str, ...] = (),
           summary_migrations: Mapping[int, Callable[[list], list]] | None = None):
    """Declare a dataclass as a stored record (apply above `@dataclass`).

    kind: a stable name, e.g. "sqs.Queue" (renaming the class does not orphan stored data).
    scope: GLOBAL, ACCOUNT (needs an `account` field) or REGION (`account` and `region`).
    key: the fields that, after the scope fields, identify a record.
    indexes: attributes (fields or properties) to look records up by: `query(index=(name, v))`.
    blobs: attributes holding blob digests (a str, or a collection of them) to keep blobs alive.
    version / migrations: the schema version and the steps up to it, `{n: fn(dict_n) -> dict}`.
    summary: fields that listing pages read (`query(fields=...)` within them): also stored as a
    small JSON array beside the document, which a page reads instead of parsing documents.
    It may name properties too, whose values are JSON as they are (a listing's form of a field):
    projections of the summary's names read them, never stored as fields.
    Changing them needs a version bump (summaries written before are then not used, unless
    `summary_migrations` has the steps up from theirs, `{n: fn(summary_n) -> summary_n+1}`,
    as lists: then a page reads an older record's summary, not its document).
    A record with an `arn` attribute (field or property) is mirrored in the resources table.
    """
    if isinstance(key, str):
        key = (key,)
    migrations = dict(migrations or {})

    def wrap(cls: type) -> type:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"@record needs a dataclass: put @dataclass below @record on {cls}")
        names = {f.name for f in dataclasses.fields(cls)}
        for name in _SCOPE_FIELDS[Scope(scope)] + tuple(key):
            if name not in names:
                raise TypeError(f"{cls.__name__} needs a field {name!r} for its scope or key")
        for name in tuple(indexes) + tuple(blobs):
            if name not in names and not hasattr(cls, name):
                raise TypeError(f"{cls.__name__} has no attribute {name!r} to index")
        for name in summary:
            if name not in names and not isinstance(getattr(cls, name, None), property):
                raise TypeError(f"{cls.__name__} has no field or property {name!r} to summarize")
        bad = [v for v in (*migrations, *(summary_migrations or ())) if not 1 <= v < version]
        if bad:
            raise TypeError(f"{cls.__name__}: migrations {bad} are outside 1..{version - 1}")
        cls.__record__ = RecordType(
            cls=cls, kind=kind, scope=Scope(scope), key=tuple(key), indexes=tuple(indexes),
            blobs=tuple(blobs), version=version, migrations=migrations,
            has_arn="arn" in names or hasattr(cls, "arn"), summary=tuple(summary),
            summary_migrations=dict(summary_migrations or {}))
        return cls

    return wrap


def record_type(cls: type) -> RecordType:
    meta = getattr(cls, "__dict__", {}).get("__record__")
    if meta is None:
        raise TypeError(f"{getattr(cls, '__name__', cls)!r} is not a @record class")
    return meta
