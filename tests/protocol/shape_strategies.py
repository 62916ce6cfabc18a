"""Hypothesis strategies that build random, wire-representable values for botocore shapes."""
from __future__ import annotations

import math
from datetime import datetime, timezone

from hypothesis import strategies as st

_MAX_DEPTH = 4
_PLAIN = st.text(alphabet=st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=8)
# XML 1.0 text: printable characters; '\r' is normalised away by any XML parser, so leave it out.
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r"),
                max_size=12) | st.just("a b&<>'\"")
_TIMESTAMP = st.integers(min_value=0, max_value=4102444800).map(
    lambda s: datetime.fromtimestamp(s, tz=timezone.utc))


def value_for(shape, location: str | None = None, depth: int = 0):
    """A strategy for a value of `shape` where the member is sent in `location` (header, uri...)."""
    kind = shape.type_name
    plain = location in ("header", "headers", "uri", "querystring")
    if kind == "string":
        if shape.enum:
            return st.sampled_from(shape.enum)
        if shape.serialization.get("jsonvalue"):
            return st.dictionaries(_PLAIN, _PLAIN, max_size=2)
        return _PLAIN if plain else _TEXT
    if kind in ("integer", "long"):
        low = int(shape.metadata.get("min", -(2 ** 31)))
        high = int(shape.metadata.get("max", 2 ** 31 - 1))
        return st.integers(min_value=max(low, -(2 ** 31)), max_value=min(high, 2 ** 31 - 1))
    if kind in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False, width=32).filter(
            lambda f: math.isfinite(f))
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return _TIMESTAMP
    if kind == "blob":
        return st.binary(min_size=1 if plain else 0, max_size=16)
    if kind == "list":
        if depth >= _MAX_DEPTH:
            return st.just([])
        return st.lists(value_for(shape.member, location, depth + 1), min_size=1 if plain else 0,
                        max_size=3)
    if kind == "map":
        if depth >= _MAX_DEPTH:
            return st.just({})
        key = _PLAIN if not shape.key.enum else st.sampled_from(shape.key.enum)
        if location == "headers":   # header names are case-insensitive; S3 lowercases them
            key = key.map(str.lower)
        return st.dictionaries(key, value_for(shape.value, location, depth + 1), max_size=3)
    if kind == "structure":
        return structure(shape, depth, top_level=False)
    if kind == "document":
        return st.none()
    raise NotImplementedError(kind)


def structure(shape, depth: int = 0, top_level: bool = True, skip=lambda name, member: False):
    # A union may go a little deeper: an empty one has no valid wire form (exactly one member).
    if depth >= _MAX_DEPTH + (3 if shape.metadata.get("union") else 0):
        return st.just({})
    required, optional = {}, {}
    for name, member in shape.members.items():
        if skip(name, member) or member.type_name == "document" or \
                member.serialization.get("eventstream") or member.metadata.get("eventstream"):
            continue
        location = member.serialization.get("location") if top_level else None
        strategy = value_for(member, location, depth + 1)
        (required if name in shape.required_members else optional)[name] = strategy
    union = shape.metadata.get("union")
    if union and not top_level:   # a union carries exactly one member
        # ...and that member is not an empty structure cut off at the depth limit
        options = [st.fixed_dictionaries({name: s}).filter(lambda d: d[next(iter(d))] != {})
                   for name, s in {**required, **optional}.items()]
        return st.one_of(options) if options else st.just({})
    strategy = st.fixed_dictionaries(required, optional=optional)
    # An empty nested structure has no wire form in most protocols: always give it a member.
    return strategy if top_level or required or not optional else strategy.filter(bool)
