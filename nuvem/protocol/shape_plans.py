"""Work built once per botocore shape and kept on it: the validator's checkers, the JSON body
decoders and encoders (closures that walk values without per-node dispatch).

botocore makes a new Shape object at each reference to a shape, so a recursive shape (DynamoDB's
AttributeValue holds maps and lists of itself) is recognised by name while it is being built:
the inner reference gets a stand-in that calls the finished function.
"""
from __future__ import annotations

from typing import Any, Callable

_NOTHING = object()    # a build whose answer is None (nothing to do for the shape) is kept too


def once(shape, attr: str, build: Callable[[Any, Callable], Any],
         building: dict | None = None):
    """`build(shape, recurse)`, computed once per shape object and kept on it as `attr`;
    `recurse(child_shape)` gives a child shape's function the same way. A build may return None
    (nothing to do for such values); a stand-in for a recursive shape whose build returned None
    does nothing."""
    cached = shape.__dict__.get(attr, _NOTHING)
    if cached is not _NOTHING:
        return cached
    building = {} if building is None else building
    if shape.name in building:
        cell = building[shape.name]
        return lambda *args: cell[0](*args)
    cell: list = []
    building[shape.name] = cell
    try:
        built = build(shape, lambda child: once(child, attr, build, building))
    finally:
        del building[shape.name]
    cell.append(built if built is not None else (lambda *args: None))
    setattr(shape, attr, built)
    return built
