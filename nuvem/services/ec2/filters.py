"""EC2's `Filters` parameter: named filters whose values are globs (`*`, `?`, `\\` escapes)."""
from __future__ import annotations

import re
from typing import Callable, Iterable, TypeVar

from nuvem.services.ec2.errors import InvalidParameterValue

T = TypeVar("T")


def glob_to_regex(pattern: str) -> re.Pattern:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def apply_filters(items: Iterable[T], filters: list[dict] | None,
                  fields: dict[str, Callable[[T], object]],
                  tags: Callable[[T], list[dict]] | None = None) -> list[T]:
    """Keep the items matching every filter (a filter matches when any of its values does).

    With `tags` (the item's `[{"Key":..,"Value":..}]`), `tag-key`, `tag-value` and `tag:<key>`
    filters work too, as on every taggable EC2 resource.
    """
    compiled = []
    for f in filters or []:
        name = f.get("Name", "")
        getter = fields.get(name) or (_tag_getter(name, tags) if tags else None)
        if getter is None:
            raise InvalidParameterValue(f"The filter '{name}' is invalid")
        compiled.append((getter, [glob_to_regex(v) for v in f.get("Values", [])]))
    result = []
    for item in items:
        if all(_matches(getter(item), patterns) for getter, patterns in compiled):
            result.append(item)
    return result


def _tag_getter(name: str, tags: Callable[[T], list[dict]]) -> Callable[[T], object] | None:
    if name == "tag-key":
        return lambda item: [t["Key"] for t in tags(item)]
    if name == "tag-value":
        return lambda item: [t["Value"] for t in tags(item)]
    if name.startswith("tag:"):
        key = name[4:]
        return lambda item: [t["Value"] for t in tags(item) if t["Key"] == key]
    return None


def _matches(value: object, patterns: list[re.Pattern]) -> bool:
    values = value if isinstance(value, (list, tuple)) else [value]
    return any(p.match(str(v)) for p in patterns for v in values if v is not None)
