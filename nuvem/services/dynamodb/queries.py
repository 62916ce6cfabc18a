"""Query and Scan, over the table or one of its secondary indexes.

A Query reads one partition's key range of the store in sort-key order (the store's keys are
DynamoDB's order, see values.key_bytes), so its cost is that of the items it reads, whatever
the size of the table. Limit counts items read before the filter; a page stops at 1 MB read.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib

from nuvem.protocol.serializers import EncodedList
from nuvem.services.dynamodb import SERVICE, indexes, values
from nuvem.services.dynamodb.errors import ValidationException
from nuvem.services.dynamodb.items import (apply_projection, check_projection_keys, consumed,
                                           mixing_checked, parser, projection, table_of)
from nuvem.services.dynamodb.models import (IndexItem, Item, decode_attrs, encode_attrs,
                                            stored_attrs)

PAGE_BYTES = 1024 * 1024
_INVALID_START = "The provided starting key is invalid"
_START_MISMATCH = f"{_INVALID_START}: {values.KEY_MISMATCH}"
_INVALID = "One or more parameter values were invalid: "


class Source:
    """Where a Query or Scan reads: the table, or an index (its records and key schema)."""

    def __init__(self, table, req: dict):
        self.table = table
        self.name = req.get("IndexName")
        self.index, self.is_global = None, False
        if self.name is not None:
            found = indexes.find(table, self.name)
            if found is None:
                raise ValidationException(
                    f"The table does not have the specified index: {self.name}")
            self.index, self.is_global = found
            self.hash_key, self.range_key = indexes.key_attrs(self.index)
            if self.is_global and req.get("ConsistentRead"):
                raise ValidationException(
                    "Consistent reads are not supported on global secondary indexes")
        else:
            self.hash_key, self.range_key = table.hash_key, table.range_key
        self.cls = IndexItem if self.index else Item
        self.base = (table.id, self.name) if self.index else (table.id,)

    def read(self, ctx, *, prefix=(), startswith=None, ge=None, le=None, lt=None,
             start_after=None, reverse=False, documents=False):
        return ctx.store.query(self.cls, account=self.table.account, region=self.table.region,
                               prefix=self.base + prefix, startswith=startswith, ge=ge, le=le,
                               lt=lt, start_after=start_after, reverse=reverse,
                               documents=documents)

    def record_key(self, attrs: dict) -> tuple:
        """The store key (after the scope) of the record an item with these keys has here."""
        pk, sk = values.item_key(self.table, attrs)
        if not self.index:
            return (self.table.id, pk, sk)
        ipk = values.key_bytes(attrs[self.hash_key])
        isk = values.key_bytes(attrs[self.range_key]) if self.range_key else b""
        return (self.table.id, self.name, ipk, isk, pk, sk)

    def key_names(self) -> list[str]:
        names = values.key_names(self.table)
        if self.index:
            names += [n for n in (self.hash_key, self.range_key) if n and n not in names]
        return names

    def start_after(self, start: dict | None, mismatch: str = _START_MISMATCH) -> tuple | None:
        """The store key to resume after, from ExclusiveStartKey's validated values (None:
        from the start): exactly this source's key attributes, with their types (else
        `mismatch`: Query's refusal is shorter than Scan's)."""
        if start is None:
            return None
        self.check_index_start(start)
        names = self.key_names()
        if set(start) != set(names) or not all(self._typed(n, start[n]) for n in names):
            raise ValidationException(mismatch)
        return self.record_key(start)

    def check_index_start(self, start: dict | None) -> None:
        """An index's start key is first checked for its size and the index's own key
        attributes, in words of their own, before what else the request asks of the index
        (dynalite's AWS-recorded scan.js 'ExclusiveStartKey is invalid for local index',
        '... does not match schema for global index')."""
        if start is None or not self.index:
            return
        if len(start) != len(self.key_names()):
            raise ValidationException(_INVALID_START)
        for name in filter(None, (self.hash_key, self.range_key)):
            if name not in start:
                raise ValidationException(_INVALID_START)
            if not self._typed(name, start[name]):
                raise ValidationException(values.KEY_MISMATCH)

    def _typed(self, name: str, value: dict) -> bool:
        return next(iter(value)) == self.table.attribute_type(name)


def _checked_first(req: dict, filter_param: str) -> tuple:
    """What DynamoDB checks of a Query or Scan between the mixing check and the expression
    attribute names and values, in its order: AttributesToGet (no duplicates), the legacy
    conditions (KeyConditions, then QueryFilter or ScanFilter), the ExclusiveStartKey's values.
    (legacy projection, `legacy.checked_key_conditions`, legacy filter, start key values)."""
    names, key_conditions = req.get("AttributesToGet"), req.get("KeyConditions")
    conditions = req.get(filter_param)
    proj = kc = filt = None
    if names or key_conditions is not None or conditions:
        from nuvem.services.dynamodb import legacy
        if names:
            proj = legacy.projection_from_attributes_to_get(names)
        if key_conditions is not None:
            kc = legacy.checked_key_conditions(key_conditions)
        if conditions:
            filt = legacy.condition_from_filter(conditions, req.get("ConditionalOperator"))
    start = req.get("ExclusiveStartKey")
    if start is not None:     # an empty one too: it is no key of the table's
        try:
            start = values.key_values(start)
        except ValidationException as e:
            raise ValidationException(
                f"{_INVALID_START}: {e.message}") from None
    return proj, kc, filt, start


def _select(req: dict, source: Source, operation: str) -> str:
    select = req.get("Select")
    given = ("ProjectionExpression" if req.get("ProjectionExpression") is not None
             else "AttributesToGet" if req.get("AttributesToGet") else None)
    if select is None:
        if given:
            return "SPECIFIC_ATTRIBUTES"
        return "ALL_PROJECTED_ATTRIBUTES" if source.index else "ALL_ATTRIBUTES"
    if select == "SPECIFIC_ATTRIBUTES" and not given:
        # Query's refusal is in the validation envelope, Scan's bare
        raise ValidationException(("1 validation error detected: " if operation == "Query"
                                   else "") + "Must specify the AttributesToGet or "
                                  "ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES")
    if select != "SPECIFIC_ATTRIBUTES" and given:
        wanted = "only the Count" if select == "COUNT" else select
        raise ValidationException(f"Cannot specify the {given} when choosing to get {wanted}")
    if select == "ALL_PROJECTED_ATTRIBUTES" and not source.index:
        raise ValidationException("ALL_PROJECTED_ATTRIBUTES can be used only when Querying "
                                  "using an IndexName")
    if select == "ALL_ATTRIBUTES" and source.is_global and \
            indexes.projected_names(source.table, source.index) is not None:
        raise ValidationException(
            _INVALID + f"Select type ALL_ATTRIBUTES is not supported for global secondary "
            f"index {source.name} because its projection type is not ALL")
    return select


def _check_projected(source: Source, proj) -> None:
    """A GSI answers only what it holds: naming anything else is an error (an LSI reads the
    rest from the table)."""
    if proj is None or not source.is_global:
        return
    names = indexes.projected_names(source.table, source.index)
    if names is None:
        return
    missing = sorted({p[0] for p in proj.paths if p and p[0] not in names})
    if missing:
        raise ValidationException(_INVALID + f"Global secondary index {source.name} does not "
                                  f"project [{', '.join(missing)}]")


def _filter(req: dict, ex, legacy_filter):
    if req.get("FilterExpression") is not None:
        return ex.condition(req["FilterExpression"], "FilterExpression")
    return legacy_filter


def _projection(req: dict, ex, table, legacy_projection):
    if req.get("ProjectionExpression") is not None:
        proj = projection(req, ex)
        check_projection_keys(table, proj)
        return proj
    return legacy_projection


def _from_table(source: Source, select: str) -> bool:
    """Whether an LSI must read the rest of each item from the table (it does not hold it)."""
    return bool(source.index and not source.is_global
                and select in ("ALL_ATTRIBUTES", "SPECIFIC_ATTRIBUTES")
                and indexes.projected_names(source.table, source.index) is not None)


def _plain(source: Source, select: str, proj, filt, segment=None) -> bool:
    """A page that answers every stored attribute of what it reads, unfiltered."""
    return (proj is None and filt is None and segment is None and select != "COUNT"
            and not _from_table(source, select))


def plain_page(req: dict, source: Source, documents) -> dict:
    """run_page for a plain page (`_plain`), from the stored documents: each item's stored JSON
    (already the wire's form) goes out as it is, and only the last item is decoded, for
    LastEvaluatedKey. Reading a thousand items then costs about what parsing their records
    does."""
    limit = req.get("Limit")
    scanned = read = 0
    items, last, stopped = EncodedList(), None, False
    for version, doc in documents:
        text, size = stored_attrs(source.cls, version, doc)
        scanned += 1
        read += size
        items.append(text)
        last = text
        if (limit is not None and scanned >= limit) or read >= PAGE_BYTES:
            stopped = True
            break
    return _page(req, source, items, scanned, scanned, read, 0,
                 decode_attrs(last) if stopped else None)


def run_page(ctx, req: dict, source: Source, records, select: str, proj, filt,
         segment=None) -> dict:
    """Read records until Limit or 1 MB; filter, project, count."""
    from_table = _from_table(source, select)
    matches = None
    if filt is not None:
        from nuvem.services.dynamodb.evaluation import matches
    limit = req.get("Limit")
    consistent = bool(req.get("ConsistentRead"))
    scanned = count = read = fetched = 0
    items, last, stopped = [], None, False
    for rec in records:
        if segment is not None and _segment_of(rec.ipk if source.index else rec.pk,
                                               segment[1]) != segment[0]:
            continue
        scanned += 1
        read += rec.size
        attrs = rec.attrs
        if from_table:
            item = ctx.store.get(Item, source.table.account, source.table.region,
                                 source.table.id, rec.pk, rec.sk)
            if item is not None:
                attrs = item.attrs
                fetched += values.read_units(item.size, consistent)
        if matches is None or matches(filt, attrs):
            count += 1
            if select != "COUNT":
                items.append(apply_projection(proj, attrs))
        last = attrs
        if (limit is not None and scanned >= limit) or read >= PAGE_BYTES:
            stopped = True
            break
    return _page(req, source, None if select == "COUNT" else items, count, scanned, read,
                 fetched, last if stopped else None)


def _page(req: dict, source: Source, items: list | None, count: int, scanned: int, read: int,
          fetched: float, last: dict | None) -> dict:
    """The page's answer: items (None for COUNT), counts, LastEvaluatedKey from the last item
    read when the page stopped early, ConsumedCapacity."""
    out = {"Count": count, "ScannedCount": scanned}
    if items is not None:
        out["Items"] = items
    if last is not None:
        out["LastEvaluatedKey"] = {n: last[n] for n in source.key_names() if n in last}
    consistent = bool(req.get("ConsistentRead"))
    units = values.read_units(read, consistent)
    mode = req.get("ReturnConsumedCapacity")
    if source.index:
        # INDEXES gives the table's arm even when only the index was read (0.0), as AWS does
        capacity = consumed(req["TableName"], mode, fetched,
                            {source.name: (source.is_global, units)})
    else:
        capacity = consumed(req["TableName"], mode, units)
    if capacity:
        out["ConsumedCapacity"] = capacity
    return out


def _segment_of(partition: bytes, total: int) -> int:
    """A stable segment for a partition key (the index's, scanning an index)."""
    return int.from_bytes(hashlib.sha256(partition).digest()[:8], "big") % total


def _paths(node, out: set) -> set:
    """First names of the document paths a parsed condition reads."""
    if type(node).__name__ == "Path":
        if node.elements:
            out.add(node.elements[0])
    elif dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            _paths(getattr(node, f.name), out)
    elif isinstance(node, (list, tuple)):
        for x in node:
            _paths(x, out)
    return out


def _check_filter_keys(req: dict, source: Source, filt) -> None:
    """A Query's filter may not read the key attributes (the key condition does that)."""
    if filt is None:
        return
    keys = [k for k in (source.hash_key, source.range_key) if k]
    used = _paths(filt, set())
    for name in keys:
        if name in used:
            if req.get("FilterExpression") is not None:
                raise ValidationException("Filter Expression can only contain non-primary key "
                                          f"attributes: Primary key attribute: {name}")
            raise ValidationException("QueryFilter can only contain non-key attributes: "
                                      f"Primary key attribute: {name}")


def _check_filter_paths(source: Source, filt) -> None:
    if filt is not None:
        from nuvem.services.dynamodb.evaluation import referenced_paths
        paths = referenced_paths(filt)
        indexes.check_scalar_keys(source.table, paths)
        if source.index:
            indexes.check_filter_held(source.table, source.index, paths)


def _check_key_type(source: Source, name: str, value: dict) -> None:
    value = values.check_value(value)            # a bad number says so, not a key mismatch
    if next(iter(value)) != source.table.attribute_type(name):
        raise ValidationException(_INVALID + "Condition parameter type does not match "
                                  "schema type")


@SERVICE.op("Query")
def query(ctx, req: dict) -> dict:
    limit = req.get("Limit")
    if limit is not None and limit < 1:
        # Query words this refusal its own way (Scan's is the validator's, with the value)
        raise ValidationException("1 validation error detected: Value at 'Limit' failed to "
                                  "satisfy constraint: Member must have value greater than or "
                                  "equal to 1")
    uses = mixing_checked(req, "Query")
    legacy_proj, legacy_kc, legacy_filt, start = _checked_first(req, "QueryFilter")
    ex = parser(req) if uses else None
    table = table_of(ctx, req)
    source = Source(table, req)
    if req.get("KeyConditionExpression") is not None:
        kc = ex.key_condition(req["KeyConditionExpression"], source.hash_key, source.range_key)
    elif legacy_kc is not None:
        from nuvem.services.dynamodb import legacy
        kc = legacy.key_condition_from_legacy(legacy_kc, source.hash_key, source.range_key)
    else:
        raise ValidationException("Either the KeyConditions or KeyConditionExpression "
                                  "parameter must be specified in the request.")
    filt = _filter(req, ex, legacy_filt)
    _check_filter_keys(req, source, filt)
    _check_filter_paths(source, filt)
    proj = _projection(req, ex, table, legacy_proj)
    select = _select(req, source, "Query")
    _check_projected(source, proj)
    ex.check_unused()
    _check_key_type(source, source.hash_key, kc.hash_value)
    for v in kc.range_values or []:
        _check_key_type(source, source.range_key, v)
    ipk = values.key_bytes(kc.hash_value)
    bounds: dict = {}
    startswith = None
    op, rv = kc.range_op, [values.key_bytes(v) for v in kc.range_values or []]
    # An index record's sort key is followed by the table's key: "" (a str component sorts
    # after every bytes one) closes a bound just after all records with that sort key.
    prefix = (ipk,)
    full = source.base + prefix
    if op == "=":
        bounds = {"ge": full + (rv[0],), "le": full + (rv[0], "")}
    elif op == "<":
        bounds = {"lt": full + (rv[0],)}
    elif op == "<=":
        bounds = {"le": full + (rv[0], "")}
    elif op == ">":
        bounds = {"ge": full + (rv[0], "")}
    elif op == ">=":
        bounds = {"ge": full + (rv[0],)}
    elif op == "BETWEEN":
        if rv[0] > rv[1]:
            raise ValidationException(
                "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to "
                "be greater than or equal to lower bound; lower bound operand: AttributeValue: "
                f"{_show(kc.range_values[0])}, upper bound operand: AttributeValue: "
                f"{_show(kc.range_values[1])}")
        bounds = {"ge": full + (rv[0],), "le": full + (rv[1], "")}
    elif op == "begins_with":
        if "N" in kc.range_values[0]:
            raise ValidationException(
                "Invalid KeyConditionExpression: Incorrect operand type for operator or "
                "function; operator or function: begins_with, operand type: N")
        startswith = rv[0]
    forward = req.get("ScanIndexForward", True) is not False
    plain = _plain(source, select, proj, filt)
    start = source.start_after(start, _INVALID_START)
    if start is not None:
        _check_start(start[len(source.base):], ipk, op, rv)
    records = source.read(ctx, prefix=prefix, startswith=startswith, start_after=start,
                          reverse=not forward, documents=plain, **bounds)
    if plain:
        return plain_page(req, source, records)
    return _encoded(run_page(ctx, req, source, records, select, proj, filt))


_RANGE_TESTS = {"=": bytes.__eq__, "<": bytes.__lt__, "<=": bytes.__le__, ">": bytes.__gt__,
                ">=": bytes.__ge__, "BETWEEN": lambda k, low, high: low <= k <= high,
                "begins_with": bytes.startswith}


def _check_start(start: tuple, ipk: bytes, op: str | None, rv: list[bytes]) -> None:
    """ExclusiveStartKey (its store key: partition key, sort key, ...) must lie within the
    query's key conditions, as DynamoDB checks."""
    if start[0] != ipk:
        raise ValidationException("The provided starting key is outside query boundaries based "
                                  "on provided conditions")
    if op is not None and not _RANGE_TESTS[op](start[1], *rv):
        raise ValidationException("The provided starting key does not match the range key "
                                  "predicate")


def _encoded(out: dict) -> dict:
    """The page's items as wire JSON, written by the C encoder: walking a thousand items
    against the model would cost more than reading them."""
    if "Items" in out:
        out["Items"] = EncodedList(map(encode_attrs, out["Items"]))
    return out


def _show(value: dict) -> str:
    (kind, v), = value.items()
    return "{" + f"{kind}:{base64.b64encode(v).decode() if isinstance(v, bytes) else v}" + "}"


@SERVICE.op("Scan")
def scan(ctx, req: dict) -> dict:
    uses = mixing_checked(req, "Scan")
    legacy_proj, _, legacy_filt, start = _checked_first(req, "ScanFilter")
    segment, total = req.get("Segment"), req.get("TotalSegments")
    if segment is not None and total is None:
        raise ValidationException("The TotalSegments parameter is required but was not "
                                  "present in the request when Segment parameter is present")
    if total is not None and segment is None:
        raise ValidationException("The Segment parameter is required but was not present in "
                                  "the request when parameter TotalSegments is present")
    if segment is not None and segment >= total:
        raise ValidationException("The Segment parameter is zero-based and must be less than "
                                  f"parameter TotalSegments: Segment: {segment} is not less "
                                  f"than TotalSegments: {total}")
    ex = parser(req) if uses else None
    filt = _filter(req, ex, legacy_filt)
    table = table_of(ctx, req)
    proj = _projection(req, ex, table, legacy_proj)
    if ex is not None:
        ex.check_unused()
    # then the table: the index, its start key, Select, the whole start key, the filter's paths
    # (dynalite's AWS-recorded scan.js 'ExclusiveStartKey does not match schema', 'specifying
    # ALL_ATTRIBUTES when global index does not have ALL')
    source = Source(table, req)
    source.check_index_start(start)
    select = _select(req, source, "Scan")
    start = source.start_after(start)
    _check_filter_paths(source, filt)
    _check_projected(source, proj)
    # A segment's pages resume only from its own keys (the start key's partition is in it).
    if (start is not None and segment is not None
            and _segment_of(start[2 if source.index else 1], total) != segment):
        raise ValidationException(f"{_INVALID_START}: Invalid "
                                  "ExclusiveStartKey. Please use ExclusiveStartKey with correct "
                                  f"Segment. TotalSegments: {total} Segment: {segment}")
    segment = None if segment is None else (segment, total)
    plain = _plain(source, select, proj, filt, segment)
    records = source.read(ctx, start_after=start, documents=plain)
    if plain:
        return plain_page(req, source, records)
    return _encoded(run_page(ctx, req, source, records, select, proj, filt, segment))
