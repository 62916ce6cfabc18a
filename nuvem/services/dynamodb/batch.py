"""BatchGetItem and BatchWriteItem. Every request is validated before anything is read or
written; a write batch then commits as one transaction (the call's), which is within what
DynamoDB promises (each request is atomic, the batch is not)."""
from __future__ import annotations

from nuvem.services.dynamodb import SERVICE, indexes, table_stats, values
from nuvem.services.dynamodb.errors import ValidationException
from nuvem.services.dynamodb.items import (apply_projection, check_projection_keys,
                                           collection_metrics, consumed, expressions, find_table,
                                           get_item_record, projection, put_item_record,
                                           store_item)

MAX_GET_KEYS = 100
MAX_WRITES = 25
MAX_GET_BYTES = 16 * 1024 * 1024
_DUPLICATES = "Provided list of item keys contains duplicates"


@SERVICE.op("BatchGetItem")
def batch_get_item(ctx, req: dict) -> dict:
    request_items = req.get("RequestItems") or {}
    if not request_items:     # the validation framework's words, without the value
        raise ValidationException("1 validation error detected: Value at 'RequestItems' failed "
                                  "to satisfy constraint: Member must have length greater than "
                                  "or equal to 1")
    if sum(len(spec.get("Keys") or []) for spec in request_items.values()) > MAX_GET_KEYS:
        raise ValidationException("Too many items requested for the BatchGetItem call")
    # every table's request is checked before any table is looked up, as DynamoDB does
    requested = []
    for name, spec in request_items.items():
        ex = expressions(spec, "BatchGetItem")
        proj = projection(spec, ex)
        if ex is not None:
            ex.check_unused()
        given = [values.key_values(key) for key in spec.get("Keys") or []]
        requested.append((name, spec, proj, given))
    plans = []
    for name, spec, proj, given in requested:
        table = find_table(ctx, name)
        check_projection_keys(table, proj)
        keys, seen = [], set()
        for key in given:
            ident = values.item_key(table, values.match_key(table, key))
            if ident in seen:
                raise ValidationException(_DUPLICATES)
            seen.add(ident)
            keys.append((key, ident))
        plans.append((name, spec, table, proj, keys))
    responses: dict[str, list] = {}
    unprocessed: dict[str, dict] = {}
    capacity: list[dict] = []
    total = 0
    mode = req.get("ReturnConsumedCapacity")
    for name, spec, table, proj, keys in plans:
        found_items = responses.setdefault(name, [])
        consistent = bool(spec.get("ConsistentRead"))
        units = 0.0
        for key, (pk, sk) in keys:
            if total > MAX_GET_BYTES:
                # past 16 MB: the rest is for the caller's next call
                rest = unprocessed.setdefault(name, {k: v for k, v in spec.items() if k != "Keys"})
                rest.setdefault("Keys", []).append(key)
                continue
            item = get_item_record(ctx, table, pk, sk)
            units += values.read_units(item.size if item else 0, consistent)
            if item is not None:
                total += item.size
                found_items.append(apply_projection(proj, item.attrs))
        entry = consumed(name, mode, units)
        if entry:
            capacity.append(entry)
    out = {"Responses": responses, "UnprocessedKeys": unprocessed}
    if capacity:
        out["ConsumedCapacity"] = capacity
    return out


def _checked_writes(requests: list) -> list[tuple]:
    """A table's write requests as far as DynamoDB checks them before it looks the table up:
    (item, its size, None) for a put, (None, 0, key) for a delete, values validated."""
    checked = []
    for request in requests:
        put, delete = request.get("PutRequest"), request.get("DeleteRequest")
        if (put is None) == (delete is None):
            # sic: DynamoDB words a request with neither as it does a value with two types
            raise ValidationException("Supplied AttributeValue has more than one datatypes set, "
                                      "must contain exactly one of the supported datatypes")
        if put is not None:
            checked.append((*values.item_values(put.get("Item")), None))
        else:
            checked.append((None, 0, values.key_values(delete.get("Key"))))
    return checked


def _plan_writes(ctx, name: str, checked: list[tuple]) -> tuple:
    table = find_table(ctx, name)
    planned, seen = [], set()
    for item, size, key in checked:
        if item is not None:
            values.check_item_keys(table, item, mismatch_as_key=True)
            indexes.check_item(table, item)
            ident = values.item_key(table, item)
            planned.append((ident, item, values.key_of(table, item), size))
        else:
            ident = values.item_key(table, values.match_key(table, key))
            planned.append((ident, None, key, 0))
        if ident in seen:
            raise ValidationException(_DUPLICATES)
        seen.add(ident)
    return table, planned


@SERVICE.op("BatchWriteItem")
def batch_write_item(ctx, req: dict) -> dict:
    request_items = req.get("RequestItems") or {}
    if not request_items:     # DynamoDB's own words (the model overlay leaves it to us)
        raise ValidationException("The requestItems parameter is required for BatchWriteItem")
    if sum(len(r or []) for r in request_items.values()) > MAX_WRITES:
        raise ValidationException("Too many items requested for the BatchWriteItem call")
    # every table's requests are checked before any table is looked up, as DynamoDB does
    checked = {name: _checked_writes(requests) for name, requests in request_items.items()}
    plans = [(name, *_plan_writes(ctx, name, writes)) for name, writes in checked.items()]
    mode = req.get("ReturnConsumedCapacity")
    capacity: list[dict] = []
    metrics: dict[str, list] = {}
    for name, table, planned in plans:
        units, index_units = 0.0, {}
        stats = table_stats.change(table)
        for (pk, sk), item, key, size in planned:
            if item is not None:
                old, touched = put_item_record(ctx, table, pk, sk, item, size, stats)
            else:
                old = get_item_record(ctx, table, pk, sk)
                touched = {} if old is None else store_item(ctx, table, pk, sk, old, None,
                                                             stats=stats)
            units += values.write_units(max(size, old.size if old else 0))
            for index, (is_global, u) in touched.items():
                before = index_units.get(index, (is_global, 0.0))[1]
                index_units[index] = (is_global, before + u)
            m = collection_metrics(ctx, table, pk, key, req)
            if m:
                metrics.setdefault(name, []).append(m)
        table_stats.save(ctx, stats)
        entry = consumed(name, mode, units, index_units)
        if entry:
            capacity.append(entry)
    out: dict = {"UnprocessedItems": {}}
    if capacity:
        out["ConsumedCapacity"] = capacity
    if metrics:
        out["ItemCollectionMetrics"] = metrics
    return out
